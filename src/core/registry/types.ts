/** Shapes of the registry: media types, descriptors, the storage driver interface, access scopes. */
import type { Readable } from 'node:stream';

export const MT = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export const INDEX_TYPES: ReadonlySet<string> = new Set([MT.dockerList, MT.ociIndex]);
export const IMAGE_TYPES: ReadonlySet<string> = new Set([MT.dockerManifest, MT.ociManifest]);

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Record<string, unknown>;
}

export interface FileInfo { size: number; modTime: Date; isDir: boolean }

/**
 * A key/value view of storage, the same operations as distribution's storage
 * drivers, so that an S3-compatible backend can replace the filesystem one.
 * Paths are '/'-separated keys below the driver's root, built only by the
 * registry's path helpers (never from unchecked input).
 */
export interface StorageDriver {
  readonly name: string;
  /** Whole content; throws PathNotFoundError. */
  getContent(path: string): Promise<Buffer>;
  /** Replaces the content atomically: readers see the old or the new bytes, never a part. */
  putContent(path: string, data: Buffer): Promise<void>;
  /** Streams [start, end] (inclusive; end defaults to the last byte); throws PathNotFoundError. */
  reader(path: string, start?: number, end?: number): Promise<Readable>;
  /** Appends a stream to a file (created when missing); resolves to the new size. On failure the file is cut back to its old size. */
  append(path: string, input: Readable, opts?: { onChunk?: (b: Buffer) => void; limit?: number }): Promise<number>;
  /** Info or null when missing. */
  stat(path: string): Promise<FileInfo | null>;
  /** Names of the children of a directory ([] when missing). */
  list(path: string): Promise<string[]>;
  /** Moves a file into place atomically (durably written first). */
  move(src: string, dst: string): Promise<void>;
  /** Removes a file or a whole tree; missing is fine. */
  delete(path: string): Promise<void>;
  /** Sets a file's modification time to now (GC grace periods); missing is fine. */
  touch(path: string): Promise<void>;
}

export type Action = 'pull' | 'push' | 'delete' | '*';

/** One resource of a token scope: `repository:NAME:pull,push`. */
export interface AccessEntry { type: string; name: string; actions: string[] }

/** What `berth registry ...` loads from src/registry/main.ts (the CLI does not link the server). */
export interface RegistryProgram {
  serve(opts: { configFile?: string; flags: Record<string, unknown>; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; signal?: AbortSignal }): Promise<number>;
  garbageCollect(opts: { configFile?: string; flags: Record<string, unknown>; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number>;
}
