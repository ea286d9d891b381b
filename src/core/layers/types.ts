import type { Readable } from 'node:stream';
import type { FileFeed } from './file-feed.ts';

/** A layer unpacked on disk, as returned by LayerFiles.unpack. */
export interface ExtractedLayer {
  /** Opaque id of the layer's directory inside the layer store. */
  cacheId: string;
  /** "sha256:<hex>" of the uncompressed tar stream. */
  diffId: string;
  /** Bytes of file content in this layer (sum of regular file sizes). */
  size: number;
  /** Bytes of the uncompressed tar stream. */
  tarSize: number;
  /** Set when the input was compressed: digest/size/media type of the compressed bytes. */
  compressed?: { digest: string; size: number; mediaType: string };
}

/**
 * The on-disk side of layers: unpacking tars into overlay-ready directories,
 * reproducing the exact original tar, and removing directories. Knows nothing
 * of images, chain IDs or reference counts (the image service keeps those).
 */
export interface LayerFiles {
  /** Unpack a layer tar (plain, gzip, zstd, bzip2 or xz; detected from magic bytes). */
  unpack(input: Readable, opts?: { signal?: AbortSignal }): Promise<ExtractedLayer>;
  /**
   * Unpack a layer from a file that is still being written (a download), off
   * the event loop. The writer verifies the file's bytes (and fails the feed
   * when they are wrong): the result has no `compressed` record.
   */
  unpackFile(feed: FileFeed, opts?: { signal?: AbortSignal }): Promise<ExtractedLayer>;
  /** Record the parent (for overlay lowerdir) and make the layer permanent. */
  commit(cacheId: string, parentCacheId: string | null): Promise<void>;
  /** Remove a layer directory (staged or committed). Missing is not an error. */
  remove(cacheId: string): Promise<void>;
  /** The exact original uncompressed tar bytes of the layer. */
  tarStream(cacheId: string): Readable;
  /** Remove every layer directory whose cacheId is not in `keep`; returns what was removed. */
  cleanup(keep: Set<string>): Promise<string[]>;
  /** Overlay lowerdir option value (short links, topmost first) for the chain ending at cacheId. */
  lowerDirs(cacheId: string): Promise<string>;
  /** Directory holding the layer's files. */
  diffDir(cacheId: string): string;
}
