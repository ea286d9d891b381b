/*
 * Removal of container directories off the request path: a directory is
 * renamed into the trash (one rename, so it is gone from its place at once)
 * and deleted in the background. A daemon that stops first finishes the
 * deletions (drain); what a killed daemon left is swept at the next start.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';

export class Trash {
  readonly dir: string;
  private readonly pending = new Set<Promise<void>>();
  private seq = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  private track(p: Promise<void>): void {
    const done = p.catch(() => undefined).finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Take `path` away now and delete it in the background (in place, should the rename fail). */
  async discard(path: string): Promise<void> {
    let target: string;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      target = join(this.dir, `${basename(path)}.${process.pid}.${++this.seq}`);
      renameSync(path, target);
    } catch (e) {
      // ENOENT: nothing there (the trash directory was just made)
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') await rm(path, { recursive: true, force: true });
      return;
    }
    this.track(rm(target, { recursive: true, force: true }));
  }

  /** Delete what an earlier daemon left in the trash (in the background). */
  sweep(): void {
    const names = readdir(this.dir).catch(() => [] as string[]);
    this.track(names.then((ns) => Promise.all(ns.map((n) => rm(join(this.dir, n), { recursive: true, force: true })))).then(() => undefined));
  }

  /** Resolves when every deletion started so far is done. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

