/*
 * Moving a process into a cgroup takes a kernel-wide lock (the cgroup
 * threadgroup rwsem). Its write side first waits for an RCU grace period
 * (6 to 20 ms measured here) unless another migration took it within about
 * one grace period before. A container start migrates twice on its critical
 * path (conmon into its cgroup, then runc's init into the container's) and
 * an exec does the same, so each paid that wait.
 *
 * The warmer pays it early and off the critical path: while a start is
 * expected (a create just came) or under way, it moves a sentinel process
 * of its own into the cgroup the sentinel is already in, every 2 ms. Such a
 * move changes nothing but takes the lock, so the real migrations find its
 * fast path open. It stops as soon as no start needs it; the sentinel is a
 * `cat` reading a pipe from the daemon, so it ends with the daemon.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

const PING_MS = 2;

export class MigrationWarmer {
  private readonly procsFile: () => string | null;
  private readonly onError: (msg: string) => void;
  private sentinel: ChildProcess | null = null;
  private setup: Promise<{ fh: FileHandle; pid: string } | null> | null = null;
  private deadline = 0;
  private holds = 0;
  private running = false;
  private disabled = false;
  /** Moves made so far (for tests and diagnostics). */
  pings = 0;

  /** `procsFile`: the cgroup.procs file of the (daemon-owned) cgroup the sentinel lives in; null: no warming. */
  constructor(procsFile: () => string | null, onError: (msg: string) => void = () => undefined) {
    this.procsFile = procsFile;
    this.onError = onError;
  }

  /** A start may come soon: keep warm for `ms`. */
  touch(ms = 100): void {
    this.deadline = Math.max(this.deadline, Date.now() + ms);
    this.kick();
  }

  /** Keep warm until the returned function is called. */
  hold(): () => void {
    this.holds++;
    this.kick();
    let done = false;
    return () => {
      if (!done) this.holds--;
      done = true;
    };
  }

  private wanted(): boolean {
    return this.holds > 0 || Date.now() < this.deadline;
  }

  private kick(): void {
    if (this.running || this.disabled) return;
    this.running = true;
    void this.loop().finally(() => { this.running = false; });
  }

  private async loop(): Promise<void> {
    const s = await (this.setup ??= this.start());
    if (!s) return;
    while (this.wanted() && !this.disabled) {
      try {
        await s.fh.write(s.pid, 0);
        this.pings++;
      } catch (e) {
        this.disable(`cgroup migration warm-up stopped: ${(e as Error).message}`);
        return;
      }
      await new Promise((r) => setTimeout(r, PING_MS));
    }
  }

  private async start(): Promise<{ fh: FileHandle; pid: string } | null> {
    const file = this.procsFile();
    if (!file) {
      this.disabled = true;
      return null;
    }
    try {
      const child = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
      await new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      this.sentinel = child;
      await makeDirs(dirname(file));
      const fh = await open(file, 'w');
      const pid = String(child.pid);
      await fh.write(pid, 0);
      return { fh, pid };
    } catch (e) {
      this.disable(`no cgroup migration warm-up: ${(e as Error).message}`);
      return null;
    }
  }

  private disable(msg: string): void {
    if (this.disabled) return;
    this.disabled = true;
    this.onError(msg);
    void this.stopSentinel();
  }

  /** Kill the sentinel; resolves once it has exited (so that its cgroup can go). */
  private stopSentinel(): Promise<void> {
    const child = this.sentinel;
    this.sentinel = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.ref(); // unref'd while it served: now the wait must keep the process alive
    child.kill('SIGKILL');
    return exited;
  }

  /** The sentinel's pid, once it runs. */
  get sentinelPid(): number | undefined {
    return this.sentinel?.pid;
  }

  /** Stop warming and end the sentinel; resolves once it has exited. */
  async close(): Promise<void> {
    this.disabled = true;
    const setup = this.setup;
    // a start under way spawns the sentinel after this: wait for it, then end it
    await setup?.then((s) => s?.fh.close()).catch(() => undefined);
    await this.stopSentinel();
  }
}

/**
 * mkdir -p, bounded: Node's recursive mkdir loops forever where a
 * filesystem answers ENOENT to every mkdir (procfs, say).
 */
async function makeDirs(dir: string, depth = 16): Promise<void> {
  try {
    await mkdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || depth === 0 || dirname(dir) === dir) throw e;
    await makeDirs(dirname(dir), depth - 1);
    await mkdir(dir).catch((e2: NodeJS.ErrnoException) => { if (e2.code !== 'EEXIST') throw e2; });
  }
}
