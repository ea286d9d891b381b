/**
 * Stream plumbing for the archive reader: looking at the first bytes of a
 * stream without losing them, and undoing a compression of the whole archive
 * (`docker load < image.tar.gz` is accepted by docker too).
 */
import { spawn } from 'node:child_process';
import { PassThrough, Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { detectCompression } from './sniff.ts';

export interface Head {
  chunks: Buffer[];
  length: number;
  /** The iterator was exhausted while reading the head. */
  done: boolean;
}

/** Pull chunks from `it` until at least `n` bytes (or the end) were seen. */
export async function takeHead(it: AsyncIterator<Buffer>, n: number): Promise<Head> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const r = await it.next();
    if (r.done) return { chunks, length, done: true };
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(chunk);
    length += chunk.length;
  }
  return { chunks, length, done: false };
}

/**
 * A byte stream that yields the head, then the rest of `it`. `onEnd` runs once
 * the iterator is exhausted (before the stream ends).
 */
export function prepend(head: Head, it: AsyncIterator<Buffer>, onEnd?: () => void): Readable {
  async function* all(): AsyncGenerator<Buffer> {
    yield* head.chunks;
    if (!head.done) {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      }
    }
    onEnd?.();
  }
  return Readable.from(all(), { objectMode: false });
}

/**
 * The archive's tar bytes: `input` itself, or its decompression when it starts
 * with a gzip, zstd, bzip2 or xz magic. `input` is never destroyed here.
 */
export async function openArchive(input: Readable): Promise<Readable> {
  const it = input.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  const head = await takeHead(it, 6);
  const raw = prepend(head, it);
  switch (detectCompression(Buffer.concat(head.chunks))) {
    case null: return raw;
    case 'gzip': return pipeline(raw, zlib.createGunzip(), () => {});
    case 'zstd': return pipeline(raw, zlib.createZstdDecompress(), () => {});
    case 'bzip2': return viaCommand('bzip2', raw);
    case 'xz': return viaCommand('xz', raw);
  }
}

/** Decompress with `<cmd> -dc`; a non-zero exit becomes a stream error. */
function viaCommand(cmd: string, raw: Readable): Readable {
  const out = new PassThrough();
  const child = spawn(cmd, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-2000); });
  child.on('error', (e) => out.destroy(new Error(`${cmd}: ${e.message}`)));
  child.stdin.on('error', () => { /* reported through the exit status */ });
  raw.on('error', (e) => { out.destroy(e); child.kill(); });
  raw.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new Error(`${cmd} -d failed: ${stderr.trim() || `exit status ${code}`}`));
  });
  out.on('close', () => { if (child.exitCode === null) child.kill(); raw.destroy(); });
  return out;
}
