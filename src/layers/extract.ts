import { createHash } from 'node:crypto';
import { bulkHash } from '../content/offthread-hash.ts';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExtractedLayer } from '../core/layers/types.ts';
import { InvalidParameterError, isBerthError, SystemError, errorMessage } from '../core/errors.ts';
import { COMPRESSED_MEDIA_TYPES, createDecompressor, sniffInput, type Decompressor } from './decompress.ts';
import { TarExtractor } from './gnu-tar.ts';
import { replayTar } from './replay.ts';
import { TarSplitWriter } from './tar-split-file.ts';
import { TarSplitter } from './tar-splitter.ts';
import { EntryTracker, runScript, whiteoutScript } from './whiteouts.ts';

export const TAR_SPLIT = 'tar-split';
/** Present instead of tar-split when the layer's tar cannot be rebuilt from its files. */
export const TAR_SPLIT_UNUSABLE = 'tar-split.unusable';
const EMPTY_ARCHIVE = Buffer.alloc(1024);

/**
 * Unpack a layer stream into `<layerDir>/diff` and write `<layerDir>/tar-split`.
 * The caller removes layerDir when this throws.
 */
export async function extractLayer(
  layerDir: string,
  input: Readable,
  signal?: AbortSignal,
  opts: { hashCompressed?: boolean } = {},
): Promise<Omit<ExtractedLayer, 'cacheId'>> {
  signal?.throwIfAborted();
  const diff = join(layerDir, 'diff');
  await mkdir(diff, { recursive: true, mode: 0o755 });

  let tar: TarExtractor | null = null;
  let decomp: Decompressor | null = null;
  const hash = bulkHash('sha256');
  const onAbort = () => {
    input.destroy(signal?.reason instanceof Error ? signal.reason : undefined);
    tar?.kill();
    decomp?.kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const sniffed = await sniffInput(input, opts.hashCompressed !== false);
    const tracker = new EntryTracker();
    const split = new TarSplitWriter(join(layerDir, TAR_SPLIT));
    let tarSize = 0;
    const splitter = new TarSplitter({
      raw: (b) => split.raw(b),
      file: (p, s) => split.file(p, s),
      entry: (e) => tracker.entry(e),
    });
    const t = new TarExtractor(diff);
    tar = t;
    const sink = new Writable({
      highWaterMark: 256 * 1024,
      write(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        tarSize += chunk.length;
        let fwd: number;
        try {
          fwd = splitter.write(chunk);
        } catch (e) {
          cb(e as Error);
          return;
        }
        const toTar = fwd === 0 ? Promise.resolve() : t.write(fwd === chunk.length ? chunk : chunk.subarray(0, fwd));
        Promise.all([toTar, split.drain()]).then(() => cb(), cb);
      },
      final(cb) {
        (async () => {
          splitter.end();
          if (tarSize === 0) await t.write(EMPTY_ARCHIVE);
          t.end();
          await split.finish();
        })().then(() => cb(), cb);
      },
    });

    const stages: (AsyncIterable<Buffer> | NodeJS.ReadWriteStream | Writable)[] = [sniffed.source];
    if (sniffed.compression) {
      decomp = createDecompressor(sniffed.compression);
      stages.push(...decomp.streams);
    }
    stages.push(sink);
    let failure: unknown = null;
    const d = decomp;
    // a tar that gave up stops the pipeline at once, even while the input is idle
    const tarGaveUp = new AbortController();
    void t.exited.then((x) => { if (x.code !== 0) tarGaveUp.abort(); });
    const stop = signal ? AbortSignal.any([signal, tarGaveUp.signal]) : tarGaveUp.signal;
    const [, tarExit, decompExit] = await Promise.all([
      (pipeline as (s: unknown[], o: object) => Promise<void>)(stages, { signal: stop }).catch((e: unknown) => {
        failure ??= e;
        t.kill();
        d?.kill();
        split.destroy();
      }),
      t.exited,
      d ? d.done.then(() => null, (e: unknown) => e) : null,
    ]);

    signal?.throwIfAborted();
    if (decompExit) throw decompExit;
    if (isZlibError(failure)) {
      throw new InvalidParameterError(`invalid ${sniffed.compression} layer data: ${errorMessage(failure)}`, { cause: failure });
    }
    if (isBerthError(failure)) throw failure;
    if (tarExit.error) throw new SystemError(`cannot run tar: ${tarExit.error.message}`, { cause: tarExit.error });
    // tar's own complaint explains a broken pipe; a tar we killed explains nothing
    const tarFailed = tarExit.code !== 0 && !(tarExit.code === null && t.killed && failure);
    if (tarFailed) {
      throw new InvalidParameterError(`extracting layer failed: ${tarExit.stderr || `tar exited with ${tarExit.code ?? tarExit.signal}`}`);
    }
    if (failure) throw failure;

    if (tracker.hasWork) await runScript(await whiteoutScript(diff, tracker), signal);
    const diffId = `sha256:${await hash.digest()}`;
    if (tracker.ambiguous && (await replayDigest(layerDir, diff)) !== diffId) {
      await rename(join(layerDir, TAR_SPLIT), join(layerDir, TAR_SPLIT_UNUSABLE));
    }
    signal?.throwIfAborted();
    const result: Omit<ExtractedLayer, 'cacheId'> = { diffId, size: splitter.contentSize, tarSize };
    if (sniffed.compression && opts.hashCompressed !== false) {
      result.compressed = { ...sniffed.compressed(), mediaType: COMPRESSED_MEDIA_TYPES[sniffed.compression] };
    }
    return result;
  } finally {
    hash.discard();
    signal?.removeEventListener('abort', onAbort);
    tar?.kill();
    decomp?.kill();
  }
}

/** Errors of Node's gzip/zstd decompressors (Z_DATA_ERROR, ZSTD_error_corruption_detected, ...). */
function isZlibError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ZSTD_'));
}

async function replayDigest(layerDir: string, diff: string): Promise<string> {
  const h = createHash('sha256');
  try {
    for await (const chunk of replayTar(join(layerDir, TAR_SPLIT), diff)) h.update(chunk as Buffer);
  } catch {
    return '';
  }
  return `sha256:${h.digest('hex')}`;
}
