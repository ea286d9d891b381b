import type { Readable } from 'node:stream';
import type { ExtractedLayer } from '../../core/layers/types.ts';

/** Where the archive reader puts layers (the layer store, wrapped by the image service). */
export interface ArchiveSink {
  /** Consume a layer tar (maybe compressed) to its end; report cacheId, diffId and sizes. */
  unpackLayer(stream: Readable): Promise<ExtractedLayer>;
  /** Remove a layer unpacked by unpackLayer (or duplicateLayer) that will not be used. */
  discardLayer(cacheId: string): Promise<void>;
  /**
   * Optional: a second, independent copy of an unpacked layer. Called when one
   * layer of the archive sits at two different positions of image chains (the
   * same diff over different parents), which one overlay directory cannot
   * serve. Without it the same ExtractedLayer is returned in both places.
   */
  duplicateLayer?(cacheId: string): Promise<ExtractedLayer>;
}

export interface ArchiveImage {
  /** The config blob, byte for byte. */
  config: Buffer;
  /** "sha256:" + sha256(config). */
  id: string;
  /** Tags as the archive names them, familiar form ("busybox:latest"). */
  repoTags: string[];
  /** Layers in rootfs order; diffIds equal the config's rootfs.diff_ids. */
  layers: ExtractedLayer[];
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Largest metadata file (JSON, small files) kept in memory; default 8 MiB. */
  maxMetadataSize?: number;
}

/** What one streaming pass learned about a file of the archive. */
export type ScannedFile =
  | { kind: 'data'; data: Buffer }
  | { kind: 'big'; size: number; json: boolean }
  | { kind: 'layer'; layer: ExtractedLayer };

export interface Scan {
  /** Regular files by normalised path. */
  files: Map<string, ScannedFile>;
  /** Symbolic and hard links: normalised path → normalised target. */
  links: Map<string, string>;
}

export const DEFAULT_MAX_METADATA = 8 * 1024 * 1024;
