/*
 * The block devices of --blkio-weight-device and --device-read-bps & co.
 * named by their host path, as the major:minor numbers the cgroup wants:
 * each path is stat'ed when the container starts, as dockerd does.
 */
import { stat } from 'node:fs/promises';
import { SystemError } from '../core/errors.ts';
import type { HostConfig } from '../core/containers/types.ts';
import type { BlkioLimits } from '../core/runtime/types.ts';
import { majorMinor } from '../runtime/devices.ts';

async function device(path: string): Promise<{ major: number; minor: number }> {
  try {
    return majorMinor((await stat(path, { bigint: true })).rdev);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'not a directory' : String(code ?? e);
    throw new SystemError(`stat ${path}: ${why}`, { cause: e });
  }
}

type Listed<T> = (T & { Path: string })[] | null | undefined;

/** The container's device limits; none when it has none. */
export async function blkioLimits(h: HostConfig): Promise<BlkioLimits> {
  const out: BlkioLimits = {};
  if (Number(h.BlkioWeight ?? 0) > 0) out.weight = Number(h.BlkioWeight);
  const lists = [['throttleReadBpsDevice', h.BlkioDeviceReadBps], ['throttleWriteBpsDevice', h.BlkioDeviceWriteBps],
    ['throttleReadIOPSDevice', h.BlkioDeviceReadIOps], ['throttleWriteIOPSDevice', h.BlkioDeviceWriteIOps]] as const;
  // most containers name no device: nothing to stat on the start path
  if (![h.BlkioWeightDevice, ...lists.map(([, l]) => l)].some((l) => (l as unknown[] | null | undefined)?.length)) return out;
  const throttle = async (list: unknown) => Promise.all(((list as Listed<{ Rate: number }>) ?? []).map(async (d) => ({ ...(await device(d.Path)), rate: Number(d.Rate) })));
  const weights = await Promise.all(((h.BlkioWeightDevice as Listed<{ Weight: number }>) ?? []).map(async (d) => ({ ...(await device(d.Path)), weight: Number(d.Weight) })));
  if (weights.length) out.weightDevice = weights;
  for (const [key, list] of lists) {
    const devs = await throttle(list);
    if (devs.length) out[key] = devs;
  }
  return out;
}
