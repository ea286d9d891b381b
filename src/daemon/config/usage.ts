/** The flags of berthd (dockerd's names) and its --help text, built from one table. */
import type { DaemonJsonKey } from './types.ts';
import {
  DEFAULT_CONFIG_FILE,
  DEFAULT_DATA_ROOT,
  DEFAULT_EXEC_ROOT,
  DEFAULT_MAX_CONCURRENT_DOWNLOADS,
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  PIDFILE_NAME,
} from './types.ts';

export type FlagKind = 'bool' | 'string' | 'int' | 'list' | 'pools' | 'map';

export interface FlagSpec {
  long: string;
  short?: string;
  kind: FlagKind;
  /** The daemon.json key the flag sets; absent for help/version/config-file. */
  key?: DaemonJsonKey;
  usage: string;
  /** Default shown in --help. */
  def?: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { long: 'bip', kind: 'string', key: 'bip', usage: 'IPv4 address for the default bridge' },
  { long: 'bridge', short: 'b', kind: 'string', key: 'bridge', usage: 'Attach containers to a network bridge' },
  { long: 'cgroup-parent', kind: 'string', key: 'cgroup-parent', usage: 'Set parent cgroup for all containers' },
  { long: 'config-file', kind: 'string', usage: 'Daemon configuration file', def: `"${DEFAULT_CONFIG_FILE}"` },
  { long: 'data-root', kind: 'string', key: 'data-root', usage: 'Root directory of persistent Berth state', def: `"${DEFAULT_DATA_ROOT}"` },
  { long: 'debug', short: 'D', kind: 'bool', key: 'debug', usage: 'Enable debug mode' },
  { long: 'default-address-pool', kind: 'pools', key: 'default-address-pools', usage: 'Default address pools for node specific local networks' },
  { long: 'exec-opt', kind: 'list', key: 'exec-opts', usage: 'Runtime execution options' },
  { long: 'exec-root', kind: 'string', key: 'exec-root', usage: 'Root directory for execution state files', def: `"${DEFAULT_EXEC_ROOT}"` },
  { long: 'help', short: 'h', kind: 'bool', usage: 'Print usage' },
  { long: 'host', short: 'H', kind: 'list', key: 'hosts', usage: 'Daemon socket(s) to connect to' },
  { long: 'insecure-registry', kind: 'list', key: 'insecure-registries', usage: 'Enable insecure registry communication' },
  { long: 'ip-forward', kind: 'bool', key: 'ip-forward', usage: 'Enable IP forwarding in system configuration', def: 'true' },
  { long: 'iptables', kind: 'bool', key: 'iptables', usage: 'Enable addition of iptables rules', def: 'true' },
  { long: 'live-restore', kind: 'bool', key: 'live-restore', usage: 'Enable live restore of containers when the daemon stops' },
  { long: 'log-driver', kind: 'string', key: 'log-driver', usage: 'Default driver for container logs', def: '"json-file"' },
  { long: 'log-level', short: 'l', kind: 'string', key: 'log-level', usage: 'Set the logging level ("debug"|"info"|"warn"|"error"|"fatal")', def: '"info"' },
  { long: 'log-opt', kind: 'map', key: 'log-opts', usage: 'Default log driver options for containers', def: 'map[]' },
  { long: 'max-concurrent-downloads', kind: 'int', key: 'max-concurrent-downloads', usage: 'Set the max concurrent downloads', def: String(DEFAULT_MAX_CONCURRENT_DOWNLOADS) },
  { long: 'max-concurrent-uploads', kind: 'int', key: 'max-concurrent-uploads', usage: 'Set the max concurrent uploads', def: String(DEFAULT_MAX_CONCURRENT_UPLOADS) },
  { long: 'pidfile', short: 'p', kind: 'string', key: 'pidfile', usage: 'Path to use for daemon PID file', def: `"<exec-root>/${PIDFILE_NAME}"` },
  { long: 'registry-mirror', kind: 'list', key: 'registry-mirrors', usage: 'Preferred registry mirror' },
  { long: 'storage-driver', short: 's', kind: 'string', key: 'storage-driver', usage: 'Storage driver to use (only "overlay2")' },
  { long: 'tlscacert', kind: 'string', key: 'tlscacert', usage: 'Trust certs signed only by this CA' },
  { long: 'tlscert', kind: 'string', key: 'tlscert', usage: 'Path to TLS certificate file' },
  { long: 'tlskey', kind: 'string', key: 'tlskey', usage: 'Path to TLS key file' },
  { long: 'tlsverify', kind: 'bool', key: 'tlsverify', usage: 'Use TLS and verify the remote (required for tcp:// hosts)' },
  { long: 'version', short: 'v', kind: 'bool', usage: 'Print version information and quit' },
];

const TYPE_NAME: Record<FlagKind, string> = { bool: '', string: ' string', int: ' int', list: ' list', pools: ' pool-options', map: ' map' };

function usageLines(): string {
  const left = FLAGS.map((f) => `${f.short ? `  -${f.short}, ` : '      '}--${f.long}${TYPE_NAME[f.kind]}`);
  const width = Math.max(...left.map((l) => l.length)) + 3;
  return FLAGS.map((f, i) => `${left[i].padEnd(width)}${f.usage}${f.def ? ` (default ${f.def})` : ''}`).join('\n');
}

/** `berthd --help`, laid out like `dockerd --help`. */
export const DAEMON_USAGE = `Usage:\tberthd [OPTIONS]

A self-sufficient runtime for containers.

Options:
${usageLines()}
`;
