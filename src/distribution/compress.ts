/**
 * gzip for pushing locally built layers, in the manner of pgzip: the input
 * is cut into 4 MiB windows compressed independently (raw deflate, level 1,
 * ending on a sync flush) by several threads at once, and a window that does
 * not compress (random or already-compressed data, judged from a sample) is
 * written as stored blocks instead. The windows are joined into one deflate
 * stream with one CRC-32: ordinary single-member gzip for every reader.
 */
import { Transform } from 'node:stream';
import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib';

const WINDOW = 4 << 20;
const SAMPLE = 64 << 10;
const INCOMPRESSIBLE = 0.95;
const PARALLEL = 4;
const STORED_MAX = 65535;
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
const FINAL_EMPTY_STORED = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

/** Non-final stored deflate blocks holding `data` (the stream is byte-aligned before and after). */
export function storedBlocks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += STORED_MAX) {
    const len = Math.min(STORED_MAX, data.length - off);
    const h = Buffer.alloc(5);
    h[0] = 0x00;
    h.writeUInt16LE(len, 1);
    h.writeUInt16LE(~len & 0xffff, 3);
    out.push(h, data.subarray(off, off + len));
  }
  return out;
}

function compressWindow(win: Buffer): Promise<Buffer[]> {
  const sample = win.subarray(0, SAMPLE);
  const trial = deflateRawSync(sample, { level: 1 });
  if (trial.length > sample.length * INCOMPRESSIBLE) return Promise.resolve(storedBlocks(win));
  return new Promise((resolve, reject) => {
    deflateRaw(win, { level: 1, finishFlush: constants.Z_SYNC_FLUSH }, (err, out) => (err ? reject(err) : resolve([out])));
  });
}

export function adaptiveGzip(): Transform {
  let crc = 0;
  let size = 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const inFlight: Promise<Buffer[]>[] = [];
  let headerSent = false;

  const take = (): Buffer => {
    const all = Buffer.concat(pending, pendingLen);
    const win = all.subarray(0, WINDOW);
    const rest = all.subarray(WINDOW);
    pending = rest.length ? [rest] : [];
    pendingLen = rest.length;
    return win;
  };

  return new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      pending.push(chunk);
      pendingLen += chunk.length;
      if (!headerSent) {
        headerSent = true;
        this.push(HEADER);
      }
      (async () => {
        while (pendingLen >= WINDOW) {
          inFlight.push(compressWindow(take()));
          if (inFlight.length >= PARALLEL) for (const b of await inFlight.shift()!) this.push(b);
        }
      })().then(() => cb(), cb);
    },
    flush(cb) {
      (async () => {
        if (!headerSent) this.push(HEADER);
        if (pendingLen > 0) inFlight.push(compressWindow(take()));
        while (inFlight.length) for (const b of await inFlight.shift()!) this.push(b);
        this.push(FINAL_EMPTY_STORED);
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(crc >>> 0, 0);
        trailer.writeUInt32LE(size % 2 ** 32, 4);
        this.push(trailer);
      })().then(() => cb(), cb);
    },
  });
}
