import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { SystemError } from '../core/errors.ts';
import { drainedOrClosed } from '../core/streams.ts';

/*
 * The tar-split file: gzip of
 *   "BTS1"  then records  then 0x00 (end)
 *   0x01 varint(len) bytes           raw bytes of the tar stream
 *   0x02 varint(len) path varint(n)  n bytes of the regular file at path (relative to diff/)
 */
const MAGIC = Buffer.from('BTS1');
const T_END = 0;
const T_RAW = 1;
const T_FILE = 2;
const RAW_COALESCE = 64 * 1024;

export type SplitRecord = { raw: Buffer } | { path: Buffer; size: number };

function varint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** Streams tar-split records to a file, coalescing consecutive raw bytes. */
export class TarSplitWriter {
  private readonly gz: Gzip;
  private readonly out: WriteStream;
  private rawParts: Buffer[] = [];
  private rawLen = 0;
  private queued: Buffer[] = [];
  private failure: Error | null = null;
  private readonly done: Promise<void>;

  constructor(file: string) {
    this.gz = createGzip({ level: 4 });
    this.out = createWriteStream(file, { mode: 0o600 });
    this.done = pipeline(this.gz, this.out).catch((e: unknown) => {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
    });
    this.queued.push(MAGIC);
  }

  raw(b: Buffer): void {
    if (b.length === 0) return;
    this.rawParts.push(b);
    this.rawLen += b.length;
    if (this.rawLen >= RAW_COALESCE) this.flushRaw();
  }

  file(path: Buffer, size: number): void {
    this.flushRaw();
    const head: number[] = [T_FILE];
    varint(head, path.length);
    const tail: number[] = [];
    varint(tail, size);
    this.queued.push(Buffer.from(head), Buffer.from(path), Buffer.from(tail));
  }

  /** Hand queued records to gzip; resolves when it can take more. */
  async drain(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.queued.length === 0) return;
    const data = Buffer.concat(this.queued);
    this.queued = [];
    if (!this.gz.write(data)) await this.waitDrain();
  }

  /** Write the end record and close the file. */
  async finish(): Promise<void> {
    this.flushRaw();
    this.queued.push(Buffer.from([T_END]));
    await this.drain();
    this.gz.end();
    await this.done;
    if (this.failure) throw this.failure;
  }

  /** Stop without finishing (the file is left incomplete). */
  destroy(): void {
    this.gz.destroy();
  }

  private flushRaw(): void {
    if (this.rawLen === 0) return;
    const head: number[] = [T_RAW];
    varint(head, this.rawLen);
    this.queued.push(Buffer.from(head), ...this.rawParts);
    this.rawParts = [];
    this.rawLen = 0;
  }

  private async waitDrain(): Promise<void> {
    await drainedOrClosed(this.gz, this.out);
    if (this.failure) throw this.failure;
  }
}

/** Byte reader over an async iterable of chunks. */
class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private readonly it: AsyncIterator<Buffer>;
  constructor(src: AsyncIterable<Buffer>) {
    this.it = src[Symbol.asyncIterator]();
  }
  get available(): number {
    return this.buf.length - this.pos;
  }
  /** Ensure at least n bytes are buffered (n small); false at end of input. */
  async need(n: number): Promise<boolean> {
    while (this.available < n) {
      const r = await this.it.next();
      if (r.done) return false;
      this.buf = this.available === 0 ? r.value : Buffer.concat([this.buf.subarray(this.pos), r.value]);
      this.pos = 0;
    }
    return true;
  }
  take(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  byte(): number {
    return this.buf[this.pos++];
  }
  async varint(): Promise<number> {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (!(await this.need(1))) break;
      const b = this.byte();
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 0x80;
    }
    throw corrupt();
  }
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

function corrupt(): Error {
  return new SystemError('corrupt tar-split file');
}

/** Read a tar-split file; raw records arrive in pieces of at most a chunk. */
export async function* readTarSplit(file: string): AsyncGenerator<SplitRecord> {
  const rs = createReadStream(file, { highWaterMark: 256 * 1024 });
  const gunzip = createGunzip();
  rs.on('error', (e) => gunzip.destroy(e));
  const r = new ChunkReader(rs.pipe(gunzip));
  try {
    if (!(await r.need(4)) || !r.take(4).equals(MAGIC)) throw corrupt();
    for (;;) {
      if (!(await r.need(1))) throw corrupt();
      const t = r.byte();
      if (t === T_END) {
        // read on to the end, so that gzip checks its trailer
        if (await r.need(1)) throw corrupt();
        return;
      }
      if (t === T_RAW) {
        let left = await r.varint();
        while (left > 0) {
          if (!(await r.need(1))) throw corrupt();
          const piece = r.take(Math.min(left, r.available));
          left -= piece.length;
          yield { raw: piece };
        }
      } else if (t === T_FILE) {
        const len = await r.varint();
        if (len > 65536 || !(await r.need(len))) throw corrupt();
        const path = Buffer.from(r.take(len));
        yield { path, size: await r.varint() };
      } else {
        throw corrupt();
      }
    }
  } finally {
    rs.destroy();
    await r.close();
  }
}
