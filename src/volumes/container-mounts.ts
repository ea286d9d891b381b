/*
 * A container's mounts through its life (dockerd's registerMountPoints,
 * createContainerOSSpecificSettings, setupMounts and populateVolumes):
 * resolved and volumes created at create, host sides prepared at start,
 * volume filesystems unmounted when the last running user stops.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { resolveInRoot } from '../containers/scoped-path.ts';
import { InvalidParameterError, NotFoundError, SystemError } from '../core/errors.ts';
import { applyDaemonRootRule, checkProcMount, mountSpec, parseBind, parseVolumesFrom, tmpfsOptions, type ApiMount, type MountSpec } from '../core/volumes/parse.ts';
import { ANONYMOUS_LABEL, type ContainerMountHooks, type MountPoint, type SpecMount } from '../core/volumes/types.ts';
import { isMounted, mountOf, mountVolume, needsMount, unmountVolume } from './local.ts';
import { randomVolumeName, type VolumeService } from './service.ts';

const run = promisify(execFile);

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);
const normalize = (p: string): string => posix.normalize(p).replace(/(.)\/+$/, '$1');

async function isEmptyDir(p: string): Promise<boolean> {
  return (await readdir(p).catch(() => ['?'])).length === 0;
}

type Container = Parameters<ContainerMountHooks['resolve']>[0];

/**
 * dockerd's ensureShared / ensureSharedOrSlave: shared and slave binds need a
 * source that can propagate. Returns the propagation to mount with: a bind
 * made rslave only because it holds the daemon's root falls back to rprivate.
 */
async function checkPropagation(m: MountPoint): Promise<string> {
  const propagation = m.Propagation || 'rprivate';
  const shared = propagation === 'shared' || propagation === 'rshared';
  if (!shared && propagation !== 'slave' && propagation !== 'rslave') return propagation;
  const host = await mountOf(await realpath(m.Source).catch(() => m.Source));
  if (shared && !host.shared) throw new SystemError(`path ${m.Source} is mounted on ${host.mountPoint} but it is not a shared mount.`);
  if (!shared && !host.shared && !host.slave) {
    if (m.autoSlave) return 'rprivate';
    throw new SystemError(`path ${m.Source} is mounted on ${host.mountPoint} but it is not a shared or slave mount`);
  }
  return propagation;
}

export class ContainerMounts implements ContainerMountHooks {
  private readonly v: VolumeService;
  /** Containers that attached each volume since this daemon started (a volume filesystem stays mounted while any remains). */
  private readonly active = new Map<string, Set<string>>();

  /** The daemon's data root, symlinks resolved (for dockerd's bind propagation rule). */
  private readonly daemonRoot: string | undefined;

  constructor(volumes: VolumeService, daemonRoot?: string) {
    this.v = volumes;
    this.daemonRoot = daemonRoot;
  }

  /** The mount points of a container's configuration (no I/O but lookups; volumes not created yet). */
  async plan(c: Container, lookup: Parameters<ContainerMountHooks['resolve']>[1]): Promise<MountSpec[]> {
    const h = c.hostConfig;
    const byDest = new Map<string, MountSpec>();
    const explicit = new Set<string>();
    const tmpfs = new Set(Object.keys((h.Tmpfs as Record<string, string> | undefined) ?? {}).map(normalize));
    const duplicate = (dest: string): void => {
      if (explicit.has(dest) || tmpfs.has(dest)) throw new InvalidParameterError(`Duplicate mount point: ${dest}`);
      explicit.add(dest);
    };
    for (const spec of (h.VolumesFrom as string[] | null | undefined) ?? []) {
      const { container, readOnly } = parseVolumesFrom(spec);
      const from = lookup(container);
      for (const m of from.mountPoints ?? []) {
        if (m.Type === 'tmpfs') continue;
        byDest.set(m.Destination, { point: { ...m, RW: m.RW && !readOnly, Mode: '', copyData: false, createSource: false } });
      }
    }
    const driver = String(h.VolumeDriver ?? '');
    for (const raw of (h.Binds as string[] | null | undefined) ?? []) {
      const spec = parseBind(raw, driver, randomVolumeName);
      if (this.daemonRoot) applyDaemonRootRule(spec, this.daemonRoot);
      duplicate(spec.point.Destination);
      byDest.set(spec.point.Destination, spec);
    }
    for (const m of (h.Mounts as ApiMount[] | null | undefined) ?? []) {
      const spec = mountSpec(m, { fromApi: true, randomName: randomVolumeName });
      if (this.daemonRoot) applyDaemonRootRule(spec, this.daemonRoot);
      duplicate(spec.point.Destination);
      if (spec.sourceMustExist && !(await exists(spec.point.Source))) {
        throw new InvalidParameterError(`invalid mount config for type "bind": bind source path does not exist: ${spec.point.Source}`);
      }
      byDest.set(spec.point.Destination, spec);
    }
    for (const dest of Object.keys(c.config.Volumes ?? {})) {
      const d = normalize(dest);
      if (byDest.has(d) || tmpfs.has(d)) continue;
      if (!d.startsWith('/') || d === '/') throw new InvalidParameterError(`invalid volume specification: '${dest}'`);
      byDest.set(d, {
        point: { Type: 'volume', Name: randomVolumeName(), Source: '', Destination: d, Driver: 'local', Mode: '', RW: true, Propagation: '', copyData: true },
        volume: { driver: 'local', labels: {}, options: {}, anonymous: true },
      });
    }
    const specs = [...byDest.values()];
    for (const s of specs) checkProcMount(s.point);
    for (const t of tmpfs) checkProcMount({ Type: 'tmpfs', Source: '', Destination: t, Mode: '', RW: true, Propagation: '' });
    return specs;
  }

