/*
 * dockerd's checks of a create's resource settings against what this host's
 * cgroups can do (its verifyPlatformContainerResources and validateResources):
 * a setting the kernel lacks is discarded with dockerd's warning, a value out
 * of range is refused in its words.
 */
import { InvalidParameterError } from '../core/errors.ts';
import type { HostConfig } from '../core/containers/types.ts';
import type { CgroupSysInfo } from '../runtime/sysinfo.ts';
import { checkBlkioWeight } from './create.ts';

const BLKIO_DEVICE_LISTS: [string, keyof CgroupSysInfo, string][] = [
  ['BlkioWeightDevice', 'blkioWeightDevice', 'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.'],
  ['BlkioDeviceReadBps', 'blkioReadBpsDevice', 'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.'],
  ['BlkioDeviceWriteBps', 'blkioWriteBpsDevice', 'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.'],
  ['BlkioDeviceReadIOps', 'blkioReadIOpsDevice', 'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.'],
  ['BlkioDeviceWriteIOps', 'blkioWriteIOpsDevice', 'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.'],
];

/** Check and adjust `h` in place; returns the warnings, in dockerd's order. */
export function checkResources(h: HostConfig, sys: CgroupSysInfo): string[] {
  const warnings: string[] = [];
  if (h.MemorySwappiness === -1) h.MemorySwappiness = null;
  if (h.MemorySwappiness !== undefined && h.MemorySwappiness !== null && !sys.memorySwappiness) {
    warnings.push('Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.');
    h.MemorySwappiness = null;
  }
  const swappiness = h.MemorySwappiness as number | null | undefined;
  if (swappiness !== undefined && swappiness !== null && (swappiness < 0 || swappiness > 100)) {
    throw new InvalidParameterError(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  }
  if (h.OomKillDisable && !sys.oomKillDisable) {
    warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    h.OomKillDisable = false;
  }
  if (h.OomKillDisable && !Number(h.Memory ?? 0)) {
    warnings.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  }
  const blkio = checkBlkioWeight(Number(h.BlkioWeight ?? 0), sys.blkioWeight);
  if (blkio.length) h.BlkioWeight = 0;
  warnings.push(...blkio);
  for (const [field, feature, warning] of BLKIO_DEVICE_LISTS) {
    if ((h[field] as unknown[] | null | undefined)?.length && !sys[feature]) {
      warnings.push(warning);
      h[field] = [];
    }
  }
  const rtPeriod = Number(h.CpuRealtimePeriod ?? 0);
  const rtRuntime = Number(h.CpuRealtimeRuntime ?? 0);
  if ((rtPeriod || rtRuntime) && !sys.cpuRealtime) throw new InvalidParameterError('kernel does not support CPU real-time scheduler');
  if (rtPeriod && rtRuntime && rtRuntime > rtPeriod) throw new InvalidParameterError('cpu real-time runtime cannot be higher than cpu real-time period');
  return warnings;
}
