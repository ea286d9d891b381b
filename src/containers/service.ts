import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, InvalidParameterError, NotModifiedError, withContext } from '../core/errors.ts';
import type { ContainerBackend, ContainerConfig, ContainerListOptions, ContainerRecord, HostConfig, LogLine, LogOptions } from '../core/containers/types.ts';
import type { EventSink } from '../core/events/types.ts';
import type { Filters } from '../core/filters.ts';
import type { ImageBackend, ImageUsage } from '../core/images/types.ts';
import type { LayerFiles } from '../core/layers/types.ts';
import type { ContainerNetworking, EndpointConfig } from '../core/network/types.ts';
import type { AttachStreams, ContainerRuntime } from '../core/runtime/types.ts';
import { checkImagePlatform, parsePlatform } from '../core/platform.ts';
import { parseSignal, supportedSignal } from '../core/signals.ts';
import type { CgroupPlacement } from '../core/runtime/cgroup-path.ts';
import type { ContainerMountHooks } from '../core/volumes/types.ts';
import { newContainer } from './create.ts';
import { checkCreateRequest } from './create-checks.ts';
import { isCgroupV2 } from '../runtime/cgroups.ts';
import { containerTop, validatePsArgs, type TopResult } from './top.ts';
import { filterContainers, imageFamily, pruneFilter } from './filter.ts';
import { containerSizes, listedImages } from './listing.ts';
import { HealthMonitor } from './health.ts';
import { Lifecycle } from './lifecycle.ts';
import { restartingError } from './restart-manager.ts';
import { rotationPolicy, type RotationPolicy } from './log-config.ts';
import { LogRotator } from './log-rotate.ts';
import { readLog } from './logs.ts';
import { formatAttrs, logAttrs } from './log-attrs.ts';
import { generateName, validateName } from './names.ts';
import { inspectLinks, listedNames, parents, registerLinks, removeLink } from './links.ts';
import { ContainerDb, nameConflict } from './store.ts';
import { Trash } from './trash.ts';

export interface ContainerServiceDeps {
  db: ContainerDb;
  images: ImageBackend;
  layers: LayerFiles;
  layersRoot: string;
  runtime: ContainerRuntime;
  events: EventSink;
  dataRoot: string;
  log: { warn(m: string): void; info(m: string): void };
  /** The daemon's log-driver and log-opts, used when a container names no driver. */
  logDefaults?: { Type: string; Config: Record<string, string> };
  /** The cgroup driver and the daemon's default parent (cgroupfs under /berth when absent). */
  cgroups?: CgroupPlacement;
  /** Volumes and mounts (absent: containers get the default mounts only). */
  mounts?: ContainerMountHooks;
  network?: ContainerNetworking;
}

type LogConfig = { Type: string; Config: Record<string, string> };

/** The container service: records, lifecycle, logs and attach. */
export class ContainerService implements ContainerBackend, ImageUsage {
  readonly d: ContainerServiceDeps;
  readonly life: Lifecycle;
  readonly health: HealthMonitor;
  readonly rotator: LogRotator;
  /** Removed containers' directories, deleted in the background. */
  readonly trash: Trash;
  /** Names of containers being created, with their ids (saved records are in the db). */
  private readonly creating = new Map<string, string>();

  constructor(deps: ContainerServiceDeps) {
    this.d = deps;
    this.trash = new Trash(join(deps.dataRoot, 'containers', '.trash'));
    this.trash.sweep();
    this.life = new Lifecycle({
      db: deps.db, runtime: deps.runtime, events: deps.events, layersRoot: deps.layersRoot, log: deps.log, cgroups: deps.cgroups, network: deps.network,
      lowerDirs: async (c) => {
        const layers = await deps.images.layersOf(await deps.images.get(c.imageId));
        return layers.length ? deps.layers.lowerDirs(layers.at(-1)!.cacheId) : '';
      },
      remove: (c) => this.destroy(c, true),
      mounts: deps.mounts,
      trash: this.trash,
      onRunning: (c) => this.monitor(c),
      onStopped: (c) => this.unmonitor(c.id),
    });
    this.health = new HealthMonitor(this);
    this.rotator = new LogRotator((m) => deps.log.warn(m));
  }

  /** Health checks and log rotation of a running (or adopted) container. */
  monitor(c: ContainerRecord): void {
    this.health.start(c);
    const lc = c.hostConfig.LogConfig as LogConfig | undefined;
    let policy: RotationPolicy | undefined;
    try {
      policy = rotationPolicy(lc?.Type ?? '', lc?.Config ?? {});
    } catch {
      policy = undefined;
    }
    if (policy) this.rotator.watch(c.id, c.logPath, policy, () => this.d.runtime.reopenLog(c.bundle));
  }

