/** berthd configuration: flags, daemon.json, defaults, reload. */
export type { AddressPool, CgroupDriver, DaemonConfig, DaemonJson, DaemonJsonKey, LogLevel } from './types.ts';
export {
  DAEMON_JSON_KEYS,
  DEFAULT_ADDRESS_POOLS,
  DEFAULT_CONFIG_FILE,
  DEFAULT_DATA_ROOT,
  DEFAULT_EXEC_ROOT,
  DEFAULT_HOST,
  RELOADABLE_KEYS,
  defaultDaemonConfig,
} from './types.ts';
export { parseDaemonFlags, type ParsedFlags } from './flags.ts';
export { DAEMON_USAGE } from './usage.ts';
export {
  configToJson,
  loadDaemonConfig,
  loadDaemonConfigFromFlags,
  reloadDaemonConfig,
  type ReadFile,
  type ReloadResult,
} from './load.ts';
