import type { HostConfig } from '../../core/containers/types.ts';

/**
 * dockerd's HostConfig fields in its Go struct order, with the zero value
 * each shows when the client left it out, and whether it is `omitempty`.
 * Docker SDKs send only what the user set; dockerd decodes that into the
 * struct, so its inspect still has every field. ('nil': a pointer, left out
 * only when null.)
 */
const FIELDS: [key: string, zero: unknown, omitEmpty?: true | 'nil'][] = [
  ['Binds', null], ['ContainerIDFile', ''], ['LogConfig', { Type: '', Config: null }], ['NetworkMode', ''], ['PortBindings', null],
  ['RestartPolicy', { Name: '', MaximumRetryCount: 0 }], ['AutoRemove', false], ['VolumeDriver', ''], ['VolumesFrom', null],
  ['ConsoleSize', [0, 0]], ['Annotations', null, true], ['CapAdd', null], ['CapDrop', null], ['CgroupnsMode', ''],
  ['Dns', null], ['DnsOptions', null], ['DnsSearch', null], ['ExtraHosts', null], ['GroupAdd', null], ['IpcMode', ''], ['Cgroup', ''],
  ['Links', null], ['OomScoreAdj', 0], ['PidMode', ''], ['Privileged', false], ['PublishAllPorts', false], ['ReadonlyRootfs', false],
  ['SecurityOpt', null], ['StorageOpt', null, true], ['Tmpfs', null, true], ['UTSMode', ''], ['UsernsMode', ''], ['ShmSize', 0],
  ['Sysctls', null, true], ['Runtime', '', true], ['Isolation', ''],
  // Resources (embedded)
  ['CpuShares', 0], ['Memory', 0], ['NanoCpus', 0], ['CgroupParent', ''], ['BlkioWeight', 0], ['BlkioWeightDevice', null],
  ['BlkioDeviceReadBps', null], ['BlkioDeviceWriteBps', null], ['BlkioDeviceReadIOps', null], ['BlkioDeviceWriteIOps', null],
  ['CpuPeriod', 0], ['CpuQuota', 0], ['CpuRealtimePeriod', 0], ['CpuRealtimeRuntime', 0], ['CpusetCpus', ''], ['CpusetMems', ''],
  ['Devices', null], ['DeviceCgroupRules', null], ['DeviceRequests', null], ['KernelMemoryTCP', 0, true], ['MemoryReservation', 0],
  ['MemorySwap', 0], ['MemorySwappiness', null], ['OomKillDisable', null], ['PidsLimit', null], ['Ulimits', null], ['CpuCount', 0],
  ['CpuPercent', 0], ['IOMaximumIOps', 0], ['IOMaximumBandwidth', 0],
  ['Mounts', null, true], ['MaskedPaths', null], ['ReadonlyPaths', null], ['Init', null, 'nil'],
];

/** The structs inside HostConfig, in Go field order with their zero values (no omitempty in them). */
const STRUCTS: Record<string, [string, unknown][]> = {
  RestartPolicy: [['Name', ''], ['MaximumRetryCount', 0]],
  LogConfig: [['Type', ''], ['Config', null]],
  PortBinding: [['HostIp', ''], ['HostPort', '']],
  Ulimit: [['Name', ''], ['Hard', 0], ['Soft', 0]],
  DeviceMapping: [['PathOnHost', ''], ['PathInContainer', ''], ['CgroupPermissions', '']],
  WeightDevice: [['Path', ''], ['Weight', 0]],
  ThrottleDevice: [['Path', ''], ['Rate', 0]],
  DeviceRequest: [['Driver', ''], ['Count', 0], ['DeviceIDs', null], ['Capabilities', null], ['Options', null]],
};

/** One struct value as Go decodes then encodes it: its fields in order, zero for what is missing (or null for a scalar), nothing else. */
function goStruct(v: unknown, fields: [string, unknown][]): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, zero] of fields) out[k] = o[k] === undefined || (o[k] === null && zero !== null) ? zero : o[k];
  return out;
}

const structList = (v: unknown, fields: [string, unknown][]): unknown => (Array.isArray(v) ? v.map((x) => goStruct(x, fields)) : v);

/** The nested values of one HostConfig field, shaped as dockerd shows them. */
function nested(key: string, v: unknown): unknown {
  switch (key) {
    case 'RestartPolicy': case 'LogConfig': return goStruct(v, STRUCTS[key]);
    case 'PortBindings':
      if (!v || typeof v !== 'object') return v;
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([port, list]) => [port, structList(list, STRUCTS.PortBinding)]));
    case 'Ulimits': return structList(v, STRUCTS.Ulimit);
    case 'Devices': return structList(v, STRUCTS.DeviceMapping);
    case 'BlkioWeightDevice': return structList(v, STRUCTS.WeightDevice);
    case 'BlkioDeviceReadBps': case 'BlkioDeviceWriteBps': case 'BlkioDeviceReadIOps': case 'BlkioDeviceWriteIOps': return structList(v, STRUCTS.ThrottleDevice);
    case 'DeviceRequests': return structList(v, STRUCTS.DeviceRequest);
    default: return v;
  }
}

function empty(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

/** A container's HostConfig as dockerd's inspect shows it: every field, in its order; keys it does not know are left out. */
export function hostConfigJson(h: HostConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, zero, omitEmpty] of FIELDS) {
    let v = h[key];
    // JSON null cannot set a Go string, number or bool: the field keeps its zero value
    if (v === undefined || (v === null && zero !== null)) v = structuredClone(zero);
    if (key === 'Runtime' && !v) v = 'runc'; // the daemon's only (and so default) runtime
    if (omitEmpty === 'nil' ? v === null : omitEmpty && empty(v)) continue;
    out[key] = nested(key, v);
  }
  return out;
}
