import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat, truncate } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { RotationPolicy } from './log-config.ts';

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);
const moveIfThere = (from: string, to: string): Promise<void> => rename(from, to).catch((e: NodeJS.ErrnoException) => {
  if (e.code !== 'ENOENT') throw e;
});

/**
 * Rotate a live log as json-file does: with one file the log is truncated
 * (conmon appends, so it carries on at offset 0); otherwise LOG.1 … LOG.N-1
 * shift up, LOG becomes LOG.1, conmon is told to reopen its log (a new LOG),
 * and LOG.1 is gzipped when asked.
 */
export async function rotateLog(path: string, p: RotationPolicy, reopen: () => Promise<void>): Promise<void> {
  if (p.maxFiles <= 1) {
    await truncate(path, 0);
    return;
  }
  const last = p.maxFiles - 1;
  await rm(`${path}.${last}`, { force: true });
  await rm(`${path}.${last}.gz`, { force: true });
  for (let i = last - 1; i >= 1; i--) {
    await moveIfThere(`${path}.${i}`, `${path}.${i + 1}`);
    await moveIfThere(`${path}.${i}.gz`, `${path}.${i + 1}.gz`);
  }
  await rename(path, `${path}.1`);
  await reopen();
  if (!p.compress) return;
  // conmon has let go of the old file once it has made the new one.
  for (let i = 0; i < 50 && !(await exists(path)); i++) await new Promise((r) => setTimeout(r, 20));
  await pipeline(createReadStream(`${path}.1`), createGzip(), createWriteStream(`${path}.1.gz.tmp`));
  await rename(`${path}.1.gz.tmp`, `${path}.1.gz`);
  await rm(`${path}.1`, { force: true });
}

interface Watched { path: string; policy: RotationPolicy; reopen: () => Promise<void>; busy: boolean }

/** Checks the size of the logs of running containers that have a max-size, and rotates them. */
export class LogRotator {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly warn: (m: string) => void;

  constructor(warn: (m: string) => void, intervalMs = 200) {
    this.warn = warn;
    this.intervalMs = intervalMs;
  }

  watch(id: string, path: string, policy: RotationPolicy, reopen: () => Promise<void>): void {
    if (policy.maxSize <= 0) return;
    this.watched.set(id, { path, policy, reopen, busy: false });
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  unwatch(id: string): void {
    this.watched.delete(id);
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    for (const [id, w] of this.watched) {
      if (w.busy) continue;
      w.busy = true;
      void this.check(w).catch((e) => this.warn(`log rotation of ${id.slice(0, 12)}: ${(e as Error).message}`)).finally(() => { w.busy = false; });
    }
  }

  private async check(w: Watched): Promise<void> {
    const size = await stat(w.path).then((s) => s.size, () => 0);
    if (size >= w.policy.maxSize) await rotateLog(w.path, w.policy, w.reopen);
  }
}
