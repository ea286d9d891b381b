/**
 * `docker load`: read an image archive in one streaming pass. Layers are
 * handed to the sink while they stream by; the metadata (manifest.json, or
 * an OCI index.json) is interpreted at the end. On any failure every layer
 * unpacked so far is discarded.
 */
import type { Readable } from 'node:stream';
import { BerthError, InvalidParameterError } from '../../core/errors.ts';
import type { ExtractedLayer } from '../../core/layers/types.ts';
import { ArchiveFiles } from './files.ts';
import { ImageSet } from './images.ts';
import { readLegacyManifest } from './legacy.ts';
import { readOciLayout } from './oci.ts';
import { scanArchive, ScanError } from './scan.ts';
import { DEFAULT_MAX_METADATA, type ArchiveImage, type ArchiveSink, type ReadOptions } from './types.ts';

export type { ArchiveImage, ArchiveSink, ReadOptions } from './types.ts';

export async function readImageArchive(input: Readable, sink: ArchiveSink, opts: ReadOptions = {}): Promise<ArchiveImage[]> {
  const unpacked: ExtractedLayer[] = [];
  const cap = opts.maxMetadataSize ?? DEFAULT_MAX_METADATA;
  try {
    const scan = await scanArchive(input, sink, unpacked, { signal: opts.signal, maxMetadataSize: cap });
    const files = new ArchiveFiles(scan, sink, unpacked, cap);
    const images = new ImageSet(sink, unpacked);
    if (files.has('manifest.json')) await readLegacyManifest(files, images);
    else if (files.has('index.json')) await readOciLayout(files, images);
    else throw new InvalidParameterError('invalid image archive: neither manifest.json nor index.json found (not a docker save or OCI layout archive)');
    opts.signal?.throwIfAborted();
    const used = images.used();
    await discard(sink, unpacked.filter((l) => !used.has(l.cacheId)));
    return images.list();
  } catch (e) {
    await discard(sink, unpacked);
    throw explain(e, opts.signal);
  }
}

/** Discard layers one by one; a failing discard does not stop the others. */
async function discard(sink: ArchiveSink, layers: ExtractedLayer[]): Promise<void> {
  const seen = new Set<string>();
  for (const l of layers) {
    if (seen.has(l.cacheId)) continue;
    seen.add(l.cacheId);
    await sink.discardLayer(l.cacheId).catch(() => undefined);
  }
}

/** The error to report: the abort reason, the archive's own breakage, or the failure itself. */
function explain(e: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  let cause = e;
  if (e instanceof ScanError) cause = e.tarError ?? e.cause;
  if (cause instanceof BerthError) return cause;
  const msg = cause instanceof Error ? cause.message : String(cause);
  if (e instanceof ScanError && e.tarError) {
    return new InvalidParameterError(`invalid image archive: ${msg}`, { cause });
  }
  return new InvalidParameterError(`loading image archive: ${msg}`, { cause });
}
