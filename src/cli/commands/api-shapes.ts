/**
 * The docker CLI decodes API answers into Go structs and marshals them again
 * for `--format json`: fields come out in struct order, `omitempty` ones
 * vanish when empty and missing ones appear with their zero value. These
 * helpers give the daemon's JSON that same shape.
 */

type Json = Record<string, any>;

/** A field: its JSON name, its zero value, and whether it is `omitempty`. */
type Field = [name: string, zero: unknown, omitEmpty?: boolean];

/** system.Info (API 1.50), in struct order. */
const INFO_FIELDS: Field[] = [
  ['ID', ''], ['Containers', 0], ['ContainersRunning', 0], ['ContainersPaused', 0], ['ContainersStopped', 0], ['Images', 0],
  ['Driver', ''], ['DriverStatus', null], ['SystemStatus', null, true], ['Plugins', { Volume: null, Network: null, Authorization: null, Log: null }],
  ['MemoryLimit', false], ['SwapLimit', false], ['KernelMemory', false, true], ['KernelMemoryTCP', false, true],
  ['CpuCfsPeriod', false], ['CpuCfsQuota', false], ['CPUShares', false], ['CPUSet', false], ['PidsLimit', false],
  ['IPv4Forwarding', false], ['Debug', false], ['NFd', 0], ['OomKillDisable', false], ['NGoroutines', 0], ['SystemTime', ''],
  ['LoggingDriver', ''], ['CgroupDriver', ''], ['CgroupVersion', '', true], ['NEventsListener', 0], ['KernelVersion', ''],
  ['OperatingSystem', ''], ['OSVersion', ''], ['OSType', ''], ['Architecture', ''], ['IndexServerAddress', ''],
  ['RegistryConfig', null], ['NCPU', 0], ['MemTotal', 0], ['GenericResources', null], ['DockerRootDir', ''], ['HttpProxy', ''],
  ['HttpsProxy', ''], ['NoProxy', ''], ['Name', ''], ['Labels', null], ['ExperimentalBuild', false], ['ServerVersion', ''],
  ['Runtimes', null], ['DefaultRuntime', ''], ['Swarm', {}], ['LiveRestoreEnabled', false], ['Isolation', ''], ['InitBinary', ''],
  ['ContainerdCommit', { ID: '' }], ['RuncCommit', { ID: '' }], ['InitCommit', { ID: '' }], ['SecurityOptions', null],
  ['ProductLicense', '', true], ['DefaultAddressPools', null, true], ['FirewallBackend', null, true], ['CDISpecDirs', null],
  ['Containerd', null, true], ['Warnings', null],
];

/** types.Version, in struct order. */
const VERSION_FIELDS: Field[] = [
  ['Platform', { Name: '' }], ['Components', null, true], ['Version', ''], ['ApiVersion', ''], ['MinAPIVersion', '', true],
  ['GitCommit', ''], ['GoVersion', ''], ['Os', ''], ['Arch', ''], ['KernelVersion', '', true], ['Experimental', false, true],
  ['BuildTime', '', true],
];

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

function reshape(src: Json, fields: readonly Field[]): Json {
  const out: Json = {};
  for (const [name, zero, omitEmpty] of fields) {
    const v = Object.hasOwn(src, name) ? src[name] : zero;
    if (omitEmpty && isEmpty(v)) continue;
    out[name] = v;
  }
  return out;
}

/** GET /info as the docker CLI re-marshals it. */
export function goInfo(src: Json): Json {
  return reshape(src, INFO_FIELDS);
}

/** GET /version as the docker CLI re-marshals it (component Details with sorted keys). */
export function goVersion(src: Json): Json {
  const out = reshape(src, VERSION_FIELDS);
  if (Array.isArray(out.Components)) {
    out.Components = out.Components.map((c: Json) => {
      const comp: Json = { Name: c.Name ?? '', Version: c.Version ?? '' };
      const details: Json = c.Details ?? {};
      if (Object.keys(details).length > 0) comp.Details = Object.fromEntries(Object.keys(details).sort().map((k) => [k, details[k]]));
      return comp;
    });
  }
  return out;
}
