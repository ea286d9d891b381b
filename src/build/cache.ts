/*
 * The build cache: a step's key (parent image, instruction with its
 * expanded arguments, the run config with environment and build args, the
 * content hash of COPY/ADD sources) → the image that step produced. One
 * small file a key under <data-root>/builder/cache, so hits survive a
 * restart; an entry whose image is gone is a miss.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CacheEntry { key: string; imageId: string; created: number; lastUsed: number; description: string }

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export class BuildCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async get(key: string): Promise<CacheEntry | null> {
    try {
      const e = JSON.parse(await readFile(join(this.dir, key), 'utf8')) as CacheEntry;
      return e.key === key ? e : null;
    } catch {
      return null;
    }
  }

  async touch(e: CacheEntry): Promise<void> {
    await this.put({ ...e, lastUsed: Date.now() });
  }

  async put(e: CacheEntry): Promise<void> {
    const tmp = join(this.dir, `.${e.key}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    await writeFile(tmp, JSON.stringify(e));
    await rename(tmp, join(this.dir, e.key));
  }

  async remove(key: string): Promise<void> {
    await rm(join(this.dir, key), { force: true });
  }

  async all(): Promise<CacheEntry[]> {
    const out: CacheEntry[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.startsWith('.')) continue;
      const e = await this.get(name);
      if (e) out.push(e);
    }
    return out;
  }

  async size(): Promise<number> {
    let n = 0;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) n += (await stat(join(this.dir, name)).catch(() => ({ size: 0 }))).size;
    return n;
  }
}
