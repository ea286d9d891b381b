import { Duplex, Readable } from 'node:stream';
import { createZstdDecompress } from 'node:zlib';
import { InvalidParameterError } from '../core/errors.ts';

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const S_MAGIC = 0;
const S_FHD = 1;
const S_HEADER_REST = 2;
const S_BLOCK = 3;
const S_CHECKSUM = 4;
const S_SKIP_LEN = 5;

/**
 * Follows the frame and block structure of zstd data (RFC 8878) without
 * decompressing it, so that a stream cut short is noticed: Node's zstd
 * decompressor ends quietly on truncated input.
 */
export class ZstdFrameTracker {
  private state = S_MAGIC;
  private need = 4;
  private head: number[] = [];
  private skip = 0;
  private checksum = false;

  /**
   * Consume bytes of the current frame: returns the offset just past its end
   * when the frame ends inside `chunk` (the rest belongs to the next frame),
   * or -1 when all of `chunk` belongs to it.
   */
  feed(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0 && this.state === S_MAGIC) return i;
        continue;
      }
      this.head.push(chunk[i++]);
      if (this.head.length === this.need) {
        const b = this.head;
        this.head = [];
        this.step(b);
        if (this.state === S_MAGIC && this.skip === 0) return i;
      }
    }
    return -1;
  }

  /** Check a whole stream at once (tests). */
  update(chunk: Buffer): void {
    for (let rest = chunk; rest.length > 0;) {
      const end = this.feed(rest);
      if (end < 0) break;
      rest = rest.subarray(end);
    }
  }

  /** Throws unless the data ended exactly after a complete frame. */
  end(): void {
    if (this.state !== S_MAGIC || this.head.length > 0 || this.skip > 0) {
      throw new InvalidParameterError('invalid zstd layer data: truncated frame');
    }
  }

  private step(b: number[]): void {
    const le = (n: number) => b.slice(0, n).reduceRight((v, x) => v * 256 + x, 0);
    switch (this.state) {
      case S_MAGIC: {
        const m = le(4);
        if (m === ZSTD_MAGIC) this.next(S_FHD, 1);
        else if (((m & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) this.next(S_SKIP_LEN, 4);
        else throw new InvalidParameterError('invalid zstd layer data: bad frame magic');
        return;
      }
      case S_FHD: {
        const fhd = b[0];
        if (fhd & 0x08) throw new InvalidParameterError('invalid zstd layer data: reserved bit set');
        const single = (fhd >> 5) & 1;
        this.checksum = ((fhd >> 2) & 1) === 1;
        const rest = (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + [single, 2, 4, 8][fhd >> 6];
        if (rest > 0) this.next(S_HEADER_REST, rest);
        else this.next(S_BLOCK, 3);
        return;
      }
      case S_HEADER_REST:
        this.next(S_BLOCK, 3);
        return;
      case S_BLOCK: {
        const h = le(3);
        const type = (h >> 1) & 3;
        if (type === 3) throw new InvalidParameterError('invalid zstd layer data: reserved block type');
        this.skip = type === 1 ? 1 : h >>> 3;
        if ((h & 1) === 0) this.next(S_BLOCK, 3);
        else if (this.checksum) this.next(S_CHECKSUM, 4);
        else this.next(S_MAGIC, 4);
        return;
      }
      case S_CHECKSUM:
        this.next(S_MAGIC, 4);
        return;
      default:
        this.skip = le(4);
        this.next(S_MAGIC, 4);
    }
  }

  private next(state: number, need: number): void {
    this.state = state;
    this.need = need;
  }
}

/**
 * zstd decompression frame by frame: Node's decompressor stops after the
 * first frame (zstd:chunked and pzstd write many) and ends quietly on
 * truncated input, so frames are found here and each gets a fresh one.
 */
export function zstdDecompressFrames(): Duplex {
  return Duplex.from(async function* (source: AsyncIterable<Buffer>) {
    const it = source[Symbol.asyncIterator]();
    const tracker = new ZstdFrameTracker();
    let carry: Buffer | null = null;
    const next = async (): Promise<Buffer | null> => {
      if (carry) {
        const c = carry;
        carry = null;
        return c;
      }
      const r = await it.next();
      return r.done ? null : r.value;
    };
    async function* frame(): AsyncGenerator<Buffer> {
      for (let c = await next(); c !== null; c = await next()) {
        const end = tracker.feed(c);
        if (end < 0) {
          yield c;
          continue;
        }
        if (end < c.length) carry = c.subarray(end);
        yield c.subarray(0, end);
        return;
      }
    }
    for (let c = await next(); c !== null; c = await next()) {
      carry = c;
      // a skippable frame goes through too: the decompressor skips it
      const feeder = Readable.from(frame(), { objectMode: false });
      const z = createZstdDecompress({ chunkSize: 128 * 1024 });
      feeder.on('error', (e) => z.destroy(e));
      feeder.pipe(z);
      try {
        for await (const out of z) yield out as Buffer;
      } finally {
        feeder.destroy();
      }
    }
    tracker.end();
  });
}
