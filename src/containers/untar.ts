/*
 * Extract a client's tar (plain or compressed) into an empty staging
 * directory with GNU tar, checking every header on the way (names with a
 * ".." component are refused) and noting which members the archive names.
 */
import { execFile, spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { InvalidParameterError, SystemError, isBerthError } from '../core/errors.ts';
import { createDecompressor, sniffInput } from '../layers/decompress.ts';
import { TAR_EXTRACT_FLAGS } from '../layers/gnu-tar.ts';
import { TarSplitter } from '../layers/tar-splitter.ts';
import { drainedOrClosed } from '../core/streams.ts';

const run = promisify(execFile);
const EMPTY_ARCHIVE = Buffer.alloc(1024);

export interface Owner { uid: number; gid: number }

/** dockerd's wording for a failed extraction (its untar runs as a child process too). */
export function untarError(message: string): SystemError {
  return new SystemError(`Error processing tar file(exit status 1): ${message}`);
}

/** GNU tar for cp: layer flags, without overlay's own attributes. */
export const CP_EXTRACT_FLAGS = [...TAR_EXTRACT_FLAGS, '--xattrs-exclude=trusted.overlay.*'];

/** `tar -x` in `dir`, fed through stdin with backpressure. */
function spawnTar(dir: string) {
  const child = spawn('tar', [...CP_EXTRACT_FLAGS, '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => { stderr = (stderr + s).slice(-4096); });
  child.stdin.on('error', () => { /* reported through the exit status */ });
  const exited = new Promise<{ code: number | null; error: Error | null; stderr: string }>((resolve) => {
    let error: Error | null = null;
    child.on('error', (e) => { error = e; });
    child.on('close', (code) => resolve({ code, error, stderr: stderr.trim() }));
  });
  return {
    exited,
    async write(b: Buffer): Promise<void> {
      if (child.stdin.destroyed) throw new Error('tar stopped reading the archive');
      if (child.stdin.write(b)) return;
      await drainedOrClosed(child.stdin).catch(() => undefined);
    },
    end: (): void => { child.stdin.end(); },
    kill: (): void => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
  };
}

async function* decompressed(input: Readable): AsyncGenerator<Buffer> {
  const sniffed = await sniffInput(input);
  if (!sniffed.compression) {
    yield* sniffed.source;
    return;
  }
  const d = createDecompressor(sniffed.compression);
  const out = new PassThrough();
  const piped = pipeline([Readable.from(sniffed.source), ...d.streams, out]);
  piped.catch(() => undefined);
  try {
    for await (const b of out) yield b as Buffer;
    await piped;
    await d.done;
  } finally {
    d.kill();
  }
}

/**
 * Extract `input` into `dir`; returns the member paths the archive names
 * (normalised, latin1 keys). With `owner`, everything extracted gets that
 * uid/gid (`docker cp -a`).
 */
export async function untarInto(dir: string, input: Readable, signal: AbortSignal, owner: Owner | null): Promise<Set<string>> {
  const explicit = new Set<string>();
  const splitter = new TarSplitter({
    raw: () => undefined,
    file: () => undefined,
    entry: (e) => { if (e.path) explicit.add(e.path.toString('latin1')); },
  });
  const tar = spawnTar(dir);
  const stop = (): void => { tar.kill(); input.destroy(); };
  signal.addEventListener('abort', stop, { once: true });
  let failure: unknown = null;
  let total = 0;
  try {
    for await (const chunk of decompressed(input)) {
      total += chunk.length;
      const fwd = splitter.write(chunk);
      if (fwd > 0) await tar.write(fwd === chunk.length ? chunk : chunk.subarray(0, fwd));
    }
    splitter.end();
    if (total === 0) await tar.write(EMPTY_ARCHIVE);
  } catch (e) {
    failure = e;
    tar.kill();
  } finally {
    tar.end();
    signal.removeEventListener('abort', stop);
  }
  const exit = await tar.exited;
  if (signal.aborted) throw new InvalidParameterError('client went away');
  if (isBerthError(failure)) throw failure;
  if (exit.error) throw new SystemError(`cannot run tar: ${exit.error.message}`, { cause: exit.error });
  if (exit.code !== 0) {
    const why = exit.stderr.split('\n').filter((l) => !/Exiting with failure status|Removing leading/.test(l)).join('; ');
    throw untarError(why || `tar exited with ${exit.code ?? 'a signal'}`);
  }
  if (failure) throw new InvalidParameterError(`reading the archive failed: ${(failure as Error).message}`);
  if (owner) await run('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, '--', dir]);
  return explicit;
}
