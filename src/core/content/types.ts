import type { Readable } from 'node:stream';

/** Reads committed blobs by digest. */
export interface ContentProvider {
  has(digest: string): Promise<boolean>;
  read(digest: string): Promise<Buffer>;
  stream(digest: string, opts?: { start?: number }): Readable;
  size(digest: string): Promise<number>;
}

/** Writes blobs; a commit succeeds only when the bytes match the expected digest. */
export interface ContentIngester {
  /** Store bytes; returns their digest. Throws when `expected` is given and differs. */
  put(data: Buffer, expected?: string): Promise<string>;
  /**
   * Stream bytes in; same digest rule; nothing is visible until the digest checks.
   * `sync: false` skips the fsync (for caches whose users verify the digest again, e.g. pulled layer blobs).
   * `verified: true` (with `expected`): the input itself fails unless its bytes match `expected`
   * (a verifying download stream), so the store does not hash them again.
   */
  write(input: Readable, expected?: string, opts?: { signal?: AbortSignal; sync?: boolean; verified?: boolean }): Promise<{ digest: string; size: number }>;
  /** A new, empty file in the ingest area for a writer that checks the digest itself (no fsync on commit). */
  ingest(): Promise<IngestFile>;
}

/** A blob being written; invisible until committed, removed at daemon start when never committed. */
export interface IngestFile {
  path: string;
  /** Move the file into place as `digest` (the caller verified the bytes). */
  commit(digest: string): Promise<void>;
  /** Remove the file (missing is fine). */
  abort(): Promise<void>;
}

export interface ContentStore extends ContentProvider, ContentIngester {
  delete(digest: string): Promise<void>;
  list(): Promise<string[]>;
}
