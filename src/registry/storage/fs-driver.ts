/**
 * The filesystem storage driver. Every write is atomic: content goes to a
 * temporary file beside its destination, is fsynced and then renamed over it,
 * so a crash leaves the old bytes or the new ones, never a part. Temporary
 * files start with '.tmp-' and are never listed.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, truncate, utimes } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFileAtomic } from '../../content/atomic.ts';
import { PathNotFoundError, RegistryError } from '../../core/registry/errors.ts';
import type { FileInfo, StorageDriver } from '../../core/registry/types.ts';

const isMissing = (e: unknown) => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

export const TMP_PREFIX = '.tmp-';

export class FsDriver implements StorageDriver {
  readonly name = 'filesystem';
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file for a key; a key that would leave the root is a bug of the caller and refused. */
  full(path: string): string {
    const p = resolve(this.root, '.' + (path.startsWith('/') ? path : '/' + path));
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new Error(`storage path escapes the root: ${path}`);
    if (path.split('/').some((c) => c === '..' || c.startsWith(TMP_PREFIX))) throw new Error(`invalid storage path: ${path}`);
    return p;
  }

  async getContent(path: string): Promise<Buffer> {
    try {
      return await readFile(this.full(path));
    } catch (e) {
      if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'EISDIR') throw new PathNotFoundError(path);
      throw e;
    }
  }

  async putContent(path: string, data: Buffer): Promise<void> {
    const dst = this.full(path);
    await mkdir(dirname(dst), { recursive: true });
    await writeFileAtomic(join(dirname(dst), TMP_PREFIX + randomBytes(8).toString('hex')), dst, data);
  }

  async reader(path: string, start = 0, end?: number): Promise<Readable> {
    const file = this.full(path);
    const fh = await open(file, 'r').catch((e) => {
      if (isMissing(e)) throw new PathNotFoundError(path);
      throw e;
    });
    return createReadStream('', { fd: fh, start, end, highWaterMark: 1 << 20, autoClose: true });
  }

  async append(path: string, input: Readable, opts: { onChunk?: (b: Buffer) => void; limit?: number } = {}): Promise<number> {
    const file = this.full(path);
    await mkdir(dirname(file), { recursive: true });
    const before = (await stat(file).catch((e) => { if (isMissing(e)) return null; throw e; }))?.size ?? 0;
    let size = before;
    const { onChunk, limit } = opts;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (limit && size > limit) {
          cb(new RegistryError('SIZE_INVALID', { status: 413, message: `blob exceeds the size limit of ${limit} bytes` }));
          return;
        }
        onChunk?.(chunk);
        cb(null, chunk);
      },
    });
    const out = createWriteStream(file, { flags: 'a', mode: 0o644, highWaterMark: 1 << 20 });
    try {
      await pipeline(input, tap, out);
      return size;
    } catch (e) {
      // Let a write already handed to the kernel finish before cutting the file back.
      if (!out.closed) await new Promise<void>((r) => out.once('close', () => r()));
      await truncate(file, before).catch(() => {});
      throw e;
    }
  }

  async stat(path: string): Promise<FileInfo | null> {
    try {
      const s = await stat(this.full(path));
      return { size: s.size, modTime: s.mtime, isDir: s.isDirectory() };
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async list(path: string): Promise<string[]> {
    try {
      return (await readdir(this.full(path))).filter((n) => !n.startsWith(TMP_PREFIX)).sort();
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
  }

  async move(src: string, dst: string): Promise<void> {
    const from = this.full(src);
    const to = this.full(dst);
    const fh = await open(from, 'r').catch((e) => {
      if (isMissing(e)) throw new PathNotFoundError(src);
      throw e;
    });
    try { await fh.sync(); } finally { await fh.close(); }
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
  }

  async delete(path: string): Promise<void> {
    await rm(this.full(path), { recursive: true, force: true });
  }

  async touch(path: string): Promise<void> {
    const now = new Date();
    await utimes(this.full(path), now, now).catch((e) => { if (!isMissing(e)) throw e; });
  }
}