  async resolve(c: Container, lookup: Parameters<ContainerMountHooks['resolve']>[1]): Promise<MountPoint[]> {
    let specs: MountSpec[];
    try {
      specs = await this.plan(c, lookup);
    } catch (e) {
      // dockerd answers every mount problem of a create with 400, a missing --volumes-from container too
      if (e instanceof NotFoundError) throw new InvalidParameterError(e.message);
      throw e;
    }
    // an unknown volume driver stays a 404, as the plugin lookup's in dockerd (the docker CLI then tries a pull)
    for (const s of specs) if (s.volume) this.v.validate({ name: s.point.Name, driver: s.volume.driver, driverOpts: s.volume.options });
    const wanted = specs.filter((s) => s.volume);
    const created: string[] = [];
    try {
      for (const s of wanted) {
        const labels = s.volume!.anonymous ? { [ANONYMOUS_LABEL]: '', ...s.volume!.labels } : s.volume!.labels;
        const { info, created: isNew } = await this.v.ensure({ name: s.point.Name, driver: s.volume!.driver, driverOpts: s.volume!.options, labels });
        if (isNew) created.push(info.record.name);
        s.point.Source = info.mountpoint;
      }
    } catch (e) {
      for (const name of created) await this.v.remove(name, true).catch(() => undefined);
      throw e;
    }
    return specs.map((s) => s.point);
  }

  async attach(c: { id: string; mountPoints?: MountPoint[] }, rootfs: string): Promise<SpecMount[]> {
    const out: SpecMount[] = [];
    for (const m of c.mountPoints ?? []) {
      const ro = m.RW ? [] : ['ro'];
      if (m.Type === 'tmpfs') {
        out.push({ source: 'tmpfs', destination: m.Destination, type: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', ...tmpfsOptions(m.tmpfs, !m.RW)] });
        continue;
      }
      if (m.Type === 'bind') {
        if (m.createSource && !(await exists(m.Source))) await mkdir(m.Source, { recursive: true, mode: 0o755 });
        const propagation = await checkPropagation(m);
        out.push({ source: m.Source, destination: m.Destination, type: 'bind', options: [m.nonRecursive ? 'bind' : 'rbind', propagation, ...ro] });
        continue;
      }
      let holders = this.active.get(m.Name!);
      if (!holders) this.active.set(m.Name!, (holders = new Set()));
      holders.add(c.id);
      const dir = await this.prepareVolume(m.Name!);
      if (m.copyData) await this.copyUp(rootfs, m.Destination, dir);
      let source = dir;
      if (m.subpath) {
        const wanted = join(dir, m.subpath);
        // symlinks in the volume must not lead the mount out of it
        const real = await realpath(wanted).catch(() => null);
        const top = await realpath(dir);
        if (!real) throw new InvalidParameterError(`cannot access path ${wanted}: no such file or directory`);
        if (real !== top && !real.startsWith(`${top}/`)) throw new InvalidParameterError(`cannot access path ${wanted}: path is outside of the volume`);
        source = real;
      }
      out.push({ source, destination: m.Destination, type: 'bind', options: ['rbind', 'rprivate', ...ro] });
      this.v.d.events.publish('volume', 'mount', m.Name!, {
        container: c.id, destination: m.Destination, driver: m.Driver ?? 'local', propagation: m.Propagation, 'read/write': String(m.RW),
      });
    }
    return out;
  }

  /** The volume's _data, with its filesystem mounted when its options ask for one. */
  private async prepareVolume(name: string): Promise<string> {
    const r = this.v.d.db.get(name);
    if (!r) throw new NotFoundError(`get ${name}: no such volume`);
    const dir = this.v.dataDir(name);
    if (needsMount(r.options)) {
      await this.v.locked(name, async () => {
        if (!(await isMounted(dir))) await mountVolume(r.options, dir);
      });
    }
    return dir;
  }

  /** dockerd's copyExistingContents: an empty volume gets the image's files at the mount path, owners and modes kept. */
  private async copyUp(rootfs: string, dest: string, dir: string): Promise<void> {
    const inside = await resolveInRoot(rootfs, dest);
    const src = rootfs + inside;
    const st = await stat(src).catch(() => null);
    if (!st?.isDirectory() || !(await isEmptyDir(dir))) return;
    await run('cp', ['-a', '--', `${src}/.`, `${dir}/`]);
  }

  async detach(c: { id: string; mountPoints?: MountPoint[] }): Promise<void> {
    const others = this.v.d.users().filter((u) => u.id !== c.id && u.running);
    for (const m of c.mountPoints ?? []) {
      if (m.Type !== 'volume') continue;
      this.v.d.events.publish('volume', 'unmount', m.Name!, { container: c.id, driver: m.Driver ?? 'local' });
      const holders = this.active.get(m.Name!);
      holders?.delete(c.id);
      if (holders?.size === 0) this.active.delete(m.Name!);
      if (holders && holders.size > 0) continue;
      const r = this.v.d.db.get(m.Name!);
      if (!r || !needsMount(r.options)) continue;
      if (others.some((u) => u.mounts.some((x) => x.Type === 'volume' && x.Name === m.Name))) continue;
      await this.v.locked(m.Name!, () => unmountVolume(this.v.dataDir(m.Name!))).catch(() => undefined);
    }
  }

  async release(c: { id: string; mountPoints?: MountPoint[] }, removeVolumes: boolean): Promise<void> {
    if (!removeVolumes) return;
    await this.v.removeAnonymous((c.mountPoints ?? []).filter((m) => m.Type === 'volume').map((m) => m.Name!));
  }
}
