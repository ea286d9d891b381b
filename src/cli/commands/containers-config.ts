/**
 * docker's container `parse`: the create/run flags as the body of
 * POST /containers/create ({...Config, HostConfig, NetworkingConfig}), with
 * the fields in the order and with the nulls and empty values the docker
 * CLI 28 sends.
 */
import type { ParsedArgs } from '../framework/flags.ts';
import { ramInBytes } from '../format/units.ts';
import {
  effectiveCaps, kvMap, parseCpus, parseDevice, parseDuration, parseKeyValueFile, parseRestartPolicy, readEnv,
  securityOptions, ulimitList,
} from './containers-parse.ts';
import { parseMount, parseNetwork, parsePorts, splitVolumes, type NetworkAttachment } from './containers-ports.ts';

type Json = Record<string, any>;

export interface CreateRequest {
  body: Json;
  /** The flags that only the CLI uses. */
  autoRemove: boolean;
  /** -a values given (docker checks -a with -d). */
  attachGiven: boolean;
}

const strs = (p: ParsedArgs, name: string): string[] => p.flags[name] as string[];
const str = (p: ParsedArgs, name: string): string => p.flags[name] as string;
const num = (p: ParsedArgs, name: string): number => p.flags[name] as number;
const on = (p: ParsedArgs, name: string): boolean => p.flags[name] === true;
const orNull = <T>(a: T[]): T[] | null => (a.length > 0 ? a : null);
const bytesOf = (v: string): number => (v === '' ? 0 : ramInBytes(v));

const NON_USER_NETWORKS = ['default', 'bridge', 'host', 'none'];
const isUserDefined = (n: string): boolean => !NON_USER_NETWORKS.includes(n) && !n.startsWith('container:');

function endpointOf(n: NetworkAttachment): Json {
  if (n.Target.trim() === '') throw new Error('no name set for network');
  if (!isUserDefined(n.Target)) {
    if (n.Aliases.length > 0) throw new Error('network-scoped aliases are only supported for user-defined networks');
    if (n.Links.length > 0) throw new Error('links are only supported for user-defined networks');
  }
  const ipam = n.IPv4Address || n.IPv6Address || n.LinkLocalIPs.length > 0
    ? {
      ...(n.IPv4Address ? { IPv4Address: n.IPv4Address } : {}), ...(n.IPv6Address ? { IPv6Address: n.IPv6Address } : {}),
      ...(n.LinkLocalIPs.length > 0 ? { LinkLocalIPs: n.LinkLocalIPs } : {}),
    }
    : null;
  if (n.MacAddress && !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(n.MacAddress)) throw new Error(`${n.MacAddress} is not a valid mac address`);
  return {
    IPAMConfig: ipam, Links: orNull(n.Links), Aliases: orNull(n.Aliases), MacAddress: n.MacAddress,
    DriverOpts: Object.keys(n.DriverOpts).length > 0 ? n.DriverOpts : null, GwPriority: n.GwPriority,
    NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0, DNSNames: null,
  };
}

const isZeroEndpoint = (ep: Json): boolean =>
  ep.IPAMConfig === null && ep.Links === null && ep.Aliases === null && ep.MacAddress === '' && ep.DriverOpts === null && ep.GwPriority === 0;

