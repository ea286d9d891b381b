import type { MountPoint, VolumeInfo } from '../../core/volumes/types.ts';

const orNull = (m: Record<string, string>): Record<string, string> | null => (Object.keys(m).length > 0 ? m : null);

/** A volume as GET /volumes/{name} shows it; UsageData only where given (system df). */
export function volumeJson(v: VolumeInfo): Record<string, unknown> {
  const r = v.record;
  const out: Record<string, unknown> = {
    CreatedAt: r.createdAt, Driver: r.driver, Labels: orNull(r.labels), Mountpoint: v.mountpoint, Name: r.name, Options: orNull(r.options), Scope: 'local',
  };
  if (v.usage) out.UsageData = { RefCount: v.usage.refCount, Size: v.usage.size };
  return out;
}

/** A container's `Mounts` (inspect and list): Docker's eight fields, Name and Driver for volumes only. */
export function mountsJson(points: readonly MountPoint[] | undefined): Record<string, unknown>[] {
  return (points ?? []).map((m) => ({
    Type: m.Type,
    ...(m.Type === 'volume' ? { Name: m.Name } : {}),
    Source: m.Source,
    Destination: m.Destination,
    ...(m.Type === 'volume' ? { Driver: m.Driver ?? 'local' } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}