  unmonitor(id: string): void {
    this.health.stop(id);
    this.rotator.unwatch(id);
  }

  async create(name: string | undefined, config: Partial<ContainerConfig>, hostConfig: HostConfig, endpoints: Record<string, EndpointConfig> = {}, platform?: string): Promise<{ id: string; warnings: string[] }> {
    if (!config.Image) throw new InvalidParameterError('No image was specified');
    const blkioWarnings = checkCreateRequest(config, hostConfig, { logDefaults: this.d.logDefaults, cgroups: this.d.cgroups });
    const links = registerLinks(hostConfig, (ref) => this.d.db.resolve(ref));
    const explicit = name ? validateName(name) : null;
    const want = platform ? parsePlatform(platform) : undefined;
    const image = await this.d.images.get(config.Image);
    if (want) checkImagePlatform(config.Image, { os: image.config.os, architecture: image.config.architecture, variant: image.config.variant }, want);
    // like dockerd's name registrar: a name is reserved from here until the record is saved,
    // so concurrent creates never pick the same one
    const ownerOf = (n: string): string | undefined => this.d.db.nameOwner(n)?.id ?? this.creating.get(n);
    const full = explicit ?? `/${generateName((n) => ownerOf(n) !== undefined)}`;
    const owner = ownerOf(full);
    if (owner) throw nameConflict(full, owner);
    this.d.runtime.expectStart?.(); // `docker run` starts it next: the runtime gets ready meanwhile
    const c = newContainer({ name: full, imageRef: config.Image, image, config, hostConfig, dataRoot: this.d.dataRoot, cgroupV2: isCgroupV2() });
    if (links.length) c.links = links;
    this.creating.set(full, c.id);
    let warnings: string[];
    try {
      warnings = [...blkioWarnings, ...((await this.d.network?.validateCreate(c, endpoints)) ?? [])];
      if (this.d.mounts) c.mountPoints = await this.d.mounts.resolve(c, (n) => this.d.db.resolve(n));
      try {
        await mkdir(c.rwDir, { recursive: true });
        this.d.db.insert(c);
      } catch (e) {
        await this.d.mounts?.release(c, true);
        throw e;
      }
    } finally {
      this.creating.delete(full);
    }
    this.d.events.publish('container', 'create', c.id, this.life.attrs(c));
    return { id: c.id, warnings };
  }

  async get(idOrName: string): Promise<ContainerRecord> {
    return this.d.db.resolve(idOrName);
  }

  async list(opts: ContainerListOptions): Promise<ContainerRecord[]> {
    const ancestors = opts.filters.has('ancestor') ? await imageFamily(this.d.images, opts.filters.get('ancestor')!) : undefined;
    const network = this.d.network;
    return filterContainers(this.d.db.all(), opts, { ancestors, net: network && ((c) => network.view(c)) });
  }

  async listedImages(cs: ContainerRecord[]): Promise<(c: ContainerRecord) => string> {
    return listedImages(this.d.images, cs);
  }

  listedNames(): (c: ContainerRecord) => string[] {
    return listedNames(this.d.db);
  }

  inspectLinks(c: ContainerRecord): string[] | null {
    return inspectLinks(this.d.db, c);
  }

  sizes(cs: ContainerRecord[]): Promise<{ rw: number; rootFs: number }[]> {
    return containerSizes(this.d.images, cs);
  }

  async start(idOrName: string): Promise<void> {
    const c = this.d.db.resolve(idOrName);
    if (c.state.Paused) throw new ConflictError('cannot start a paused container, try unpause instead');
    if (c.state.Running) throw new NotModifiedError();
    await this.life.start(c);
  }

  async stop(idOrName: string, opts: { timeout?: number; signal?: string }): Promise<void> {
    const c = this.d.db.resolve(idOrName);
    if (!c.state.Running && !c.state.Restarting) throw new NotModifiedError();
    // a bad signal is refused before anything is sent (it used to be dropped, and the timeout's SIGKILL did the stop)
    if (opts.signal) checkSignal(opts.signal, `cannot stop container: ${idOrName}`);
    await this.life.stop(c, opts.timeout ?? c.config.StopTimeout ?? 10, opts.signal || c.config.StopSignal || 'SIGTERM');
  }

  async restart(idOrName: string, opts: { timeout?: number; signal?: string }): Promise<void> {
    const c = this.d.db.resolve(idOrName);
    if (c.state.Running && opts.signal) checkSignal(opts.signal, `Cannot restart container ${idOrName}`);
    if (c.state.Running) await this.life.stop(c, opts.timeout ?? c.config.StopTimeout ?? 10, opts.signal || c.config.StopSignal || 'SIGTERM');
    await this.life.start(c);
    this.d.events.publish('container', 'restart', c.id, this.life.attrs(c));
  }

