import { createReadStream } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { LogLine, LogOptions } from '../core/containers/types.ts';

/** One line of conmon's k8s-file log: `TIME STREAM F|P MESSAGE`. */
export function parseLogLine(line: string): LogLine | null {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return null;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const msg = c < 0 ? '' : line.slice(c + 1);
  const stream = line.slice(a + 1, b) === 'stderr' ? 2 : 1;
  const full = tag.split(',').includes('F');
  return { stream, time: line.slice(0, a), data: Buffer.from(full ? `${msg}\n` : msg) };
}

/** RFC3339 with any offset → ms since epoch (nanoseconds dropped). */
export function logTimeMs(t: string): number {
  return Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));
}

function wanted(l: LogLine, o: LogOptions): boolean {
  if ((l.stream === 1 && !o.stdout) || (l.stream === 2 && !o.stderr)) return false;
  const ms = logTimeMs(l.time);
  if (o.since !== undefined && ms < o.since) return false;
  if (o.until !== undefined && ms > o.until) return false;
  return true;
}

/** Rotated files of a log, oldest first (LOG.N[.gz] … LOG.1[.gz]); the live LOG is not included. */
export async function rotatedFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: { n: number; name: string }[] = [];
  for (const name of names) {
    const m = name.startsWith(`${base}.`) ? /^(\d+)(\.gz)?$/.exec(name.slice(base.length + 1)) : null;
    if (m) found.push({ n: Number(m[1]), name });
  }
  return found.sort((a, b) => b.n - a.n).map((f) => join(dir, f.name));
}

async function readLines(input: Readable, each: (l: LogLine) => void, o: LogOptions): Promise<number> {
  let consumed = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    consumed += Buffer.byteLength(line) + 1;
    const l = parseLogLine(line);
    if (l && wanted(l, o)) each(l);
  }
  return consumed;
}

/** Read a log (rotated files, then the live one) with --tail, then, with follow, new lines until `done()` says so — across rotations. */
export async function readLog(path: string, o: LogOptions, onLine: (l: LogLine) => void, done: () => boolean, signal: AbortSignal): Promise<void> {
  let fh: FileHandle | null = await open(path, 'r').catch(() => null);
  let ino = fh ? (await fh.stat()).ino : -1;
  let offset = 0;
  const fromLive = async (each: (l: LogLine) => void): Promise<void> => {
    if (!fh) return;
    const size = (await fh.stat()).size;
    if (size < offset) offset = 0; // truncated by a one-file rotation
    if (size <= offset) return;
    const read = await readLines(fh.createReadStream({ start: offset, end: size - 1, autoClose: false }), each, o);
    offset = Math.min(offset + read, size);
  };
  const initial: LogLine[] = [];
  const keep = (l: LogLine): void => { initial.push(l); };
  for (const f of await rotatedFiles(path)) {
    const raw = createReadStream(f);
    await readLines(f.endsWith('.gz') ? raw.pipe(createGunzip()) : raw, keep, o).catch(() => 0);
  }
  await fromLive(keep);
  const tail = o.tail === 'all' ? initial : o.tail <= 0 ? [] : initial.slice(-o.tail);
  for (const l of tail) onLine(l);
  try {
    while (o.follow && !signal.aborted) {
      const finished = done();
      await fromLive(onLine);
      const now = await stat(path).catch(() => null);
      if (now && now.ino !== ino) {
        await fromLive(onLine); // the rest of the file that was just rotated away
        await fh?.close();
        fh = await open(path, 'r').catch(() => null);
        ino = fh ? (await fh.stat()).ino : -1;
        offset = 0;
        continue;
      }
      if (finished) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await fh?.close();
  }
}
