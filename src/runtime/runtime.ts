/* ContainerRuntime on runc (OCI lifecycle) and conmon (per-container monitor), per DESIGN.md section 3. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, SystemError } from '../core/errors.ts';
import type { AttachStreams, ContainerRuntime, ExecOptions, ExitStatus, RuntimeStartOptions } from '../core/runtime/types.ts';
import { containerCgroupsPath } from '../core/runtime/cgroup-path.ts';
import { connectAttach, reopenLog, resizeTerminal } from './attach.ts';
import { CGROUP_ROOT, cgroupPids, hierarchies, isCgroupV2, moveToCgroup, oomKillCount, ownHierarchies, removeEmptyCgroup } from './cgroups.ts';
import { CONMON_PATH, spawnConmon, type SyncPipe } from './conmon.ts';
import { startExec, type ExecHandle } from './exec.ts';
import { ExitWatcher, readExitFile, type ExitRecord } from './exit.ts';
import { nowNs, rfc3339Nano } from '../core/time.ts';
import { hostFacts, type HostFacts } from './host.ts';
import { MigrationWarmer } from './migration-warmer.ts';
import { specJson, type OciSpec } from './oci-types.ts';
import { Runc, RUNC_PATH, RuncError } from './runc.ts';
import { buildSpec } from './spec.ts';
import { deleteStopped } from './stopped-delete.ts';

export interface RuntimeLogger { warn(msg: string): void; info?(msg: string): void; debug?(msg: string): void }

export interface RuncConmonRuntimeOptions {
  /** Runtime state: <execRoot>/runc (runc --root), <execRoot>/exits, <execRoot>/exec (exec sessions). */
  execRoot: string;
  /** conmon processes go to the cgroup <cgroupParent>/conmon (default /berth). */
  cgroupParent?: string;
  logger?: RuntimeLogger;
  /** The systemd cgroup driver (exec-opt native.cgroupdriver=systemd): runc creates containers with --systemd-cgroup. */
  systemdCgroup?: boolean;
  runcPath?: string;
  conmonPath?: string;
  host?: HostFacts;
}

/** Files conmon and runc leave in a bundle; delete() removes them, never the logs. */
const RUNTIME_FILES = ['attach', 'ctl', 'winsz', 'pidfile', 'conmon.pid', 'exit', 'oom'];
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function isConmon(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].endsWith('conmon');
  } catch {
    return false;
  }
}

export class RuncConmonRuntime implements ContainerRuntime {
  readonly execRoot: string;
  readonly runc: Runc;
  private readonly conmonPath: string;
  private readonly conmonCgroup: string;
  private readonly systemdCgroup: boolean;
  private readonly log: RuntimeLogger;
  private readonly host: HostFacts;
  private readonly exits: ExitWatcher;
  private ready: Promise<void> | null = null;
  /** Hierarchies where the daemon is not in the root cgroup: conmon leaves those. */
  private moveIn: string[] | null = null;
  /** Bundles of containers started by this process (runc state tells the others). */
  private readonly bundles = new Map<string, string>();
  /** Keeps the cgroup migration lock's fast path open while starts and execs run. */
  private readonly warmer: MigrationWarmer;

  constructor(opts: RuncConmonRuntimeOptions) {
    this.execRoot = opts.execRoot;
    this.runc = new Runc(join(opts.execRoot, 'runc'), opts.runcPath ?? RUNC_PATH);
    this.conmonPath = opts.conmonPath ?? CONMON_PATH;
    this.systemdCgroup = opts.systemdCgroup ?? false;
    this.conmonCgroup = containerCgroupsPath('conmon', 'cgroupfs', opts.cgroupParent);
    this.log = opts.logger ?? { warn: () => undefined };
    this.host = opts.host ?? hostFacts();
    this.exits = new ExitWatcher(join(opts.execRoot, 'exits'));
    this.warmer = new MigrationWarmer(() => this.warmerProcsFile(), (m) => this.log.debug?.(m));
  }

  /** The sentinel lives in conmon's cgroup, in a hierarchy conmon moves in (else pids, or the v2 one). */
  private warmerProcsFile(): string | null {
    this.moveIn ??= ownHierarchies();
    const all = hierarchies();
    const h = this.moveIn[0] ?? (isCgroupV2() ? '' : all.includes('pids') ? 'pids' : all.find((x) => x !== 'cpuset'));
    return h === undefined ? null : join(CGROUP_ROOT, h, this.conmonCgroup, 'cgroup.procs');
  }

  expectStart(): void {
    this.warmer.touch();
  }

