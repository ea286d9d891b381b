/*
 * Mount specifications as dockerd reads them (moby's volume/mounts linux
 * parser): `-v` bind strings, HostConfig.Mounts entries and --volumes-from
 * values become MountPoints, with dockerd's error texts. Pure: the checks
 * that need the filesystem (does a bind source exist) are the caller's.
 */
import { posix } from 'node:path';
import { InvalidParameterError } from '../errors.ts';
import type { MountPoint } from './types.ts';

const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
export const PROPAGATION_MODES = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);
const COPY_MODES = new Set(['nocopy']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);
export const DEFAULT_PROPAGATION = 'rprivate';

/** The HostConfig.Mounts entry of the API (mount.Mount). */
export interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] | null } | null;
}

/** A parsed mount before volumes are looked up: the MountPoint plus what volume creation needs. */
export interface MountSpec {
  point: MountPoint;
  /** Volume mounts: create options for a volume that does not exist yet. */
  volume?: { driver: string; labels: Record<string, string>; options: Record<string, string>; anonymous: boolean };
  /** HostConfig.Mounts binds must have an existing source. */
  sourceMustExist?: boolean;
  /** Binds: the propagation the request named ('' for none: the default applies). */
  givenPropagation?: string;
}

const invalidSpec = (raw: string): string => `invalid volume specification: '${raw}'`;

export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = [0, 0, 0, 0, 0];
  for (const o of mode.split(',')) {
    if (RW_MODES.has(o)) counts[0]++;
    else if (LABEL_MODES.has(o)) counts[1]++;
    else if (PROPAGATION_MODES.has(o)) counts[2]++;
    else if (COPY_MODES.has(o)) counts[3]++;
    else if (CONSISTENCY_MODES.has(o)) counts[4]++;
    else return false;
  }
  return counts.every((n) => n <= 1);
}

const modeParts = (mode: string): string[] => (mode === '' ? [] : mode.split(','));
const readWrite = (mode: string): boolean => !modeParts(mode).includes('ro');
const propagationOf = (mode: string): string | undefined => modeParts(mode).find((o) => PROPAGATION_MODES.has(o));

function mountConfigError(type: string, msg: string): InvalidParameterError {
  return new InvalidParameterError(`invalid mount config for type "${type}": ${msg}`);
}

/** validateMountConfigImpl: the checks every mount gets (the bind source's existence is the caller's). */
export function validateMountConfig(m: ApiMount): void {
  const type = m.Type ?? '';
  const fail = (msg: string): never => { throw mountConfigError(type, msg); };
  if (!m.Target) fail('field Target must not be empty');
  if (posix.normalize(m.Target!).replace(/\/+$/, '') === '') fail("invalid specification: destination can't be '/'");
  if (!m.Target!.startsWith('/')) fail(`invalid mount path: '${m.Target}' mount path must be absolute`);
  switch (type) {
    case 'bind':
      if (!m.Source) fail('field Source must not be empty');
      if (m.BindOptions?.Propagation && !PROPAGATION_MODES.has(m.BindOptions.Propagation)) fail(`invalid propagation mode: ${m.BindOptions.Propagation}`);
      if (m.VolumeOptions) fail('field VolumeOptions must not be specified');
      if (m.TmpfsOptions) fail('field TmpfsOptions must not be specified');
      if (!m.Source!.startsWith('/')) fail(`invalid mount path: '${m.Source}' mount path must be absolute`);
      break;
    case 'volume':
      if (m.BindOptions) fail('field BindOptions must not be specified');
      if (m.TmpfsOptions) fail('field TmpfsOptions must not be specified');
      if (m.VolumeOptions?.Subpath) {
        if (!m.Source) fail('must not set Subpath when using anonymous volumes');
        if (posix.isAbsolute(m.VolumeOptions.Subpath) || posix.normalize(m.VolumeOptions.Subpath).split('/')[0] === '..') fail('subpath must be a relative path within the volume');
      }
      if (m.ReadOnly && !m.Source) fail('must not set ReadOnly mode when using anonymous volumes');
      break;
    case 'tmpfs':
      if (m.BindOptions) fail('field BindOptions must not be specified');
      if (m.VolumeOptions) fail('field VolumeOptions must not be specified');
      if (m.Source) fail('field Source must not be specified');
      if ((m.TmpfsOptions?.SizeBytes ?? 0) < 0) fail('invalid tmpfs size');
      break;
    default:
      fail('mount type unknown');
  }
}

/** parseMountSpec: a validated mount.Mount as a MountSpec. */
export function mountSpec(m: ApiMount, opts: { fromApi: boolean; randomName: () => string }): MountSpec {
  validateMountConfig(m);
  const point: MountPoint = {
    Type: m.Type as MountPoint['Type'], Source: '', Destination: posix.normalize(m.Target!).replace(/(.)\/+$/, '$1'),
    Mode: '', RW: !m.ReadOnly, Propagation: '',
  };
  const spec: MountSpec = { point };
  if (m.Type === 'volume') {
    const anonymous = !m.Source;
    point.Name = m.Source || opts.randomName();
    point.Driver = m.VolumeOptions?.DriverConfig?.Name || 'local';
    point.copyData = !m.VolumeOptions?.NoCopy;
    if (m.VolumeOptions?.Subpath) point.subpath = posix.normalize(m.VolumeOptions.Subpath);
    spec.volume = {
      driver: point.Driver, anonymous,
      labels: { ...(m.VolumeOptions?.Labels ?? {}) }, options: { ...(m.VolumeOptions?.DriverConfig?.Options ?? {}) },
    };
    if (opts.fromApi) point.Mode = 'z';
  } else if (m.Type === 'bind') {
    point.Source = posix.normalize(m.Source!).replace(/(.)\/+$/, '$1');
    point.Propagation = m.BindOptions?.Propagation || DEFAULT_PROPAGATION;
    spec.givenPropagation = m.BindOptions?.Propagation ?? '';
    if (m.BindOptions?.NonRecursive) point.nonRecursive = true;
    spec.sourceMustExist = opts.fromApi && !m.BindOptions?.CreateMountpoint;
    if (m.BindOptions?.CreateMountpoint) point.createSource = true;
  } else {
    point.tmpfs = { size: m.TmpfsOptions?.SizeBytes || undefined, mode: m.TmpfsOptions?.Mode || undefined };
  }
  return spec;
}

