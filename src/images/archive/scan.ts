/**
 * The one streaming pass over an image archive: layers go to the sink as they
 * stream by (speculatively: no manifest has been read yet), metadata is kept
 * in memory, links are remembered as path aliases.
 */
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { InvalidParameterError } from '../../core/errors.ts';
import type { ExtractedLayer } from '../../core/layers/types.ts';
import { looksLikeJson, looksLikeLayer, SNIFF_BYTES } from './sniff.ts';
import { openArchive, prepend, takeHead } from './source.ts';
import type { ArchiveSink, Scan, ScannedFile } from './types.ts';

/** Archive path in one canonical form: no leading "./" or "/", no trailing "/". */
export function normalizePath(p: string): string {
  return posix.normalize('/' + p).replace(/^\/+/, '').replace(/\/+$/, '');
}

export interface ScanOptions {
  signal?: AbortSignal;
  maxMetadataSize: number;
}

/** Thrown by scanArchive; `tarError` is set when the archive itself is broken. */
export class ScanError extends Error {
  readonly tarError: Error | null;
  constructor(cause: unknown, tarError: Error | null) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.tarError = tarError;
  }
}

/**
 * Read the whole archive once. Every layer handed to the sink is pushed to
 * `unpacked` as soon as it exists, so that the caller can discard it on error.
 */
export async function scanArchive(input: Readable, sink: ArchiveSink, unpacked: ExtractedLayer[], opts: ScanOptions): Promise<Scan> {
  const files = new Map<string, ScannedFile>();
  const links = new Map<string, string>();
  const extract = tar.extract();
  let tarError: Error | null = null;
  extract.on('error', (e: Error) => { tarError ??= e; });
  const onAbort = () => extract.destroy(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let source: Readable | null = null;
  const ctx: FileContext = { sink, unpacked, cap: opts.maxMetadataSize, budget: opts.maxMetadataSize * TOTAL_FACTOR };
  try {
    opts.signal?.throwIfAborted();
    source = await openArchive(input);
    feed(source, extract).catch((e: Error) => extract.destroy(e));
    for await (const entry of extract) {
      const h = entry.header;
      const name = normalizePath(h.name);
      if (h.type === 'file' || h.type === 'contiguous-file') {
        links.delete(name);
        files.set(name, await readFile(entry, name, ctx));
        continue;
      }
      if (h.type === 'symlink' && h.linkname) {
        const target = h.linkname.startsWith('/') ? h.linkname : posix.join(posix.dirname(name), h.linkname);
        files.delete(name);
        links.set(name, normalizePath(target));
      } else if (h.type === 'link' && h.linkname) {
        files.delete(name);
        links.set(name, normalizePath(h.linkname));
      }
      await drain(entry);
    }
    if (tarError) throw tarError;
    return { files, links };
  } catch (e) {
    source?.destroy();
    throw new ScanError(e, tarError);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Copy the archive bytes into the tar parser, with backpressure. */
async function feed(source: Readable, extract: tar.Extract): Promise<void> {
  for await (const chunk of source) {
    if (extract.destroyed) return;
    if (!extract.write(chunk)) await drainOrClose(extract);
  }
  extract.end();
}

function drainOrClose(w: tar.Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { w.off('drain', done); w.off('close', done); resolve(); };
    w.on('drain', done);
    w.on('close', done);
  });
}

async function drain(entry: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of entry) { /* discard */ }
}

/** Small files kept in memory may add up to this many times the per-file cap. */
const TOTAL_FACTOR = 16;

interface FileContext { sink: ArchiveSink; unpacked: ExtractedLayer[]; cap: number; budget: number }

async function readFile(entry: tar.Entry, name: string, ctx: FileContext): Promise<ScannedFile> {
  const it = entry[Symbol.asyncIterator]();
  const head = await takeHead(it, SNIFF_BYTES);
  const first = Buffer.concat(head.chunks);
  if (looksLikeLayer(first)) {
    let complete = head.done;
    const stream = prepend(head, it, () => { complete = true; });
    let layer: ExtractedLayer;
    try {
      layer = await ctx.sink.unpackLayer(stream);
    } finally {
      if (!complete) stream.destroy();
    }
    ctx.unpacked.push(layer);
    if (!complete) throw new Error(`layer ${name} was not read to its end`);
    return { kind: 'layer', layer };
  }
  // Metadata (or something unknown): keep it if small, else only its size.
  const chunks: Buffer[] = [first];
  let size = first.length;
  while (!head.done) {
    const r = await it.next();
    if (r.done) break;
    size += r.value.length;
    if (size <= ctx.cap) chunks.push(r.value);
    else chunks.length = 0;
  }
  if (size > ctx.cap) return { kind: 'big', size, json: looksLikeJson(first) };
  ctx.budget -= size;
  if (ctx.budget < 0) throw new InvalidParameterError(`invalid image archive: more than ${ctx.cap * TOTAL_FACTOR} bytes of metadata files`);
  return { kind: 'data', data: Buffer.concat(chunks) };
}