  /** dockerd's ContainerKill; every refusal worded as its router wraps it ("Cannot kill container: NAME: ..."). */
  async kill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    try {
      // as dockerd: a bad signal is refused before the container is looked up
      const sig = supportedSignal(parseSignal(signal || 'SIGKILL'));
      const c = this.d.db.resolve(idOrName);
      if (sig !== 9) return await this.life.kill(c, sig);
      // As dockerd: a SIGKILL returns once the container is gone.
      const exited = new Promise<void>((resolve) => this.life.addWaiter(c.id, { condition: 'not-running', resolve: () => resolve() }));
      await this.life.kill(c, sig);
      await Promise.race([exited.then(() => this.life.settled(c.id)), new Promise((r) => setTimeout(r, 10_000).unref())]);
    } catch (e) {
      throw withContext(e, `Cannot kill container: ${idOrName}`);
    }
  }

  async pause(idOrName: string): Promise<void> {
    const c = this.d.db.resolve(idOrName);
    if (!c.state.Running) throw new ConflictError(`Container ${c.id} is not running`);
    if (c.state.Paused) throw new ConflictError(`Container ${c.id} is already paused`);
    if (c.state.Restarting) throw restartingError(c);
    await this.d.runtime.pause(c.id);
    Object.assign(c.state, { Paused: true, Status: 'paused' });
    this.d.db.save(c);
    this.d.events.publish('container', 'pause', c.id, this.life.attrs(c));
  }

  async unpause(idOrName: string): Promise<void> {
    const c = this.d.db.resolve(idOrName);
    if (!c.state.Paused) throw new ConflictError(`Container ${c.id} is not paused`);
    await this.d.runtime.resume(c.id);
    Object.assign(c.state, { Paused: false, Status: 'running' });
    this.d.db.save(c);
    this.d.events.publish('container', 'unpause', c.id, this.life.attrs(c));
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const c = this.d.db.resolve(idOrName);
    const full = `/${newName.replace(/^\//, '')}`;
    if (full === c.name) throw new InvalidParameterError('Renaming a container with the same name as its current name');
    // dockerd reserves the new name as "/NAME" and wraps the refusal
    try {
      validateName(full);
      const owner = this.d.db.nameOwner(full);
      if (owner) throw nameConflict(full, owner.id);
    } catch (e) {
      throw withContext(e, 'Error when allocating new name');
    }
    const old = c.name;
    c.name = full;
    this.d.db.save(c);
    this.d.events.publish('container', 'rename', c.id, this.life.attrs(c, { oldName: old }));
  }

  async remove(idOrName: string, opts: { force: boolean; volumes: boolean; link?: boolean }): Promise<void> {
    const c = this.d.db.resolve(idOrName);
    // `rm --link /parent/alias` removes a legacy link (dockerd's rmLink); the target stays
    if (opts.link) return this.d.db.save(removeLink(this.d.db, idOrName));
    if (c.state.Running || c.state.Restarting) {
      if (!opts.force) {
        const why = c.state.Paused ? 'container is paused and must be unpaused first'
          : `container is ${c.state.Restarting ? 'restarting' : 'running'}: stop the container before removing or force remove`;
        throw new ConflictError(`cannot remove container "${c.name}": ${why}`);
      }
      c.hasBeenManuallyStopped = true;
      await this.life.cancelRestart(c); // a restarting one just stays down (dockerd sends it no signal)
      c.hasBeenManuallyStopped = true;
      if (c.state.Running) {
        // dockerd's Kill: the kill event, a paused container resumed after the signal
        await this.life.kill(c, 9).catch(() => undefined);
        await this.life.settled(c.id);
        await new Promise((r) => setTimeout(r, 0));
        await this.life.settled(c.id);
      }
    }
    if (!this.d.db.byId(c.id)) return; // AutoRemove got there first
    await this.destroy(c, opts.volumes);
  }

  /** Delete everything of a container (files, runtime state, record) and tell waiters. */
  async destroy(c: ContainerRecord, removeVolumes = false): Promise<void> {
    c.state.Status = 'removing';
    await this.life.removeFiles(c);
    this.d.db.delete(c.id);
    // its own links went with its record; those to it stay, dead, as in dockerd's link index (see LinkRef)
    for (const { parent } of parents(this.d.db, c)) {
      for (const l of parent.links!) if (l.id === c.id) l.gone = c.name;
      this.d.db.save(parent);
    }
    await this.d.mounts?.release(c, removeVolumes).catch((e) => this.d.log.warn(`container ${c.id}: removing volumes: ${(e as Error).message}`));
    this.d.events.publish('container', 'destroy', c.id, this.life.attrs(c));
    this.life.notify(c.id, ['removed', 'not-running', 'next-exit'], c.state.ExitCode);
  }

  async wait(idOrName: string, condition: 'not-running' | 'next-exit' | 'removed', signal?: AbortSignal): Promise<{ StatusCode: number }> {
    const c = this.d.db.resolve(idOrName);
    if (condition === 'not-running' && !c.state.Running && !c.state.Restarting) return { StatusCode: c.state.ExitCode };
    const code = await new Promise<number>((resolve, reject) => {
      const off = this.life.addWaiter(c.id, { condition, resolve });
      signal?.addEventListener('abort', () => { off(); reject(new Error('client went away')); }, { once: true });
    });
    return { StatusCode: code };
  }

  async attach(idOrName: string, signal: AbortSignal): Promise<{ record: ContainerRecord; streams: Promise<AttachStreams> }> {
    const c = this.d.db.resolve(idOrName);
    if (c.state.Paused) throw new ConflictError(`You cannot attach to a paused container, unpause it first`);
    const streams = c.state.Running && !c.state.Restarting
      ? this.d.runtime.attach(c.bundle)
      : new Promise<AttachStreams>((resolve, reject) => {
        const off = this.life.addAttach(c.id, resolve);
        signal.addEventListener('abort', () => { off(); reject(new Error('client went away')); }, { once: true });
      });
    this.d.events.publish('container', 'attach', c.id, this.life.attrs(c));
    return { record: c, streams };
  }

  async logs(idOrName: string, opts: LogOptions, onLine: (l: LogLine) => void, signal: AbortSignal, begin?: () => void): Promise<{ tty: boolean }> {
    const c = this.d.db.resolve(idOrName);
    const lc = c.hostConfig.LogConfig as LogConfig | undefined;
    if (lc?.Type === 'none') throw new InvalidParameterError('configured logging driver does not support reading');
    // dockerd opens the log driver to read it: a bad labels-regex/env-regex fails here too
    const attrs = Buffer.from(`${formatAttrs(logAttrs(lc?.Type ?? '', lc?.Config ?? {}, c.config.Labels ?? {}, c.config.Env ?? []))} `);
    begin?.();
    const each = opts.details ? (l: LogLine): void => onLine({ ...l, data: Buffer.concat([attrs, l.data]) }) : onLine;
    await readLog(c.logPath, opts, each, () => !c.state.Running || c.state.Restarting || !this.d.db.byId(c.id), signal); // (dockerd's follow ends at the exit, a restart or not)
    return { tty: c.config.Tty };
  }

  async resize(idOrName: string, rows: number, cols: number): Promise<void> {
    const c = this.d.db.resolve(idOrName);
    if (!c.state.Running) throw new ConflictError(`Container ${c.id} is not running`);
    if (c.state.Restarting) throw restartingError(c);
    await this.d.runtime.resize(c.bundle, rows, cols);
  }

  async top(idOrName: string, psArgs: string): Promise<TopResult> {
    validatePsArgs(psArgs || '-ef');
    const c = this.d.db.resolve(idOrName);
    if (!c.state.Running) throw new ConflictError(`Container ${c.id} is not running`);
    if (c.state.Restarting) throw restartingError(c);
    const res = await containerTop(await this.d.runtime.pids(c.id), psArgs);
    this.d.events.publish('container', 'top', c.id, this.life.attrs(c));
    return res;
  }

  async prune(filters: Filters): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const keep = pruneFilter(filters);
    const deleted: string[] = [];
    for (const c of this.d.db.all()) {
      if (c.state.Running || c.state.Restarting || !keep(c)) continue;
      await this.destroy(c);
      deleted.push(c.id);
    }
    this.d.events.publish('container', 'prune', '', { reclaimed: '0' });
    return { ContainersDeleted: deleted, SpaceReclaimed: 0 };
  }

  // ImageUsage for the image service (rmi conflicts, counts).
  async containersUsing(imageId: string): Promise<{ id: string; running: boolean }[]> {
    return this.d.db.all().filter((c) => c.imageId === imageId).map((c) => ({ id: c.id, running: c.state.Running }));
  }

  async counts(): Promise<Map<string, number>> {
    const m = new Map<string, number>();
    for (const c of this.d.db.all()) m.set(c.imageId, (m.get(c.imageId) ?? 0) + 1);
    return m;
  }
}

/** dockerd's ParseSignal of a stop signal, its refusal in the caller's words. */
function checkSignal(sig: string, context: string): void {
  try {
    parseSignal(sig);
  } catch (e) {
    throw withContext(e, context);
  }
}