  private init(): Promise<void> {
    this.ready ??= Promise.all(['runc', 'exits', 'exec'].map((d) => mkdir(join(this.execRoot, d), { recursive: true, mode: 0o700 }))).then(() => undefined);
    return this.ready;
  }

  /** Put a freshly spawned conmon into its own cgroup, out of the daemon's. */
  private readonly moveConmon = async (pid: number): Promise<void> => {
    this.moveIn ??= ownHierarchies();
    if (!this.moveIn.length) return;
    const errors = await moveToCgroup(pid, this.conmonCgroup, undefined, this.moveIn);
    if (errors.length) this.log.debug?.(`conmon ${pid}: cgroup ${this.conmonCgroup}: ${errors.join('; ')}`);
  };

  async start(opts: RuntimeStartOptions): Promise<{ pid: number; startedAt: string }> {
    const { id, bundle } = opts;
    if (!SAFE_ID.test(id)) throw new SystemError(`invalid container id ${JSON.stringify(id)}`);
    const cold = this.warmer.hold(); // until runc has moved the container into its cgroups
    let started;
    try {
      started = await this.create(opts);
    } finally {
      cold();
    }
    const { pid, sync } = started;
    sync.close();
    let startedNs: bigint;
    try {
      if (opts.beforeStart) await opts.beforeStart(() => connectAttach(bundle), pid);
      startedNs = nowNs(); // before: a quick process may exit before `runc start` returns
      await this.runc.start(id);
    } catch (e) {
      await this.abandon(id, bundle);
      throw e instanceof RuncError ? new SystemError(e.message, { cause: e }) : e;
    }
    return { pid, startedAt: rfc3339Nano(startedNs) };
  }

  /** Up to `runc create`: conmon runs and has reported the container's pid. */
  private async create(opts: RuntimeStartOptions): Promise<{ pid: number; sync: SyncPipe }> {
    const { id, bundle } = opts;
    const input = Promise.resolve(opts.spec);
    input.catch(() => undefined); // a failure is reported through spawnConmon below
    await this.init();
    const io = opts.stdio ?? (await input);
    // small synchronous steps: each would cost a thread-pool round trip on the start path
    mkdirSync(bundle, { recursive: true });
    // runc keeps a container's state in <root>/<id>: only a leftover needs a look
    const leftover = existsSync(join(this.runc.root, id)) ? await this.runc.state(id) : null;
    if (leftover && leftover.status !== 'stopped') throw new ConflictError(`container ${id} is already ${leftover.status}`);
    if (leftover) await this.runc.delete(id, true);
    this.bundles.set(id, bundle);
    for (const f of RUNTIME_FILES) rmSync(join(bundle, f), { force: true });
    rmSync(join(this.exits.dir, id), { force: true });
    // conmon starts (and moves to its cgroup) while the spec is still being made
    const specWritten = input.then((i) => buildSpec(i, this.host)).then((spec) => writeFileSync(join(bundle, 'config.json'), specJson(spec)));
    specWritten.catch(() => undefined); // reported by spawnConmon
    try {
      return await spawnConmon({
        conmonPath: this.conmonPath, runcPath: this.runc.path, runcRoot: this.runc.root,
        id, uuid: id, name: id, bundle, pidFile: join(bundle, 'pidfile'), conmonPidFile: join(bundle, 'conmon.pid'),
        exitDir: this.exits.dir, persistDir: bundle, logPath: opts.logPath,
        tty: io.tty, stdin: io.openStdin, systemdCgroup: this.systemdCgroup, leaveStdinOpen: io.stdinOnce === false, beforeGo: this.moveConmon,
        ready: specWritten,
      });
    } catch (e) {
      await this.abandon(id, bundle);
      throw e;
    }
  }

  /** After a failed start: no runc container, no conmon left behind. */
  private async abandon(id: string, bundle: string): Promise<void> {
    if (existsSync(join(this.runc.root, id))) await this.runc.delete(id, true).catch((err: unknown) => this.log.warn(`container ${id}: cleanup after a failed start: ${(err as Error).message}`));
    const conmonPid = Number((await readFile(join(bundle, 'conmon.pid'), 'utf8').catch(() => '')).trim());
    if (conmonPid > 0 && isConmon(conmonPid)) {
      try {
        process.kill(conmonPid, 'SIGKILL');
      } catch { /* gone */ }
    }
    this.bundles.delete(id);
  }

  private async cgroupsPathOf(bundle: string): Promise<string | null> {
    try {
      const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as OciSpec;
      return spec.linux?.cgroupsPath ?? null;
    } catch {
      return null;
    }
  }