/** ParseMountRaw: one HostConfig.Binds entry (`SRC:DST[:MODE]`). */
export function parseBind(raw: string, volumeDriver: string, randomName: () => string): MountSpec {
  const arr = raw.split(':');
  if (arr.length > 3) arr.splice(3, arr.length, arr.slice(3).join(':'));
  if (arr[0] === '') throw new InvalidParameterError(invalidSpec(raw));
  const m: ApiMount = {};
  let mode = '';
  if (arr.length === 1) m.Target = arr[0];
  else if (arr.length === 2) {
    if (validMountMode(arr[1])) throw new InvalidParameterError(invalidSpec(raw));
    [m.Source, m.Target] = arr;
  } else if (arr.length === 3) {
    [m.Source, m.Target, mode] = arr;
  } else throw new InvalidParameterError(invalidSpec(raw));
  if (!validMountMode(mode)) throw new InvalidParameterError(`invalid mode: ${mode}`);
  m.Type = m.Source?.startsWith('/') ? 'bind' : 'volume';
  m.ReadOnly = !readWrite(mode);
  if (volumeDriver && m.Type === 'volume') m.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  if (modeParts(mode).includes('nocopy')) m.VolumeOptions = { ...(m.VolumeOptions ?? {}), NoCopy: true };
  const prop = propagationOf(mode);
  if (prop) m.BindOptions = { Propagation: prop };
  let spec: MountSpec;
  try {
    spec = mountSpec(m, { fromApi: false, randomName });
  } catch (e) {
    throw new InvalidParameterError(`${invalidSpec(raw)}: ${(e as Error).message}`);
  }
  spec.point.Mode = mode === '' && m.Type === 'volume' && m.Source ? 'z' : mode;
  if (m.Type === 'bind') spec.point.createSource = true;
  return spec;
}

/** ParseVolumesFrom: `CONTAINER[:MODE]`; the mode is rw unless it says ro. */
export function parseVolumesFrom(spec: string): { container: string; readOnly: boolean } {
  if (spec === '') throw new InvalidParameterError('volumes-from specification cannot be an empty string');
  const i = spec.indexOf(':');
  const container = i < 0 ? spec : spec.slice(0, i);
  const mode = i < 0 ? '' : spec.slice(i + 1);
  if (mode === '') return { container, readOnly: false };
  if (!validMountMode(mode)) throw new InvalidParameterError(`invalid mode: ${mode}`);
  if (propagationOf(mode)) throw new InvalidParameterError(`invalid mode ${mode} for volumes-from, propagation properties are not allowed`);
  return { container, readOnly: !readWrite(mode) };
}

/** Files under /proc that runc lets a container mount over. */
const PROC_ALLOWED = new Set(['/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps', '/proc/uptime', '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid']);

/**
 * runc refuses mounts over /proc (checkProcMount); dockerd reports that only
 * when the container starts. Berth refuses them at create, with runc's words.
 */
export function checkProcMount(p: MountPoint): void {
  const dest = p.Destination;
  if (dest !== '/proc' && !dest.startsWith('/proc/')) return;
  if (PROC_ALLOWED.has(dest)) return;
  const source = p.Type === 'volume' ? p.Name ?? '' : p.Type === 'tmpfs' ? 'tmpfs' : p.Source;
  const why = dest === '/proc' ? 'it is not of type proc' : 'it is inside /proc';
  throw new InvalidParameterError(`error mounting "${source}" to rootfs at "${dest}": "${dest}" cannot be mounted because ${why}`);
}

/** ConvertTmpfsOptions: size with the largest suffix that divides it, mode in octal. */
export function tmpfsOptions(t: MountPoint['tmpfs'], readOnly: boolean): string[] {
  const out: string[] = readOnly ? ['ro'] : [];
  if (t?.mode) out.push(`mode=${t.mode.toString(8)}`);
  if (t?.size) {
    let size = t.size;
    let suffix = '';
    for (const [s, d] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
      if (size % d === 0) {
        size /= d;
        suffix = s;
        break;
      }
    }
    out.push(`size=${size}${suffix}`);
  }
  return out;
}

/**
 * dockerd's validateBindDaemonRoot: a bind whose source holds the daemon's
 * root (or lies in it) would keep private copies of the daemon's mounts in
 * the container, so it gets rslave unless it names rslave or rshared, and
 * any other propagation it names is refused.
 */
export function applyDaemonRootRule(spec: MountSpec, daemonRoot: string): void {
  const p = spec.point;
  if (p.Type !== 'bind' || spec.givenPropagation === undefined) return;
  if (!p.Source.startsWith(daemonRoot) && !daemonRoot.startsWith(p.Source)) return;
  const given = spec.givenPropagation;
  if (given === '') Object.assign(p, { Propagation: 'rslave', autoSlave: true });
  else if (given !== 'rslave' && given !== 'rshared') {
    throw new InvalidParameterError(`invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: ${JSON.stringify(daemonRoot)}, bind mount source: ${JSON.stringify(p.Source)}, propagation: ${JSON.stringify(given)}`);
  }
}
