import { close, constants, lstat, open, read, type Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SystemError } from '../core/errors.ts';
import { isSafeRelativePath, parentOf } from './tar-paths.ts';
import { readTarSplit } from './tar-split-file.ts';

const OUT_BATCH = 256 * 1024;
const READ_CHUNK = 1024 * 1024;
/** Files up to this size are read whole, several at a time, ahead of the output. */
const SMALL_FILE = 256 * 1024;
const AHEAD_FILES = 32;
const AHEAD_BYTES = 8 * 1024 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

type Item = { raw: Buffer } | { data: Promise<Buffer>; size: number } | { path: Buffer; size: number };

/**
 * The original tar stream of a layer, rebuilt from its tar-split file and
 * the files under diff/. Every recorded path is checked: relative, no "..",
 * its directory resolving inside diff/, the file itself opened without
 * following a symlink, a regular file of exactly the recorded size. Small
 * files are read a few at a time ahead of the output (each read is a
 * thread-pool round trip; one at a time, 40k small files take seconds).
 */
export function replayTar(splitFile: string, diff: string): Readable {
  return Readable.from(replay(splitFile, diff), { objectMode: false, highWaterMark: OUT_BATCH });
}

class LayerReader {
  private readonly root: Buffer;
  private readonly rootSlash: Buffer;
  private readonly dirs = new Map<string, Promise<Buffer>>();

  constructor(root: Buffer) {
    this.root = root;
    this.rootSlash = Buffer.concat([root, Buffer.from('/')]);
  }

  /**
   * Open a recorded file safely and check it is what the tar said. It is
   * lstat'ed first so that a device node or fifo is never opened.
   */
  async open(path: Buffer, size: number): Promise<number> {
    const show = JSON.stringify(path.toString());
    if (!isSafeRelativePath(path)) throw new SystemError(`unsafe path in tar-split: ${show}`);
    const dir = await this.resolveDir(parentOf(path));
    const abs = Buffer.concat([dir, Buffer.from('/'), path.subarray(path.lastIndexOf(0x2f) + 1)]);
    try {
      const st = await new Promise<Stats>((res, rej) => lstat(abs, (e, s) => (e ? rej(e) : res(s))));
      if (!st.isFile() || st.size !== size) {
        throw new SystemError(`layer file ${show} no longer matches the layer's tar (expected a ${size}-byte file)`);
      }
      return await new Promise<number>((res, rej) => open(abs, OPEN_FLAGS, (e, fd) => (e ? rej(e) : res(fd))));
    } catch (e) {
      if (e instanceof SystemError) throw e;
      throw new SystemError(`layer file ${show} cannot be opened: ${(e as Error).message}`, { cause: e });
    }
  }

  async readWhole(path: Buffer, size: number): Promise<Buffer> {
    const fd = await this.open(path, size);
    try {
      const buf = Buffer.allocUnsafe(size);
      await readFully(fd, buf, 0, path);
      return buf;
    } finally {
      await closeFd(fd);
    }
  }

  private resolveDir(rel: Buffer): Promise<Buffer> {
    const key = rel.toString('latin1');
    let p = this.dirs.get(key);
    if (!p) {
      p = this.resolve(rel);
      this.dirs.set(key, p);
    }
    return p;
  }

  private async resolve(rel: Buffer): Promise<Buffer> {
    const abs = rel.length === 0 ? this.root : await realpath(Buffer.concat([this.rootSlash, rel]), { encoding: 'buffer' });
    if (!abs.equals(this.root) && !abs.subarray(0, this.rootSlash.length).equals(this.rootSlash)) {
      throw new SystemError(`layer file directory ${JSON.stringify(rel.toString())} resolves outside the layer`);
    }
    return abs;
  }
}

function closeFd(fd: number): Promise<void> {
  return new Promise((res) => close(fd, () => res()));
}

async function readFully(fd: number, buf: Buffer, pos: number, path: Buffer): Promise<void> {
  let got = 0;
  while (got < buf.length) {
    const n = await new Promise<number>((res, rej) => {
      read(fd, buf, got, buf.length - got, pos + got, (e, bytesRead) => (e ? rej(e) : res(bytesRead)));
    });
    if (n === 0) throw new SystemError(`layer file ${JSON.stringify(path.toString())} was truncated`);
    got += n;
  }
}

async function* replay(splitFile: string, diff: string): AsyncGenerator<Buffer> {
  const reader = new LayerReader(await realpath(diff, { encoding: 'buffer' }));
  const queue: Item[] = [];
  let aheadFiles = 0;
  let aheadBytes = 0;
  let out: Buffer[] = [];
  let outLen = 0;
  const take = () => {
    const b = out.length === 1 ? out[0] : Buffer.concat(out, outLen);
    out = [];
    outLen = 0;
    return b;
  };

  /** Emit the oldest queued item. */
  async function* emit(): AsyncGenerator<Buffer> {
    const item = queue.shift()!;
    if ('raw' in item || 'data' in item) {
      const b = 'raw' in item ? item.raw : await item.data;
      if ('data' in item) aheadFiles--;
      aheadBytes -= b.length;
      out.push(b);
      outLen += b.length;
      if (outLen >= OUT_BATCH) yield take();
      return;
    }
    if (outLen > 0) yield take();
    const fd = await reader.open(item.path, item.size);
    try {
      for (let pos = 0; pos < item.size; pos += READ_CHUNK) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, item.size - pos));
        await readFully(fd, buf, pos, item.path);
        yield buf;
      }
    } finally {
      await closeFd(fd);
    }
  }

  try {
    for await (const rec of readTarSplit(splitFile)) {
      if ('raw' in rec) {
        queue.push(rec);
        aheadBytes += rec.raw.length;
      } else if (rec.size <= SMALL_FILE) {
        const data = reader.readWhole(rec.path, rec.size);
        data.catch(() => { /* awaited in order by emit() */ });
        queue.push({ data, size: rec.size });
        aheadFiles++;
        aheadBytes += rec.size;
      } else {
        queue.push(rec);
      }
      while (queue.length > 0 && (aheadFiles >= AHEAD_FILES || aheadBytes >= AHEAD_BYTES || 'path' in queue[queue.length - 1])) {
        yield* emit();
      }
    }
    while (queue.length > 0) yield* emit();
    if (outLen > 0) yield take();
  } finally {
    // let reads still in flight finish (they close their own files)
    await Promise.allSettled(queue.flatMap((i) => ('data' in i ? [i.data] : [])));
  }
}
