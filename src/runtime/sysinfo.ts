/*
 * What the cgroup controllers of this host can limit, as dockerd's sysinfo
 * reads it: on v1 from the controllers' files, on v2 from the enabled
 * controllers (v2 has no swappiness, OOM-killer switch or real-time budget).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_ROOT, isCgroupV2 } from './cgroups.ts';

export interface CgroupSysInfo {
  memoryLimit: boolean;
  swapLimit: boolean;
  cpuCfs: boolean;
  cpuShares: boolean;
  cpuset: boolean;
  pidsLimit: boolean;
  memorySwappiness: boolean;
  oomKillDisable: boolean;
  cpuRealtime: boolean;
  blkioWeight: boolean;
  blkioWeightDevice: boolean;
  blkioReadBpsDevice: boolean;
  blkioWriteBpsDevice: boolean;
  blkioReadIOpsDevice: boolean;
  blkioWriteIOpsDevice: boolean;
}

export function cgroupSysInfo(root = CGROUP_ROOT): CgroupSysInfo {
  if (isCgroupV2(root)) {
    let controllers: string[] = [];
    try {
      controllers = readFileSync(join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    } catch { /* none */ }
    const io = controllers.includes('io');
    const on = (c: string): boolean => controllers.includes(c);
    return {
      memoryLimit: on('memory'), swapLimit: on('memory'), cpuCfs: on('cpu'), cpuShares: on('cpu'), cpuset: on('cpuset'), pidsLimit: on('pids'),
      memorySwappiness: false, oomKillDisable: false, cpuRealtime: false,
      blkioWeight: io, blkioWeightDevice: io, blkioReadBpsDevice: io, blkioWriteBpsDevice: io, blkioReadIOpsDevice: io, blkioWriteIOpsDevice: io,
    };
  }
  const has = (controller: string, file: string): boolean => existsSync(join(root, controller, file));
  return {
    memoryLimit: existsSync(join(root, 'memory')),
    swapLimit: has('memory', 'memory.memsw.limit_in_bytes'),
    cpuCfs: has('cpu', 'cpu.cfs_quota_us') && has('cpu', 'cpu.cfs_period_us'),
    cpuShares: has('cpu', 'cpu.shares'),
    cpuset: has('cpuset', 'cpuset.cpus') && has('cpuset', 'cpuset.mems'),
    pidsLimit: existsSync(join(root, 'pids')),
    memorySwappiness: has('memory', 'memory.swappiness'),
    oomKillDisable: has('memory', 'memory.oom_control'),
    cpuRealtime: has('cpu', 'cpu.rt_period_us') && has('cpu', 'cpu.rt_runtime_us'),
    blkioWeight: has('blkio', 'blkio.weight'),
    blkioWeightDevice: has('blkio', 'blkio.weight_device'),
    blkioReadBpsDevice: has('blkio', 'blkio.throttle.read_bps_device'),
    blkioWriteBpsDevice: has('blkio', 'blkio.throttle.write_bps_device'),
    blkioReadIOpsDevice: has('blkio', 'blkio.throttle.read_iops_device'),
    blkioWriteIOpsDevice: has('blkio', 'blkio.throttle.write_iops_device'),
  };
}

let cached: CgroupSysInfo | undefined;
/** This host's, read once. */
export function hostSysInfo(): CgroupSysInfo {
  return (cached ??= cgroupSysInfo());
}
