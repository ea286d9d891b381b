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
    out[key] = v;
  }
  return out;
}
