/*
 * Exit files: conmon writes a container's exit code (128+signal when killed)
 * to <exit-dir>/<id> by rename when its process ends. One fs.watch on the
 * exit directory serves every waiter; a slow poll backs it up and notices a
 * conmon that died without writing anything.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { nowNs } from '../core/time.ts';

/** Parse an exit file: a decimal exit code. */
export function parseExitCode(text: string): number | null {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return null;
  return Number(t);
}

export interface ExitRecord { exitCode: number; finishedNs: bigint }

/** Read the exit file `file`, or null when there is none (yet). */
export async function readExitFile(file: string): Promise<ExitRecord | null> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file, { bigint: true })]);
    const code = parseExitCode(text);
    if (code === null) return null;
    return { exitCode: code, finishedNs: st.mtimeNs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

interface Waiter {
  name: string;
  resolve: (r: ExitRecord) => void;
  reject: (e: Error) => void;
  /** Liveness of the writer (conmon); false means it is gone. */
  alive?: () => boolean;
  deadSince?: number;
}

const POLL_MS = 1000;
/** How long a dead writer may leave no file before the wait gives up on it. */
const DEAD_GRACE_MS = 2000;

export class ExitWatcher {
  readonly dir: string;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly waiters = new Set<Waiter>();
  private ready: Promise<void> | null = null;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The exit file of `name`, or null when none was written. */
  read(name: string): Promise<ExitRecord | null> {
    return readExitFile(join(this.dir, name));
  }

  /**
   * Resolves when <dir>/<name> exists. `alive` tells whether the writer still
   * runs: when it stays false past a grace period without a file, the wait
   * resolves with exit code 255 (Docker reports a lost shim the same way).
   */
  async wait(name: string, alive?: () => boolean): Promise<ExitRecord> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    await this.ready;
    return new Promise<ExitRecord>((resolve, reject) => {
      const w: Waiter = { name, resolve, reject, alive };
      this.waiters.add(w);
      this.ensureWatching();
      void this.check(w); // a file written before the watch started
    });
  }

  private ensureWatching(): void {
    if (!this.watcher) {
      try {
        this.watcher = watch(this.dir, (_event, filename) => {
          if (!filename) return this.checkAll();
          for (const w of this.waiters) if (w.name === filename.toString()) void this.check(w);
        });
        this.watcher.on('error', () => this.stopWatching());
      } catch {
        this.watcher = null; // polling still works
      }
    }
    this.timer ??= setInterval(() => this.checkAll(true), POLL_MS);
  }

  private checkAll(poll = false): void {
    for (const w of this.waiters) void this.check(w, poll);
  }

  private async check(w: Waiter, poll = false): Promise<void> {
    let rec: ExitRecord | null;
    try {
      rec = await this.read(w.name);
    } catch (e) {
      return this.settle(w, () => w.reject(e as Error));
    }
    if (rec) return this.settle(w, () => w.resolve(rec));
    if (!poll || !w.alive) return;
    if (w.alive()) {
      w.deadSince = undefined;
      return;
    }
    w.deadSince ??= Date.now();
    if (Date.now() - w.deadSince >= DEAD_GRACE_MS) {
      this.settle(w, () => w.resolve({ exitCode: 255, finishedNs: nowNs() }));
    }
  }

  private settle(w: Waiter, fn: () => void): void {
    if (!this.waiters.delete(w)) return;
    fn();
    if (this.waiters.size === 0) this.stopWatching();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.waiters.size) this.ensureWatching();
  }

  /** Stop watching; pending waits are rejected. */
  close(): void {
    const pending = [...this.waiters];
    this.waiters.clear();
    this.stopWatching();
    for (const w of pending) w.reject(new Error('exit watcher closed'));
  }
}