/** parseNetworkOpts: the endpoints, with --network-alias/--link/--ip/--ip6/--mac-address on the first network. */
function endpoints(p: ParsedArgs): { mode: string; config: Json } {
  const nets = [...strs(p, 'network'), ...strs(p, 'net')].map(parseNetwork);
  const aliases = [...strs(p, 'network-alias'), ...strs(p, 'net-alias')];
  const applyFirst = (n: NetworkAttachment): void => {
    if (n.Aliases.length > 0 && aliases.length > 0) throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
    if (n.IPv4Address && str(p, 'ip')) throw new Error('conflicting options: cannot specify both --ip and per-network IPv4 address');
    if (n.IPv6Address && str(p, 'ip6')) throw new Error('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
    if (aliases.length > 0) n.Aliases = [...aliases];
    // Legacy links on the default bridge stay in HostConfig.Links only.
    if (strs(p, 'link').length > 0 && isUserDefined(n.Target)) n.Links = [...strs(p, 'link')];
    if (str(p, 'ip')) n.IPv4Address = str(p, 'ip');
    if (str(p, 'ip6')) n.IPv6Address = str(p, 'ip6');
    if (str(p, 'mac-address')) n.MacAddress = str(p, 'mac-address');
    if (strs(p, 'link-local-ip').length > 0) n.LinkLocalIPs = [...strs(p, 'link-local-ip')];
  };
  const config: Json = {};
  if (nets.length === 0) {
    const n = parseNetwork('default');
    applyFirst(n);
    config.default = endpointOf(n);
    return { mode: 'default', config };
  }
  let user = false;
  let nonUser = false;
  nets.forEach((n, i) => {
    if (isUserDefined(n.Target)) user = true;
    else nonUser = true;
    if (i === 0) applyFirst(n);
    const ep = endpointOf(n);
    if (Object.hasOwn(config, n.Target)) throw new Error(`network ${JSON.stringify(n.Target)} is specified multiple times`);
    if (i === 0 && nets.length === 1 && isZeroEndpoint(ep)) return;
    config[n.Target] = ep;
  });
  if (user && nonUser) throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return { mode: nets[0].Target, config };
}

function healthcheck(p: ParsedArgs): Json | undefined {
  const interval = parseDuration(str(p, 'health-interval') || '0');
  const timeout = parseDuration(str(p, 'health-timeout') || '0');
  const startPeriod = parseDuration(str(p, 'health-start-period') || '0');
  const startInterval = parseDuration(str(p, 'health-start-interval') || '0');
  const retries = num(p, 'health-retries');
  const cmd = str(p, 'health-cmd');
  const any = cmd !== '' || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0 || startInterval !== 0;
  if (on(p, 'no-healthcheck')) {
    if (any) throw new Error('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  if (interval < 0) throw new Error('--health-interval cannot be negative');
  if (timeout < 0) throw new Error('--health-timeout cannot be negative');
  if (retries < 0) throw new Error('--health-retries cannot be negative');
  if (startPeriod < 0) throw new Error('--health-start-period cannot be negative');
  if (startInterval < 0) throw new Error('--health-start-interval cannot be negative');
  const hc: Json = {};
  if (cmd !== '') hc.Test = ['CMD-SHELL', cmd];
  if (interval) hc.Interval = interval;
  if (timeout) hc.Timeout = timeout;
  if (startPeriod) hc.StartPeriod = startPeriod;
  if (startInterval) hc.StartInterval = startInterval;
  if (retries) hc.Retries = retries;
  return hc;
}

function throttle(values: readonly string[], iops: boolean): Json[] {
  return values.map((v) => {
    const [path, rate] = v.split(':');
    return { Path: path, Rate: iops ? Number(rate) : ramInBytes(rate) };
  });
}

function checkMode(value: string, flag: string, what: string, extra: (v: string) => boolean = () => false): void {
  if (value !== '' && value !== 'host' && !extra(value)) throw new Error(`--${flag}: invalid ${what} mode`);
}

/**
 * The create body for the parsed flags; `args` are IMAGE [COMMAND...].
 * Throws plain Errors with docker's messages (the caller reports them with status 125).
 */
export function buildCreateRequest(p: ParsedArgs, env: Record<string, string | undefined>, consoleSize: [number, number]): CreateRequest {
  const [image, ...cmd] = p.args;
  const attach = strs(p, 'attach').map((a) => a.toLowerCase());
  const stdin = on(p, 'interactive');
  const attachStdin = attach.includes('stdin') || stdin;
  const attachStdout = attach.length === 0 || attach.includes('stdout');
  const attachStderr = attach.length === 0 || attach.includes('stderr');
  const swappiness = num(p, 'memory-swappiness');
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw new Error(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  const { binds, volumes } = splitVolumes(strs(p, 'volume'));
  const tmpfs: Record<string, string> = {};
  for (const t of strs(p, 'tmpfs')) {
    const colon = t.indexOf(':');
    if (colon < 0) tmpfs[t] = '';
    else tmpfs[t.slice(0, colon)] = t.slice(colon + 1);
  }
  let entrypoint: string[] | null = null;
  if (str(p, 'entrypoint') !== '') entrypoint = [str(p, 'entrypoint')];
  else if (p.changed.has('entrypoint')) entrypoint = [''];
  const ports = parsePorts(strs(p, 'publish'), strs(p, 'expose'));
  const devices = strs(p, 'device').map(parseDevice);
  const envs = readEnv(strs(p, 'env-file'), strs(p, 'env'), env);
  const labels = [...strs(p, 'label-file').flatMap((f) => parseKeyValueFile(f)), ...strs(p, 'label')];
  checkMode(str(p, 'pid'), 'pid', 'PID', (v) => v.startsWith('container:') && v.length > 'container:'.length);
  checkMode(str(p, 'uts'), 'uts', 'UTS');
  checkMode(str(p, 'userns'), 'userns', 'USER');
  if (!['', 'host', 'private'].includes(str(p, 'cgroupns'))) throw new Error('--cgroupns: invalid CGROUP mode');
  const restart = parseRestartPolicy(str(p, 'restart'));
  const logOpts = strs(p, 'log-opt');
  if (str(p, 'log-driver') === 'none' && logOpts.length > 0) throw new Error('invalid logging opts for driver none');
  const security = securityOptions(strs(p, 'security-opt'));
  const storage: Record<string, string> = {};
  for (const o of strs(p, 'storage-opt')) {
    const eq = o.indexOf('=');
    if (eq < 0) throw new Error('invalid storage option');
    storage[o.slice(0, eq)] = o.slice(eq + 1);
  }
  const hc = healthcheck(p);
  const caps = effectiveCaps(strs(p, 'cap-add'), strs(p, 'cap-drop'));
  const net = endpoints(p);
  const autoRemove = on(p, 'rm');
  if (autoRemove && restart.Name !== '' && restart.Name !== 'no') throw new Error('conflicting options: cannot specify both --restart and --rm');

  const config: Json = {
    Hostname: str(p, 'hostname'), Domainname: str(p, 'domainname'), User: str(p, 'user'),
    AttachStdin: attachStdin, AttachStdout: attachStdout, AttachStderr: attachStderr,
    ...(Object.keys(ports.exposed).length > 0 ? { ExposedPorts: ports.exposed } : {}),
    Tty: on(p, 'tty'), OpenStdin: stdin, StdinOnce: stdin && attachStdin,
    Env: orNull(envs), Cmd: orNull(cmd), ...(hc ? { Healthcheck: hc } : {}),
    Image: image, Volumes: volumes, WorkingDir: str(p, 'workdir'), Entrypoint: entrypoint, OnBuild: null, Labels: kvMap(labels),
    ...(p.changed.has('stop-signal') ? { StopSignal: str(p, 'stop-signal') } : {}),
    ...(p.changed.has('stop-timeout') ? { StopTimeout: num(p, 'stop-timeout') } : {}),
  };
  const annotations = kvMap(strs(p, 'annotation'));
  const sysctls = kvMap(strs(p, 'sysctl'));
  const hostConfig: Json = {
    Binds: binds, ContainerIDFile: str(p, 'cidfile'), LogConfig: { Type: str(p, 'log-driver'), Config: kvMap(logOpts) },
    NetworkMode: net.mode, PortBindings: ports.bindings, RestartPolicy: restart, AutoRemove: autoRemove,
    VolumeDriver: str(p, 'volume-driver'), VolumesFrom: orNull(strs(p, 'volumes-from')), ConsoleSize: consoleSize,
    ...(Object.keys(annotations).length > 0 ? { Annotations: annotations } : {}),
    CapAdd: caps.capAdd, CapDrop: caps.capDrop, CgroupnsMode: str(p, 'cgroupns'),
    Dns: strs(p, 'dns'), DnsOptions: [...strs(p, 'dns-option'), ...strs(p, 'dns-opt')], DnsSearch: strs(p, 'dns-search'),
    ExtraHosts: orNull(strs(p, 'add-host').map((h) => h.replace('=', ':'))), GroupAdd: orNull(strs(p, 'group-add')),
    IpcMode: str(p, 'ipc'), Cgroup: '', Links: orNull(strs(p, 'link')), OomScoreAdj: num(p, 'oom-score-adj'),
    PidMode: str(p, 'pid'), Privileged: on(p, 'privileged'), PublishAllPorts: on(p, 'publish-all'),
    ReadonlyRootfs: on(p, 'read-only'), SecurityOpt: security.opts,
    ...(Object.keys(storage).length > 0 ? { StorageOpt: storage } : {}),
    ...(Object.keys(tmpfs).length > 0 ? { Tmpfs: tmpfs } : {}),
    UTSMode: str(p, 'uts'), UsernsMode: str(p, 'userns'), ShmSize: bytesOf(str(p, 'shm-size')),
    ...(Object.keys(sysctls).length > 0 ? { Sysctls: sysctls } : {}),
    ...(str(p, 'runtime') ? { Runtime: str(p, 'runtime') } : {}),
    Isolation: str(p, 'isolation'),
    CpuShares: num(p, 'cpu-shares'), Memory: bytesOf(str(p, 'memory')), NanoCpus: str(p, 'cpus') ? parseCpus(str(p, 'cpus')) : 0,
    CgroupParent: str(p, 'cgroup-parent'), BlkioWeight: num(p, 'blkio-weight'),
    BlkioWeightDevice: strs(p, 'blkio-weight-device').map((v) => ({ Path: v.split(':')[0], Weight: Number(v.split(':')[1]) })),
    BlkioDeviceReadBps: throttle(strs(p, 'device-read-bps'), false), BlkioDeviceWriteBps: throttle(strs(p, 'device-write-bps'), false),
    BlkioDeviceReadIOps: throttle(strs(p, 'device-read-iops'), true), BlkioDeviceWriteIOps: throttle(strs(p, 'device-write-iops'), true),
    CpuPeriod: num(p, 'cpu-period'), CpuQuota: num(p, 'cpu-quota'), CpuRealtimePeriod: num(p, 'cpu-rt-period'),
    CpuRealtimeRuntime: num(p, 'cpu-rt-runtime'), CpusetCpus: str(p, 'cpuset-cpus'), CpusetMems: str(p, 'cpuset-mems'),
    Devices: devices, DeviceCgroupRules: orNull(strs(p, 'device-cgroup-rule')), DeviceRequests: gpuRequests(str(p, 'gpus')),
    MemoryReservation: bytesOf(str(p, 'memory-reservation')),
    MemorySwap: str(p, 'memory-swap') === '-1' ? -1 : bytesOf(str(p, 'memory-swap')),
    MemorySwappiness: swappiness, OomKillDisable: on(p, 'oom-kill-disable'), PidsLimit: num(p, 'pids-limit'),
    Ulimits: ulimitList(strs(p, 'ulimit')), CpuCount: num(p, 'cpu-count'), CpuPercent: num(p, 'cpu-percent'),
    IOMaximumIOps: num(p, 'io-maxiops'), IOMaximumBandwidth: bytesOf(str(p, 'io-maxbandwidth')),
    ...(strs(p, 'mount').length > 0 ? { Mounts: strs(p, 'mount').map(parseMount) } : {}),
    MaskedPaths: security.masked, ReadonlyPaths: security.readonly,
    ...(p.changed.has('init') ? { Init: on(p, 'init') } : {}),
  };
  return {
    body: { ...config, HostConfig: hostConfig, NetworkingConfig: { EndpointsConfig: net.config } },
    autoRemove,
    attachGiven: attach.length > 0,
  };
}

/** --gpus: "all", a count, or "device=0,1" as DeviceRequests (null without the flag). */
function gpuRequests(value: string): Json[] | null {
  if (value === '') return null;
  const req: Json = { Driver: '', Count: 0, DeviceIDs: null, Capabilities: [['gpu']], Options: {} };
  for (const field of value.split(',')) {
    if (field === 'all') req.Count = -1;
    else if (/^\d+$/.test(field)) req.Count = Number(field);
    else if (field.startsWith('count=')) req.Count = field.slice(6) === 'all' ? -1 : Number(field.slice(6));
    else if (field.startsWith('device=')) req.DeviceIDs = field.slice(7).split(/[,;]/);
    else if (field.startsWith('driver=')) req.Driver = field.slice(7);
    else throw new Error(`unexpected key '${field.split('=')[0]}' in '${field}'`);
  }
  return [req];
}
