import { rm } from 'node:fs/promises';
import { ConflictError, SystemError } from '../core/errors.ts';
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
import type { ContainerDb } from './store.ts';
import type { Trash } from './trash.ts';
import { specInput, stdioOf } from './spec-input.ts';
import { nowRfc3339Nano } from '../core/time.ts';

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

  constructor(deps: LifecycleDeps) {
    this.d = deps;
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

  async start(c: ContainerRecord): Promise<void> {
    if (c.state.Running) return;
    if (c.state.Status === 'removing' || c.state.Dead) throw new ConflictError(`container ${c.id} is marked for removal and cannot be started`);
    await this.openLogger(c);
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
      return specInput(c, rootfs, { mounts: await this.d.mounts?.attach(c, rootfs), cgroups: this.d.cgroups, net, resolve: (ref) => this.d.db.resolve(ref) });
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

  /** dockerd opens the log driver at start: a bad labels-regex/env-regex fails the start (exit code 128 unless one is set). */
  private async openLogger(c: ContainerRecord): Promise<void> {
    const lc = c.hostConfig.LogConfig as { Type?: string; Config?: Record<string, string> } | undefined;
    try {
      logAttrs(lc?.Type ?? '', lc?.Config ?? {}, c.config.Labels ?? {}, c.config.Env ?? []);
    } catch (e) {
      const msg = `failed to initialize logging driver: ${(e as Error).message}`;
      Object.assign(c.state, { Error: msg, ExitCode: c.state.ExitCode || 128 });
      this.d.db.save(c);
      if (c.hostConfig.AutoRemove) await this.d.remove(c).catch(() => undefined);
      throw new SystemError(msg);
    }
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
    if (this.shouldRestart(c, st.exitCode)) {
      c.restartCount++;
      c.state.Restarting = true;
      c.state.Status = 'restarting';
      this.d.db.save(c);
      const delay = Math.min(100 * 2 ** Math.min(c.restartCount - 1, 10), 60_000);
      setTimeout(() => {
        if (!this.d.db.byId(c.id) || c.hasBeenManuallyStopped) return;
        this.start(c).catch((e) => {
          c.state.Restarting = false;
          c.state.Status = 'exited';
          this.d.db.save(c);
          this.d.log.warn(`restart of ${c.id} failed: ${(e as Error).message}`);
        });
      }, delay).unref();
      return;
    }
    if (c.hostConfig.AutoRemove) await this.d.remove(c).catch((e) => this.d.log.warn(`auto-remove of ${c.id}: ${(e as Error).message}`));
  }

  shouldRestart(c: ContainerRecord, exitCode: number): boolean {
    const rp = c.hostConfig.RestartPolicy ?? { Name: 'no' };
    if (c.hasBeenManuallyStopped) return false;
    if (rp.Name === 'always' || rp.Name === 'unless-stopped') return true;
    if (rp.Name === 'on-failure') return exitCode !== 0 && (!rp.MaximumRetryCount || c.restartCount < rp.MaximumRetryCount);
    return false;
  }

  /** Resolves when the current exit has been fully handled. */
  async settled(id: string): Promise<void> {
    await this.exiting.get(id);
  }

  /** dockerd's killWithSignal (its callers add the "Cannot kill container: NAME" context). */
  async kill(c: ContainerRecord, signal: string | number): Promise<void> {
    if (!c.state.Running) throw new ConflictError(`Container ${c.id} is not running`);
    const sig = signalNumber(signal);
    // a killed container counts as stopped by hand (its restart policy leaves it down)
    c.hasBeenManuallyStopped = true;
    this.d.db.save(c);
    // A paused container is resumed after the signal when it is the one that stops it (no stop signal set, KILL, or the stop signal).
    const stopSig = c.config.StopSignal ? signalNumber(c.config.StopSignal) : undefined;
    const unpause = c.state.Paused && (stopSig === undefined || sig === 9 || sig === stopSig);
    await this.d.runtime.kill(c.id, sig, false);
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
    this.d.db.save(c);
    if (c.state.Restarting) {
      c.state.Restarting = false;
      c.state.Status = 'exited';
      this.d.db.save(c);
    }
    if (!c.state.Running) return;
    if (c.state.Paused) await this.d.runtime.resume(c.id).then(() => this.markUnpaused(c), () => undefined);
    const exited = new Promise<void>((resolve) => this.addWaiter(c.id, { condition: 'not-running', resolve: () => resolve() }));
    await this.kill(c, signal).catch(() => undefined);
    const timedOut = timeoutSec >= 0 && await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeoutSec * 1000).unref())]);
    if (timedOut) {
      await this.d.runtime.kill(c.id, 'SIGKILL', true).catch(() => undefined);
      this.d.events.publish('container', 'kill', c.id, this.attrs(c, { signal: '9' }));
    }
    await exited;
    await this.settled(c.id);
    this.d.events.publish('container', 'stop', c.id, this.attrs(c));
  }

  async removeFiles(c: ContainerRecord): Promise<void> {
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
