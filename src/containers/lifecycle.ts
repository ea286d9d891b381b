import { rm } from 'node:fs/promises';
import { ConflictError, NotFoundError, SystemError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { EventSink } from '../core/events/types.ts';
import { signalNumber } from '../core/signals.ts';
import type { CgroupPlacement } from '../core/runtime/cgroup-path.ts';
import type { ContainerNetworking, NetAttachment } from '../core/network/types.ts';
import type { AttachStreams, ContainerRuntime, ExitStatus } from '../core/runtime/types.ts';
import type { ContainerMountHooks } from '../core/volumes/types.ts';
import { mountRootfs, unmountRootfs } from '../layers/rootfs.ts';
import { ensureInitLayer } from './init-layer.ts';
import { releaseShm } from './ipc-shm.ts';
import { logAttrs } from './log-attrs.ts';
import { rotationPolicy } from './log-config.ts';
import type { ContainerDb } from './store.ts';
import type { Trash } from './trash.ts';
import { specInput, stdioOf } from './spec-input.ts';
import { nowRfc3339Nano } from '../core/time.ts';
import { RestartManager, shouldRestart } from './restart-manager.ts';
import { linkSetup, updateParents } from './links.ts';

type Waiter = { condition: 'not-running' | 'next-exit' | 'removed'; resolve: (code: number) => void };
type PendingAttach = (streams: AttachStreams) => void;

export interface LifecycleDeps {
  db: ContainerDb;
  runtime: ContainerRuntime;
  events: EventSink;
  layersRoot: string;
  /** overlay lowerdir string of the container's image ('' for an image without layers). */
  lowerDirs(c: ContainerRecord): Promise<string>;
  /** Remove a container completely (used by AutoRemove). */
  remove(c: ContainerRecord): Promise<void>;
  log: { warn(m: string): void; info(m: string): void };
  cgroups?: CgroupPlacement;
  /** Called when the container runs / has stopped (health checks). */
  onRunning?(c: ContainerRecord): void;
  onStopped?(c: ContainerRecord): void;
  /** Volumes and mounts (absent: no mounts but the defaults). */
  mounts?: ContainerMountHooks;
  /** Networking: attach before runc runs, release when the container stops. */
  network?: ContainerNetworking;
  /** Where removed containers' directories go (absent: deleted in place). */
  trash?: Trash;
}

const now = nowRfc3339Nano;

/** Start, stop, exit handling, restart policies, waiters and pending attaches. */
export class Lifecycle {
  private readonly d: LifecycleDeps;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly attaches = new Map<string, Set<PendingAttach>>();
  private readonly exiting = new Map<string, Promise<void>>();
  private readonly restarts: RestartManager;

  constructor(deps: LifecycleDeps) {
    this.d = deps;
    this.restarts = new RestartManager({
      exists: (id) => !!deps.db.byId(id), save: (c) => deps.db.save(c), start: (c) => this.start(c, true),
      stopped: (c) => this.markStopped(c), warn: (m) => deps.log.warn(m),
    });
  }

  attrs(c: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
    return { ...c.config.Labels, image: c.image, name: c.name.slice(1), ...extra };
  }

  addAttach(id: string, cb: PendingAttach): () => void {
    let s = this.attaches.get(id);
    if (!s) this.attaches.set(id, (s = new Set()));
    s.add(cb);
    return () => s!.delete(cb);
  }

  addWaiter(id: string, w: Waiter): () => void {
    let s = this.waiters.get(id);
    if (!s) this.waiters.set(id, (s = new Set()));
    s.add(w);
    return () => s!.delete(w);
  }

  notify(id: string, kinds: Waiter['condition'][], code: number): void {
    for (const w of this.waiters.get(id) ?? []) {
      if (kinds.includes(w.condition)) {
        this.waiters.get(id)!.delete(w);
        w.resolve(code);
      }
    }
  }

  /** Start the container; `byPolicy` for a restart policy's start (others reset the restart count and back-off, as dockerd's resetRestartManager). */
  async start(c: ContainerRecord, byPolicy = false): Promise<void> {
    if (c.state.Running && !c.state.Restarting) return;
    if (c.state.Status === 'removing' || c.state.Dead) throw new ConflictError(`container ${c.id} is marked for removal and cannot be started`);
    if (!byPolicy) {
      c.restartCount = 0;
      this.restarts.reset(c.id);
    }
    await this.openLogger(c);
    const links = await this.linkSetup(c);
    // containers created before mounts were resolved at create get theirs now
    if (this.d.mounts && !c.mountPoints) {
      c.mountPoints = await this.d.mounts.resolve(c, (n) => this.d.db.resolve(n));
      this.d.db.save(c);
    }
    // conmon starts while the root filesystem is mounted and the network plumbed (see runtime.start)
    let net: NetAttachment | undefined;
    const spec = (async () => {
      const rootfs = await mountRootfs(this.d.layersRoot, await this.d.lowerDirs(c), c.rwDir);
      await ensureInitLayer(c.rwDir, rootfs);
      net = await this.d.network?.attach(c);
      return specInput(c, rootfs, { mounts: await this.d.mounts?.attach(c, rootfs), cgroups: this.d.cgroups, net, links, resolve: (ref) => this.d.db.resolve(ref) });
    })();
    const prepared = spec.then(() => undefined, () => undefined); // its failure is the runtime's
    try {
      const { pid, startedAt } = await this.d.runtime.start({
        id: c.id, bundle: c.bundle, spec, stdio: stdioOf(c), logPath: (c.hostConfig.LogConfig as { Type?: string } | undefined)?.Type === 'none' ? '' : c.logPath,
        beforeStart: async (attach, pid) => {
          await net?.plumb?.(pid);
          const pending = this.attaches.get(c.id);
          for (const cb of [...(pending ?? [])]) { pending!.delete(cb); cb(await attach()); }
        },
      });
      Object.assign(c.state, { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: pid, ExitCode: 0, Error: '', StartedAt: startedAt });
      c.hasBeenStarted = true;
      c.hasBeenManuallyStopped = false;
      this.d.db.save(c);
      this.d.events.publish('container', 'start', c.id, this.attrs(c));
      updateParents(this.d.db, this.d.network, c, (m) => this.d.log.warn(m));
      this.watch(c);
      this.d.onRunning?.(c);
    } catch (e) {
      await prepared; // nothing of it may land after the clean-up
      await this.d.runtime.delete(c.id, { force: true }).catch(() => undefined);
      await this.d.network?.release(c).catch(() => undefined);
      await unmountRootfs(c.rwDir).catch(() => undefined);
      await releaseShm(c);
      await this.d.mounts?.detach(c).catch(() => undefined);
      const msg = (e as Error).message;
      Object.assign(c.state, { Status: c.hasBeenStarted ? 'exited' : 'created', Error: msg, ExitCode: /not found|no such file/i.test(msg) ? 127 : 126 });
      this.d.db.save(c);
      // dockerd removes an AutoRemove container whose start failed; `run --rm` waits for that.
      if (c.hostConfig.AutoRemove) await this.d.remove(c).catch(() => undefined);
      throw e;
    }
  }

  /** dockerd opens the log driver at start: a bad labels-regex/env-regex fails the start. */
  private async openLogger(c: ContainerRecord): Promise<void> {
    const lc = c.hostConfig.LogConfig as { Type?: string; Config?: Record<string, string> } | undefined;
    try {
      rotationPolicy(lc?.Type ?? '', lc?.Config ?? {});
      logAttrs(lc?.Type ?? '', lc?.Config ?? {}, c.config.Labels ?? {}, c.config.Env ?? []);
    } catch (e) {
      await this.refuseStart(c, new SystemError(`failed to initialize logging driver: ${(e as Error).message}`));
    }
  }

  /** The legacy links' hosts lines and variables; a target not running or off the default bridge fails the start. */
  private async linkSetup(c: ContainerRecord): Promise<{ env: string[]; hosts: string[] }> {
    try {
      return linkSetup(this.d.db, this.d.network, c);
    } catch (e) {
      return this.refuseStart(c, e as Error);
    }
  }

  /** A start refused before anything ran: dockerd records the error (exit code 128 unless one is set) and removes an AutoRemove container. */
  private async refuseStart(c: ContainerRecord, e: Error): Promise<never> {
    Object.assign(c.state, { Error: e.message, ExitCode: c.state.ExitCode || 128 });
    this.d.db.save(c);
    if (c.hostConfig.AutoRemove) await this.d.remove(c).catch(() => undefined);
    throw e;
  }

  /** Follow a running container until it exits (also used to adopt after a restart). */
  watch(c: ContainerRecord): void {
    const p = this.d.runtime.waitExit(c.id, c.bundle).then((st) => this.onExit(c, st)).catch((e) => {
      this.d.log.warn(`container ${c.id}: waiting for exit failed: ${(e as Error).message}`);
    }).finally(() => this.exiting.delete(c.id));
    this.exiting.set(c.id, p);
  }

  async onExit(c: ContainerRecord, st: ExitStatus): Promise<void> {
    this.d.onStopped?.(c);
    // runc's state and cgroup, the network and the root filesystem do not depend on each other
    // (the unmount first: it goes on in the thread pool while the others work)
    const [, announce] = await Promise.all([
      unmountRootfs(c.rwDir).catch(() => undefined)
        .then(() => this.d.mounts?.detach(c))
        .catch((e) => this.d.log.warn(`container ${c.id}: unmounting volumes: ${(e as Error).message}`)),
      this.d.network?.release(c, { deferEvents: true }).catch((e) => {
        this.d.log.warn(`container ${c.id}: network release: ${(e as Error).message}`);
        return undefined;
      }),
      this.d.runtime.delete(c.id, { force: true }).catch(() => undefined),
      releaseShm(c),
    ]);
    Object.assign(c.state, { Status: 'exited', Running: false, Paused: false, Pid: 0, ExitCode: st.exitCode, OOMKilled: st.oomKilled, FinishedAt: st.finishedAt });
    this.d.db.save(c);
    if (st.oomKilled) this.d.events.publish('container', 'oom', c.id, this.attrs(c));
    this.d.events.publish('container', 'die', c.id, this.attrs(c, { exitCode: String(st.exitCode) }));
    announce?.(); // the network disconnects, after the die as dockerd sends them
    this.notify(c.id, ['not-running', 'next-exit'], st.exitCode);
    if (shouldRestart(c, st.exitCode)) {
      this.restarts.schedule(c, Date.parse(st.finishedAt) - Date.parse(c.state.StartedAt));
      return;
    }
    if (c.hostConfig.AutoRemove) await this.d.remove(c).catch((e) => this.d.log.warn(`auto-remove of ${c.id}: ${(e as Error).message}`));
  }

  /** A restart that will not happen: the container stays down with its last exit (dockerd's SetStopped after a cancelled restart). */
  private markStopped(c: ContainerRecord): void {
    if (!c.state.Restarting) return;
    Object.assign(c.state, { Running: false, Restarting: false, Status: 'exited' });
    this.d.db.save(c);
    this.notify(c.id, ['not-running', 'next-exit'], c.state.ExitCode);
  }

  /** Cancel a pending restart (see RestartManager.cancel). */
  cancelRestart(c: ContainerRecord): Promise<boolean> {
    return this.restarts.cancel(c);
  }

  /** Resolves when the current exit has been fully handled. */
  async settled(id: string): Promise<void> {
    await this.exiting.get(id);
  }

  /** dockerd's killWithSignal (its callers add the "Cannot kill container: NAME" context). */
  async kill(c: ContainerRecord, signal: string | number): Promise<void> {
    if (!c.state.Running) throw new ConflictError(`Container ${c.id} is not running`);
    const sig = signalNumber(signal);
    const stopSig = c.config.StopSignal ? signalNumber(c.config.StopSignal) : undefined;
    // As dockerd: a restarting container gets no signal (and no kill event); the signal that
    // would stop it (no stop signal set, KILL, or the stop signal) cancels the restart.
    if (c.state.Restarting && (stopSig === undefined || sig === 9 || sig === stopSig)) await this.cancelRestart(c);
    // a killed container counts as stopped by hand (its restart policy leaves it down)
    c.hasBeenManuallyStopped = true;
    this.d.db.save(c);
    if (!c.state.Running || c.state.Restarting) return;
    // A paused container is resumed after the signal when it is the one that stops it (no stop signal set, KILL, or the stop signal).
    let unpause = c.state.Paused && (stopSig === undefined || sig === 9 || sig === stopSig);
    try {
      await this.d.runtime.kill(c.id, sig, false);
    } catch (e) {
      // a process that has just ended (its exit not handled yet) is no error, as in dockerd (two kills at once)
      if (!(e instanceof ConflictError || e instanceof NotFoundError)) throw e;
      unpause = false;
    }
    this.d.events.publish('container', 'kill', c.id, this.attrs(c, { signal: String(sig) }));
    if (unpause) await this.d.runtime.resume(c.id).then(() => this.markUnpaused(c), () => undefined);
  }

  /** The state after a resume the daemon did itself (a kill of a paused container), with dockerd's unpause event. */
  private markUnpaused(c: ContainerRecord): void {
    if (!c.state.Paused) return;
    Object.assign(c.state, { Paused: false, Status: c.state.Running ? 'running' : c.state.Status });
    this.d.db.save(c);
    this.d.events.publish('container', 'unpause', c.id, this.attrs(c));
  }

  async stop(c: ContainerRecord, timeoutSec: number, signal: string): Promise<void> {
    c.hasBeenManuallyStopped = true;
    // a restarting container stops where it is, with dockerd's stop event
    const cancelled = await this.cancelRestart(c);
    c.hasBeenManuallyStopped = true; // (a restart that was under way has just cleared it)
    this.d.db.save(c);
    if (cancelled) return this.d.events.publish('container', 'stop', c.id, this.attrs(c));
    if (!c.state.Running) return;
    // (a paused container is resumed by the kill that signals it, after the signal, as dockerd's killWithSignal)
    const exited = new Promise<void>((resolve) => this.addWaiter(c.id, { condition: 'not-running', resolve: () => resolve() }));
    await this.kill(c, signal).catch(() => undefined);
    const timedOut = timeoutSec >= 0 && await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeoutSec * 1000).unref())]);
    if (timedOut) {
      const paused = c.state.Paused; // (still paused when its stop signal was not the one that resumes it)
      await this.d.runtime.kill(c.id, 'SIGKILL', true).catch(() => undefined);
      this.d.events.publish('container', 'kill', c.id, this.attrs(c, { signal: '9' }));
      if (paused) await this.d.runtime.resume(c.id).then(() => this.markUnpaused(c), () => undefined);
    }
    await exited;
    // the stop event comes once the container is down, before an AutoRemove's destroy (as dockerd's)
    this.d.events.publish('container', 'stop', c.id, this.attrs(c));
    await this.settled(c.id);
  }

  async removeFiles(c: ContainerRecord): Promise<void> {
    this.restarts.reset(c.id);
    await Promise.all([
      unmountRootfs(c.rwDir).catch(() => undefined),
      releaseShm(c),
      this.d.network?.forget(c).catch(() => undefined),
      this.d.runtime.delete(c.id, { force: true }).catch(() => undefined),
    ]);
    if (this.d.trash) await this.d.trash.discard(c.bundle);
    else await rm(c.bundle, { recursive: true, force: true });
  }

  now(): string {
    return now();
  }
}
