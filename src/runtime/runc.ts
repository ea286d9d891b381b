/* The runc command line, with its own state directory (--root). */
import { execFile } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync, readSync, rmSync } from 'node:fs';
import { signalNumber } from '../core/signals.ts';
import { join } from 'node:path';
import { ConflictError, NotFoundError, SystemError } from '../core/errors.ts';

export const RUNC_PATH = '/usr/sbin/runc';

export interface RuncState { id: string; pid: number; status: string; bundle: string; created?: string }

export class RuncError extends SystemError {
  readonly stderr: string;
  readonly exitCode: number | null;
  constructor(message: string, stderr: string, exitCode: number | null) {
    super(message);
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

/** runc's log lines are logfmt or JSON; keep just the message. */
export function runcMessage(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const msgs = lines.map((l) => {
    try {
      const j = JSON.parse(l) as { msg?: string };
      if (j.msg) return j.msg;
    } catch { /* logfmt */ }
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(l);
    return m ? m[1].replace(/\\"/g, '"') : l;
  });
  return msgs.at(-1) ?? '';
}

/**
 * What `runc start` does for a created container, without spawning runc:
 * runc init waits to write one byte to <state>/exec.fifo and execs the
 * process as soon as a reader has it; the fifo's removal marks the container
 * running. Returns false when there is no fifo (let runc itself answer).
 */
export async function releaseExecFifo(fifo: string, timeoutMs = 10_000): Promise<boolean> {
  let fd: number;
  try {
    // O_NONBLOCK: the open never waits, even when runc init is gone.
    fd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch {
    return false;
  }
  // Synchronous reads: runc init, woken by the open, writes its byte and
  // closes the fifo within microseconds, so a short spin (at most SPIN_NS)
  // answers sooner than a thread-pool read or a timer; a slow writer is
  // then polled every millisecond.
  let got = 0;
  try {
    const buf = Buffer.alloc(16);
    const t0 = Date.now();
    const spinUntil = process.hrtime.bigint() + SPIN_NS;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        if (Date.now() - t0 > timeoutMs) throw new SystemError('runc start: timed out waiting for the container process');
        if (process.hrtime.bigint() > spinUntil) await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (n === 0) {
        // EOF: the writer is gone. Before it wrote anything, it never ran (or waits to open it).
        if (got > 0) break;
        if (Date.now() - t0 > 2000) throw new SystemError('runc start: cannot start an already running container');
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  rmSync(fifo, { force: true });
  return true;
}

/** How long releaseExecFifo spins on the fifo before it polls. */
const SPIN_NS = 2_000_000n;

const NOT_EXIST = /container does not exist|container .* does not exist|not exist/i;

export class Runc {
  readonly path: string;
  readonly root: string;

  constructor(root: string, path = RUNC_PATH) {
    this.root = root;
    this.path = path;
  }

  /** Run `runc --root ROOT ARGS...`; rejects with a RuncError carrying runc's message. */
  run(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.path, ['--root', this.root, ...args], { maxBuffer: 16 << 20, timeout: opts.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        const msg = runcMessage(stderr) || err.message;
        reject(new RuncError(`runc ${args[0]}: ${msg}`, stderr, code));
      });
    });
  }

  async start(id: string): Promise<void> {
    if (!(await releaseExecFifo(join(this.root, id, 'exec.fifo')))) await this.run(['start', id]);
  }

  /** runc's view of a container, or null when it does not know it. */
  async state(id: string): Promise<RuncState | null> {
    try {
      return JSON.parse(await this.run(['state', id])) as RuncState;
    } catch (e) {
      if (e instanceof RuncError && NOT_EXIST.test(e.stderr)) return null;
      throw e;
    }
  }

  async kill(id: string, signal: string | number, all = false): Promise<void> {
    const num = signalNumber(signal);
    try {
      await this.run(['kill', ...(all ? ['--all'] : []), id, String(num)]);
    } catch (e) {
      if (e instanceof RuncError && NOT_EXIST.test(e.stderr)) throw new NotFoundError(`container ${id} is not running`, { cause: e });
      if (e instanceof RuncError && /not running|process already finished|no such process/i.test(e.stderr)) {
        throw new ConflictError(`container ${id} is not running`, { cause: e });
      }
      throw e;
    }
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }

  /** `runc delete`; a container runc does not know is not an error. */
  async delete(id: string, force = false): Promise<void> {
    try {
      await this.run(['delete', ...(force ? ['--force'] : []), id]);
    } catch (e) {
      if (e instanceof RuncError && NOT_EXIST.test(e.stderr)) return;
      const m = e instanceof RuncError ? /not stopped: (\w+)/.exec(e.stderr) : null;
      if (m) throw new ConflictError(`cannot delete container ${id}: it is ${m[1]}`, { cause: e });
      throw e;
    }
  }

  /** Pids of the container's processes, from runc's cgroup view. */
  async ps(id: string): Promise<number[]> {
    const out = await this.run(['ps', '--format', 'json', id]);
    return (JSON.parse(out || '[]') as number[] | null) ?? [];
  }

  /** `runc exec --detach` of a process spec file; returns when the process started. */
  async execDetached(id: string, processFile: string, pidFile: string): Promise<void> {
    await this.run(['exec', '--detach', '--pid-file', pidFile, '--process', processFile, id]);
  }
}
