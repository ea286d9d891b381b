/**
 * Blobs and upload sessions. An upload's bytes are appended to
 * `_uploads/<id>/data` (streamed, bounded memory); the running sha256 is kept
 * in memory while the file and the hash agree, and recomputed from the file
 * otherwise (after a restart, a dropped chunk, or a sha512 digest). Commit
 * checks the digest, fsyncs and renames the file into the blob store, then
 * links the blob into the repository.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PathNotFoundError, RegistryError } from '../core/registry/errors.ts';
import { checkDigest, isValidUploadId } from '../core/registry/names.ts';
import type { StorageDriver } from '../core/registry/types.ts';
import { paths } from './paths.ts';
import type { RwLock } from './rwlock.ts';

interface HashState { hash: Hash; size: number }

export class BlobStore {
  readonly driver: StorageDriver;
  readonly lock: RwLock;
  private readonly hashes = new Map<string, HashState>();
  /** Uploads with a chunk being written, and their size before it (what a status request reports). */
  private readonly busy = new Map<string, number>();

  constructor(driver: StorageDriver, lock: RwLock) {
    this.driver = driver;
    this.lock = lock;
  }

  /** Size of a stored blob, or null. */
  async size(digest: string): Promise<number | null> {
    const s = await this.driver.stat(paths.blobData(digest));
    return s && !s.isDir ? s.size : null;
  }

  /** True when the blob exists and is linked into the repository (as a layer/config or a manifest). */
  async linked(name: string, digest: string): Promise<boolean> {
    const [l, r] = await Promise.all([this.driver.stat(paths.layerLink(name, digest)), this.driver.stat(paths.revisionLink(name, digest))]);
    return l !== null || r !== null;
  }

  /** The size of a blob the repository may serve, or a BLOB_UNKNOWN error. */
  async statLinked(name: string, digest: string): Promise<number> {
    checkDigest(digest);
    const [ok, size] = await Promise.all([this.linked(name, digest), this.size(digest)]);
    if (!ok || size === null) throw new RegistryError('BLOB_UNKNOWN', { detail: { digest } });
    return size;
  }

  async link(name: string, digest: string): Promise<void> {
    await this.driver.putContent(paths.layerLink(name, digest), Buffer.from(digest));
  }

  /** Marks a blob as recently used so that a concurrent GC keeps it (grace period). */
  async touch(name: string, digest: string): Promise<void> {
    await Promise.all([this.driver.touch(paths.blobData(digest)), this.driver.touch(paths.layerLink(name, digest))]);
  }

  async reader(digest: string, start?: number, end?: number): Promise<Readable> {
    try {
      return await this.driver.reader(paths.blobData(digest), start, end);
    } catch (e) {
      if (e instanceof PathNotFoundError) throw new RegistryError('BLOB_UNKNOWN', { detail: { digest } });
      throw e;
    }
  }

  /** Removes the repository's link (the data goes when GC finds it unreferenced). */
  async unlink(name: string, digest: string): Promise<void> {
    if (!(await this.driver.stat(paths.layerLink(name, digest)))) throw new RegistryError('BLOB_UNKNOWN', { detail: { digest } });
    await this.driver.delete(paths.layerLink(name, digest).replace(/\/link$/, ''));
  }

  // ---- uploads ----

  async startUpload(name: string): Promise<string> {
    const id = randomUUID();
    await this.driver.putContent(paths.uploadStarted(name, id), Buffer.from(new Date().toISOString()));
    this.hashes.set(id, { hash: createHash('sha256'), size: 0 });
    return id;
  }

  /** Current size of an upload; BLOB_UPLOAD_UNKNOWN when there is none. */
  async uploadSize(name: string, id: string): Promise<number> {
    if (!isValidUploadId(id)) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', { detail: { uuid: id } });
    const started = await this.driver.stat(paths.uploadStarted(name, id));
    if (!started) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', { detail: { uuid: id } });
    const before = this.busy.get(`${name}/${id}`);
    if (before !== undefined) return before;
    return (await this.driver.stat(paths.uploadData(name, id)))?.size ?? 0;
  }

  /**
   * Appends a chunk. `start` (from Content-Range) must equal the current size,
   * else 416 with the current Range. Returns the new size.
   */
  async appendUpload(name: string, id: string, body: Readable, opts: { start?: number; end?: number; limit?: number }): Promise<number> {
    const key = `${name}/${id}`;
    const size = await this.uploadSize(name, id);
    if (this.busy.has(key)) throw rangeError(size, 'another request is writing to this upload');
    this.busy.set(key, size);
    try {
      if (opts.start !== undefined && opts.start !== size) throw rangeError(size, `chunk starts at ${opts.start}, upload is at ${size}`);
      let state = this.hashes.get(id);
      if (state && state.size !== size) { this.hashes.delete(id); state = undefined; }
      if (!state && size === 0) { state = { hash: createHash('sha256'), size: 0 }; this.hashes.set(id, state); }
      let seen = size;
      const after = await this.driver.append(paths.uploadData(name, id), body, {
        limit: opts.limit,
        onChunk: (b) => { seen += b.length; state?.hash.update(b); },
      }).catch((e) => { this.hashes.delete(id); throw e; });
      if (state) state.size = seen;
      return after;
    } finally {
      this.busy.delete(key);
    }
  }

  /** Verifies the digest and moves the upload into the blob store, linked into `name`. */
  async commitUpload(name: string, id: string, digest: string): Promise<number> {
    const want = checkDigest(digest);
    const size = await this.uploadSize(name, id);
    if (this.busy.has(`${name}/${id}`)) throw rangeError(size, 'another request is writing to this upload');
    let actual: string;
    const state = this.hashes.get(id);
    if (want.algorithm === 'sha256' && state && state.size === size) actual = `sha256:${state.hash.copy().digest('hex')}`;
    else actual = await this.hashFile(paths.uploadData(name, id), want.algorithm);
    if (actual !== digest) {
      await this.cancelUpload(name, id);
      throw new RegistryError('DIGEST_INVALID', { detail: { expected: digest, actual } });
    }
    await this.lock.read(async () => {
      if (size === 0 && !(await this.driver.stat(paths.uploadData(name, id)))) await this.driver.putContent(paths.uploadData(name, id), Buffer.alloc(0));
      await this.driver.move(paths.uploadData(name, id), paths.blobData(digest));
      await this.link(name, digest);
      // A slow upload's file can be old: the blob is new to GC from now on.
      await this.driver.touch(paths.blobData(digest));
    });
    await this.driver.delete(paths.upload(name, id));
    this.hashes.delete(id);
    return size;
  }

  async cancelUpload(name: string, id: string): Promise<void> {
    await this.uploadSize(name, id);
    this.hashes.delete(id);
    await this.driver.delete(paths.upload(name, id));
  }

  /** Stores a blob in one go (POST ?digest= or PUT after an empty POST). */
  async putMonolithic(name: string, digest: string, body: Readable, limit?: number): Promise<number> {
    checkDigest(digest);
    const id = await this.startUpload(name);
    try {
      await this.appendUpload(name, id, body, { limit });
    } catch (e) {
      await this.cancelUpload(name, id).catch(() => {});
      throw e;
    }
    return this.commitUpload(name, id, digest);
  }

  private async hashFile(path: string, algorithm: string): Promise<string> {
    const h = createHash(algorithm);
    const stat = await this.driver.stat(path);
    if (stat && stat.size > 0) for await (const c of await this.driver.reader(path)) h.update(c as Buffer);
    return `${algorithm}:${h.digest('hex')}`;
  }
}

export function rangeError(size: number, message: string): RegistryError {
  return new RegistryError('BLOB_UPLOAD_INVALID', { status: 416, message, headers: { Range: `0-${Math.max(size - 1, 0)}` } });
}