  private async toStatus(rec: ExitRecord, bundle: string): Promise<ExitStatus> {
    let oomKilled = await stat(join(bundle, 'oom')).then(() => true, () => false);
    if (!oomKilled) {
      const cg = await this.cgroupsPathOf(bundle);
      if (cg) oomKilled = (await oomKillCount(cg)) > 0;
    }
    return { exitCode: rec.exitCode, oomKilled, finishedAt: rfc3339Nano(rec.finishedNs) };
  }

  async waitExit(id: string, bundle: string): Promise<ExitStatus> {
    await this.init();
    const conmonPid = Number((await readFile(join(bundle, 'conmon.pid'), 'utf8').catch(() => '')).trim());
    const alive = conmonPid > 0 ? () => isConmon(conmonPid) : undefined;
    const rec = await this.exits.wait(id, alive);
    return this.toStatus(rec, bundle);
  }

  async exitStatus(id: string, bundle: string): Promise<ExitStatus | null> {
    const rec = (await this.exits.read(id)) ?? (await readExitFile(join(bundle, 'exit')));
    return rec ? this.toStatus(rec, bundle) : null;
  }

  async kill(id: string, signal: string | number, all = false): Promise<void> {
    await this.runc.kill(id, signal, all);
  }

  async pause(id: string): Promise<void> {
    await this.runc.pause(id);
  }

  async resume(id: string): Promise<void> {
    await this.runc.resume(id);
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const bundle = this.bundles.get(id) ?? (existsSync(join(this.runc.root, id)) ? (await this.runc.state(id))?.bundle : undefined);
    const exitFile = join(this.exits.dir, id);
    // an exit file not there before the delete comes from a process killed by it:
    // leave conmon's exit and oom files to waiters a little longer
    const exited = existsSync(exitFile);
    // runc keeps nothing for an id without a state directory: no process to spawn then;
    // nor for a plain stopped container, whose cgroups and state go without runc
    if (existsSync(join(this.runc.root, id)) && !(await deleteStopped(this.runc.root, id).catch(() => false))) {
      await this.runc.delete(id, Boolean(opts.force));
    }
    this.bundles.delete(id);
    if (exited) rmSync(exitFile, { force: true });
    else setTimeout(() => void rm(exitFile, { force: true }), 5000).unref();
    if (bundle) {
      const files = exited ? RUNTIME_FILES : RUNTIME_FILES.filter((f) => f !== 'exit' && f !== 'oom');
      for (const f of files) rmSync(join(bundle, f), { force: true }); // a few unlinks: quicker than the thread pool
    }
  }

  async state(id: string): Promise<{ status: string; pid: number } | null> {
    const st = await this.runc.state(id);
    return st ? { status: st.status, pid: st.pid } : null;
  }

  attach(bundle: string): Promise<AttachStreams> {
    return connectAttach(bundle);
  }

  resize(bundle: string, rows: number, cols: number): Promise<void> {
    return resizeTerminal(bundle, rows, cols);
  }

  reopenLog(bundle: string): Promise<void> {
    return reopenLog(bundle);
  }

  async exec(opts: ExecOptions, bundle: string, attach: boolean): Promise<ExecHandle> {
    await this.init();
    const cold = this.warmer.hold();
    return startExec({
      runcPath: this.runc.path, runcRoot: this.runc.root, conmonPath: this.conmonPath,
      sessionsDir: join(this.execRoot, 'exec'), host: this.host, beforeGo: this.moveConmon,
    }, opts, bundle, attach).finally(cold);
  }

  async pids(id: string): Promise<number[]> {
    const st = await this.runc.state(id);
    if (!st) return [];
    const cg = await this.cgroupsPathOf(st.bundle);
    const fromCgroup = cg ? await cgroupPids(cg) : null;
    if (fromCgroup) return fromCgroup;
    return this.runc.ps(id);
  }

  /** Stop watching exit files (pending waitExit calls reject). */
  close(): void {
    this.exits.close();
    void this.warmer.close();
  }

  /**
   * The daemon stops: close(), then remove the supervisors' cgroup where it
   * is empty. Once the containers are stopped, a conmon may still be on its
   * way out: up to `settleMs` is given for that. With live restore
   * (settleMs 0) the conmons of running containers keep it. The parent
   * (/berth) stays, as dockerd leaves /docker: runc makes the cgroups of
   * another daemon's containers under it with a mkdir -p that a removal in
   * between would break.
   */
  async shutdown(settleMs = 0): Promise<void> {
    this.exits.close();
    await this.warmer.close();
    const deadline = Date.now() + settleMs;
    for (;;) {
      const left = removeEmptyCgroup(this.conmonCgroup);
      if (!left.length) return;
      if (Date.now() >= deadline) {
        this.log.debug?.(`cgroups left (not empty): ${left.join(', ')}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
