import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Duplex, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidParameterError, UnavailableError } from '../core/errors.ts';
import { zstdDecompressFrames } from './zstd-frames.ts';

export type Compression = 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** Media types for the compressed layer blob (Docker's for gzip, OCI's otherwise). */
export const COMPRESSED_MEDIA_TYPES: Record<Compression, string> = {
  gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  bzip2: 'application/vnd.oci.image.layer.v1.tar+bzip2',
  xz: 'application/vnd.oci.image.layer.v1.tar+xz',
};

const MAGICS: [Compression, Buffer][] = [
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
  ['bzip2', Buffer.from('BZh')],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
];

/** Compression detected from the first bytes of a stream (null: plain tar). */
export function detectCompression(head: Buffer): Compression | null {
  for (const [kind, magic] of MAGICS) {
    if (head.length >= magic.length && head.subarray(0, magic.length).equals(magic)) return kind;
  }
  return null;
}

/** The input as a source of buffers, with its compression sniffed and its bytes hashed when compressed. */
export interface SniffedInput {
  compression: Compression | null;
  source: AsyncIterable<Buffer>;
  /** Digest and size of the bytes read so far (final once `source` is drained). */
  compressed(): { digest: string; size: number };
}

function toBuffer(v: Buffer | Uint8Array | string): Buffer {
  if (typeof v === 'string') return Buffer.from(v);
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** `hashCompressed: false` skips the digest of compressed input (its caller checks the bytes itself). */
export async function sniffInput(input: Readable, hashCompressed = true): Promise<SniffedInput> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | Uint8Array | string>;
  const head: Buffer[] = [];
  let headLen = 0;
  let done = false;
  try {
    while (headLen < 6) {
      const r = await it.next();
      if (r.done) { done = true; break; }
      const b = toBuffer(r.value);
      head.push(b);
      headLen += b.length;
    }
  } catch (e) {
    await it.return?.();
    throw e;
  }
  const compression = detectCompression(Buffer.concat(head));
  const hash = compression && hashCompressed ? createHash('sha256') : null;
  let size = 0;
  async function* source(): AsyncGenerator<Buffer> {
    try {
      for (const b of head) {
        hash?.update(b);
        size += b.length;
        yield b;
      }
      while (!done) {
        const r = await it.next();
        if (r.done) break;
        const b = toBuffer(r.value);
        hash?.update(b);
        size += b.length;
        yield b;
      }
    } finally {
      await it.return?.();
    }
  }
  return {
    compression,
    source: source(),
    compressed: () => ({ digest: `sha256:${hash?.copy().digest('hex') ?? ''}`, size }),
  };
}

/** Decompressing stages, in order; `done` settles when a helper process exited (rejects on failure). */
export interface Decompressor {
  streams: Duplex[];
  done: Promise<void>;
  kill(): void;
}

export function createDecompressor(kind: Compression): Decompressor {
  if (kind === 'gzip') return zlibStage(createGunzip({ chunkSize: 1 << 20 }));
  if (kind === 'zstd') return zlibStage(zstdDecompressFrames());
  return processStage(kind, kind === 'xz' ? ['-dc', '-T0'] : ['-dc']);
}

function zlibStage(z: Duplex): Decompressor {
  return { streams: [z], done: Promise.resolve(), kill: () => z.destroy() };
}

function processStage(cmd: 'bzip2' | 'xz', args: string[]): Decompressor {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let killed = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => { if (stderr.length < 4096) stderr += s; });
  child.stdin.on('error', () => { /* reported through the exit status */ });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT'
        ? new UnavailableError(`cannot decompress ${cmd} layer: the ${cmd} program is not installed`)
        : e);
    });
    child.on('close', (code, signal) => {
      if (code === 0 || (killed && signal === 'SIGKILL')) resolve();
      else reject(new InvalidParameterError(`invalid ${cmd} layer data: ${stderr.trim() || `${cmd} exited with ${code ?? signal}`}`));
    });
  });
  done.catch(() => { /* observed by the caller */ });
  const stream = Duplex.from({ writable: child.stdin, readable: child.stdout });
  return {
    streams: [stream],
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    },
  };
}
