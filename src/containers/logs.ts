import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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

/** Read a log file: what is there now (with --tail), then, with follow, new lines until `done()` says so. */
export async function readLog(path: string, o: LogOptions, onLine: (l: LogLine) => void, done: () => boolean, signal: AbortSignal): Promise<void> {
  let offset = 0;
  const readFrom = async (start: number, keep?: LogLine[]): Promise<number> => {
    const size = await stat(path).then((s) => s.size).catch(() => 0);
    if (size <= start) return start;
    const rl = createInterface({ input: createReadStream(path, { start, end: size - 1 }), crlfDelay: Infinity });
    let consumed = start;
    for await (const line of rl) {
      consumed += Buffer.byteLength(line) + 1;
      const l = parseLogLine(line);
      if (!l || !wanted(l, o)) continue;
      if (keep) keep.push(l); else onLine(l);
    }
    return Math.min(consumed, size);
  };
  const initial: LogLine[] = [];
  offset = await readFrom(0, initial);
  const tail = o.tail === 'all' ? initial : o.tail <= 0 ? [] : initial.slice(-o.tail);
  for (const l of tail) onLine(l);
  if (!o.follow) return;
  while (!signal.aborted) {
    const finished = done();
    offset = await readFrom(offset);
    if (finished) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
