import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ContentStore, IngestFile } from '../core/content/types.ts';
import { writeFileAtomic } from './atomic.ts';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';

const DIGEST_RE = /^(sha256|sha512):([a-f0-9]+)$/;
const HEX_LEN: Record<string, number> = { sha256: 64, sha512: 128 };

function splitDigest(digest: string): [string, string] {
  const m = DIGEST_RE.exec(digest);
  if (!m || m[2].length !== HEX_LEN[m[1]]) throw new InvalidParameterError(`invalid digest: ${JSON.stringify(digest)}`);
  return [m[1], m[2]];
}

/**
 * Content-addressed blobs on the filesystem: `<root>/blobs/<alg>/<hex>`.
 * Writes go to `<root>/ingest/` first, are fsynced, checked against the
 * expected digest and only then renamed into place.
 */
export class FsContentStore implements ContentStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  async init(): Promise<void> {
    await mkdir(join(this.root, 'blobs', 'sha256'), { recursive: true });
    await mkdir(join(this.root, 'blobs', 'sha512'), { recursive: true });
    // Leftovers of interrupted writes are never valid content.
    await rm(join(this.root, 'ingest'), { recursive: true, force: true });
    await mkdir(join(this.root, 'ingest'), { recursive: true });
  }

  path(digest: string): string {
    const [alg, hex] = splitDigest(digest);
    return join(this.root, 'blobs', alg, hex);
  }

  async has(digest: string): Promise<boolean> {
    try {
      await stat(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  async read(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.path(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`content ${digest}: not found`);
      throw e;
    }
  }

  stream(digest: string, opts?: { start?: number }): Readable {
    return createReadStream(this.path(digest), { start: opts?.start, highWaterMark: 1 << 20 });
  }

  async size(digest: string): Promise<number> {
    return (await stat(this.path(digest))).size;
  }

  async put(data: Buffer, expected?: string): Promise<string> {
    const alg = expected === undefined ? 'sha256' : splitDigest(expected)[0];
    const digest = `${alg}:${createHash(alg).update(data).digest('hex')}`;
    if (expected !== undefined && digest !== expected) throw new InvalidParameterError(`digest mismatch: expected ${expected}, got ${digest}`);
    const final = this.path(digest);
    await writeFileAtomic(join(this.root, 'ingest', randomBytes(12).toString('hex')), final, data);
    return digest;
  }

  async write(input: Readable, expected?: string, opts?: { signal?: AbortSignal; sync?: boolean; verified?: boolean }): Promise<{ digest: string; size: number }> {
    const alg = expected === undefined ? 'sha256' : splitDigest(expected)[0];
    const trusted = opts?.verified === true && expected !== undefined;
    const hash = createHash(alg);
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        if (!trusted) hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    const tmp = join(this.root, 'ingest', randomBytes(12).toString('hex'));
    try {
      const out = createWriteStream(tmp, { mode: 0o644, highWaterMark: 1 << 20 });
      await pipeline(input, tap, out, { signal: opts?.signal });
      if (opts?.sync !== false) {
        const fh = await open(tmp, 'r');
        try { await fh.sync(); } finally { await fh.close(); }
      }
      const digest = trusted ? expected : `${alg}:${hash.digest('hex')}`;
      if (expected !== undefined && digest !== expected) throw new InvalidParameterError(`digest mismatch: expected ${expected}, got ${digest}`);
      await rename(tmp, this.path(digest));
      return { digest, size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async ingest(): Promise<IngestFile> {
    const path = join(this.root, 'ingest', randomBytes(12).toString('hex'));
    await (await open(path, 'wx', 0o644)).close();
    return {
      path,
      commit: async (digest: string) => { await rename(path, this.path(digest)); },
      abort: async () => { await rm(path, { force: true }); },
    };
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const alg of ['sha256', 'sha512']) {
      const names = await readdir(join(this.root, 'blobs', alg)).catch(() => [] as string[]);
      for (const n of names) out.push(`${alg}:${n}`);
    }
    return out;
  }
}
