/** The configuration of berthd: its shape, its daemon.json keys and its defaults. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type CgroupDriver = 'cgroupfs' | 'systemd';

export interface AddressPool {
  base: string;
  size: number;
}

export interface DaemonConfig {
  dataRoot: string;
  execRoot: string;
  /** Normalised listen addresses: 'unix:///path' or 'tcp://host:port'. */
  hosts: string[];
  pidfile: string;
  /** The daemon.json in effect (read again on reload). */
  configFile: string;
  /** As configured; `debug: true` means the daemon logs at debug level whatever this says. */
  logLevel: LogLevel;
  /** Defaults for containers that name no log driver. */
  logDriver: string;
  logOpts: Record<string, string>;
  debug: boolean;
  /** Normalised with a trailing '/', as dockerd shows them. */
  registryMirrors: string[];
  /** CIDRs or host[:port], any http:// or https:// prefix removed. */
  insecureRegistries: string[];
  execOpts: string[];
  /** From exec-opt native.cgroupdriver. */
  cgroupDriver: CgroupDriver;
  /** Containers' cgroup parent when they name none ('' = /berth, or system.slice with systemd). */
  cgroupParent: string;
  defaultAddressPools: AddressPool[];
  /** Default bridge ('none': no default bridge network). */
  bridge: string;
  /** Default bridge address and prefix ('' = from the pools). */
  bip: string;
  iptables: boolean;
  ipForward: boolean;
  liveRestore: boolean;
  storageDriver: 'overlay2';
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  tls: { verify: boolean; cacert?: string; cert?: string; key?: string };
}

/** daemon.json as Berth understands it (a subset of dockerd's keys, same names and types). */
export interface DaemonJson {
  'data-root'?: string;
  'exec-root'?: string;
  hosts?: string[];
  pidfile?: string;
  'log-level'?: string;
  'log-driver'?: string;
  'log-opts'?: Record<string, string>;
  debug?: boolean;
  'registry-mirrors'?: string[];
  'insecure-registries'?: string[];
  'exec-opts'?: string[];
  'cgroup-parent'?: string;
  'default-address-pools'?: AddressPool[];
  bridge?: string;
  bip?: string;
  iptables?: boolean;
  'ip-forward'?: boolean;
  'live-restore'?: boolean;
  'storage-driver'?: string;
  'max-concurrent-downloads'?: number;
  'max-concurrent-uploads'?: number;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

export type DaemonJsonKey = keyof DaemonJson;

/** The JSON type of each key, used to check daemon.json. */
export const KEY_TYPES: Record<DaemonJsonKey, 'string' | 'bool' | 'int' | 'strings' | 'pools' | 'map'> = {
  'data-root': 'string',
  'exec-root': 'string',
  hosts: 'strings',
  pidfile: 'string',
  'log-level': 'string',
  'log-driver': 'string',
  'log-opts': 'map',
  debug: 'bool',
  'registry-mirrors': 'strings',
  'insecure-registries': 'strings',
  'exec-opts': 'strings',
  'cgroup-parent': 'string',
  'default-address-pools': 'pools',
  bridge: 'string',
  bip: 'string',
  iptables: 'bool',
  'ip-forward': 'bool',
  'live-restore': 'bool',
  'storage-driver': 'string',
  'max-concurrent-downloads': 'int',
  'max-concurrent-uploads': 'int',
  tlsverify: 'bool',
  tlscacert: 'string',
  tlscert: 'string',
  tlskey: 'string',
};

export const DAEMON_JSON_KEYS = Object.keys(KEY_TYPES) as DaemonJsonKey[];

export function isDaemonJsonKey(k: string): k is DaemonJsonKey {
  return Object.hasOwn(KEY_TYPES, k);
}

/** Keys a reload (SIGHUP) applies; everything else needs a restart. */
export const RELOADABLE_KEYS: readonly DaemonJsonKey[] = [
  'registry-mirrors',
  'insecure-registries',
  'log-level',
  'debug',
  'live-restore',
  'max-concurrent-downloads',
  'max-concurrent-uploads',
];

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'fatal'];

export const DEFAULT_DATA_ROOT = '/var/lib/berth';
export const DEFAULT_EXEC_ROOT = '/run/berth';
export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';
export const DEFAULT_UNIX_SOCKET = '/run/berth/berth.sock';
export const DEFAULT_HOST = `unix://${DEFAULT_UNIX_SOCKET}`;
export const PIDFILE_NAME = 'berthd.pid';
/** Port for a tcp:// host given without one (TLS is mandatory, so docker's TLS port). */
export const DEFAULT_TLS_PORT = 2376;
export const DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3;
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 5;

/** docker's built-in local address pools (libnetwork ipamutils). */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** All defaults; `pidfile` follows `execRoot` when not given. */
export function defaultDaemonConfig(): DaemonConfig {
  return {
    dataRoot: DEFAULT_DATA_ROOT,
    execRoot: DEFAULT_EXEC_ROOT,
    hosts: [DEFAULT_HOST],
    pidfile: `${DEFAULT_EXEC_ROOT}/${PIDFILE_NAME}`,
    configFile: DEFAULT_CONFIG_FILE,
    logLevel: 'info',
    logDriver: 'json-file',
    logOpts: {},
    debug: false,
    registryMirrors: [],
    insecureRegistries: [],
    execOpts: [],
    cgroupDriver: 'cgroupfs',
    cgroupParent: '',
    defaultAddressPools: DEFAULT_ADDRESS_POOLS.map((p) => ({ ...p })),
    bridge: '',
    bip: '',
    iptables: true,
    ipForward: true,
    liveRestore: false,
    storageDriver: 'overlay2',
    maxConcurrentDownloads: DEFAULT_MAX_CONCURRENT_DOWNLOADS,
    maxConcurrentUploads: DEFAULT_MAX_CONCURRENT_UPLOADS,
    tls: { verify: false },
  };
}
