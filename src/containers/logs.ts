import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { LogLine, LogOptions } from '../core/containers/types.ts';
import { timeNs } from '../core/time.ts';
import { LineJoiner, parseRecord } from './log-join.ts';

function wanted(l: LogLine, o: LogOptions): boolean {
  if ((l.stream === 1 && !o.stdout) || (l.stream === 2 && !o.stderr)) return false;
  if (o.since === undefined && o.until === undefined) return true;
  // to the nanosecond, as dockerd: a line written at exactly `since` (or `until`) is in
  const ns = timeNs(l.time);
  if (ns === null) return true;
  if (o.since !== undefined && ns < o.since) return false;
  if (o.until !== undefined && ns > o.until) return false;
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
    // LOG.N and LOG.N.gz side by side: the gzip of LOG.N is just done; either holds the same lines
    if (m && !found.some((f) => f.n === Number(m[1]))) found.push({ n: Number(m[1]), name });
  }
  return found.sort((a, b) => b.n - a.n).map((f) => join(dir, f.name));
}

/**
 * Open the rotated files of a log at one instant: once open, a rotation
 * that renames them does not matter. A file renamed between the listing and
 * its open makes the listing start again.
 */
async function openRotated(path: string): Promise<{ name: string; fh: FileHandle }[]> {
  for (let attempt = 0; ; attempt++) {
    const opened: { name: string; fh: FileHandle }[] = [];
    let missed = false;
    for (const name of await rotatedFiles(path)) {
      const fh = await open(name, 'r').catch(() => null);
      if (fh) opened.push({ name, fh });
      else missed = true;
    }
    if (!missed || attempt >= 5) return opened;
    await Promise.all(opened.map((f) => f.fh.close()));
  }
}

async function readLines(input: Readable, each: (line: string) => void): Promise<void> {
  for await (const line of createInterface({ input, crlfDelay: Infinity })) each(line);
}

/**
 * Whole lines of `fh` from `start` up to `end` (a size seen by stat); a
 * line still being written is left for the next call. Plain positional reads:
 * a file truncated meanwhile just reads short.
 */
async function readComplete(fh: FileHandle, start: number, end: number, each: (line: string) => void): Promise<number> {
  let pos = start;
  let pending = Buffer.alloc(0);
  const buf = Buffer.alloc(64 * 1024);
  while (pos + pending.length < end) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos - pending.length), pos + pending.length);
    if (bytesRead === 0) break;
    let data = Buffer.concat([pending, buf.subarray(0, bytesRead)]);
    let nl = data.indexOf(10);
    while (nl >= 0) {
      each(data.subarray(0, nl).toString());
      pos += nl + 1;
      data = data.subarray(nl + 1);
      nl = data.indexOf(10);
    }
    pending = Buffer.from(data);
  }
  return pos;
}

/** Read a log (rotated files, then the live one) with --tail, then, with follow, new lines until `done()` says so — across rotations. */
export async function readLog(path: string, o: LogOptions, onLine: (l: LogLine) => void, done: () => boolean, signal: AbortSignal): Promise<void> {
  let fh: FileHandle | null = await open(path, 'r').catch(() => null);
  let ino = fh ? (await fh.stat()).ino : -1;
  let offset = 0;
  const joiner = new LineJoiner();
  // dockerd's forwarder stops at the first line after `until`: no follow after it
  let beyondUntil = false;
  const pass = (each: (l: LogLine) => void) => (l: LogLine): void => {
    if (wanted(l, o)) each(l);
    else if (o.until !== undefined && (timeNs(l.time) ?? 0n) > o.until) beyondUntil = true;
  };
  const feed = (each: (l: LogLine) => void) => (line: string): void => {
    const r = parseRecord(line);
    if (r) joiner.push(r, pass(each));
  };
  const flush = (each: (l: LogLine) => void): void => joiner.flush(pass(each));
  const fromLive = async (each: (l: LogLine) => void): Promise<void> => {
    if (!fh) return;
    const size = (await fh.stat()).size;
    if (size < offset) offset = 0; // truncated by a one-file rotation
    offset = await readComplete(fh, offset, size, feed(each));
  };
  const initial: LogLine[] = [];
  const keep = (l: LogLine): void => { initial.push(l); };
  for (const { name, fh: rot } of await openRotated(path)) {
    const raw = rot.createReadStream(); // closes the handle at its end
    // pipeline passes a read error on to gunzip, so the line reader ends instead of waiting forever
    const input = name.endsWith('.gz') ? pipeline(raw, createGunzip(), () => undefined) : raw;
    await readLines(input, feed(keep)).catch(() => undefined);
    raw.destroy();
  }
  await fromLive(keep);
  // a line the container left unfinished counts once it has stopped; while it runs, the rest may come
  if (done()) flush(keep);
  const tail = o.tail === 'all' ? initial : o.tail <= 0 ? [] : initial.slice(-o.tail);
  for (const l of tail) onLine(l);
  try {
    while (o.follow && !signal.aborted && !beyondUntil) {
      const finished = done();
      await fromLive(onLine);
      if (beyondUntil) return;
      const now = await stat(path).catch(() => null);
      if (now && now.ino !== ino) {
        await fromLive(onLine); // the rest of the file that was just rotated away
        await fh?.close();
        fh = await open(path, 'r').catch(() => null);
        ino = fh ? (await fh.stat()).ino : -1;
        offset = 0;
        continue;
      }
      if (finished) {
        flush(onLine);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await fh?.close();
  }
}
