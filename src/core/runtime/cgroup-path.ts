import { InvalidParameterError } from '../errors.ts';

export type CgroupDriver = 'cgroupfs' | 'systemd';

/** The cgroupfs parent of containers (and of conmon) when neither the container nor the daemon names one. */
export const DEFAULT_CGROUP_PARENT = '/berth';

/** How containers' cgroups are placed: the driver, and the daemon's parent for those naming none ('' = default). */
export interface CgroupPlacement { driver: CgroupDriver; parent: string }

/** cgroupfs, default parent. */
export const NO_PLACEMENT: CgroupPlacement = { driver: 'cgroupfs', parent: '' };

/** The cgroupsPath of a container given its HostConfig.CgroupParent (which wins) and the daemon's placement. */
export function placeContainer(id: string, own: string | undefined, p: CgroupPlacement): string {
  return containerCgroupsPath(id, p.driver, own || p.parent);
}

/**
 * The OCI cgroupsPath of a container: `/berth/<id>` (or `/<parent>/<id>`)
 * with cgroupfs, `<slice>:berth:<id>` with systemd (as dockerd's
 * `system.slice:docker:<id>`).
 */
export function containerCgroupsPath(id: string, driver: CgroupDriver, parent = ''): string {
  if (driver === 'systemd') {
    const slice = parent || 'system.slice';
    if (!/^[^/:]+\.slice$/.test(slice)) throw new InvalidParameterError('cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"');
    return `${slice}:berth:${id}`;
  }
  const p = parent.split('/').filter((s) => s && s !== '.' && s !== '..').join('/');
  return `/${p || DEFAULT_CGROUP_PARENT.slice(1)}/${id}`;
}

/** systemd's slice nesting: `a-b.slice` lives in `a.slice/a-b.slice`; `-.slice` is the root. */
export function expandSlice(slice: string): string {
  if (slice === '-.slice') return '';
  const name = slice.slice(0, -'.slice'.length);
  const parts = name.split('-');
  const dirs: string[] = [];
  for (let i = 1; i <= parts.length; i++) dirs.push(`${parts.slice(0, i).join('-')}.slice`);
  return dirs.join('/');
}

/** The cgroup directory (relative to a hierarchy's root) that a cgroupsPath names, for either driver. */
export function cgroupDir(cgroupsPath: string): string {
  const m = /^([^:/]*):([^:]*):([^:]*)$/.exec(cgroupsPath);
  if (m) {
    const slice = expandSlice(m[1] || 'system.slice');
    const unit = m[3].endsWith('.slice') ? m[3] : `${m[2] ? `${m[2]}-` : ''}${m[3]}.scope`;
    return slice ? `${slice}/${unit}` : unit;
  }
  return cgroupsPath.split('/').filter(Boolean).join('/');
}
