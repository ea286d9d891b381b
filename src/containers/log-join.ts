import type { LogLine } from '../core/containers/types.ts';

/** One record of conmon's k8s-file log: `TIME STREAM F|P MESSAGE` (P: the line goes on in the next record). */
export interface LogRecord { stream: 1 | 2; time: string; msg: Buffer; full: boolean }

export function parseRecord(line: string): LogRecord | null {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return null;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return {
    stream: line.slice(a + 1, b) === 'stderr' ? 2 : 1,
    time: line.slice(0, a),
    msg: Buffer.from(c < 0 ? '' : line.slice(c + 1)),
    full: tag.split(',').includes('F'),
  };
}

/** dockerd's log copier cuts a line without a newline into messages of this size. */
export const MESSAGE_SIZE = 16 * 1024;

interface Pending { parts: Buffer[]; len: number; time: string; partialTime?: string }

/**
 * Regroups conmon's records into the messages dockerd's log copier makes, so
 * that --tail, -t and --details count and mark the same lines: conmon writes
 * a P record for each read without a newline (8 KiB at most), dockerd keeps
 * the line until its newline and cuts only what reaches 16 KiB. A whole line
 * has the time of its end; the pieces of a cut line share the time of the
 * first cut, as in dockerd.
 */
export class LineJoiner {
  private readonly pending = new Map<1 | 2, Pending>();

  push(r: LogRecord, out: (l: LogLine) => void): void {
    let p = this.pending.get(r.stream);
    if (!p) this.pending.set(r.stream, (p = { parts: [], len: 0, time: r.time }));
    p.parts.push(r.msg);
    p.len += r.msg.length;
    p.time = r.time;
    while (p.len >= MESSAGE_SIZE) {
      const all = Buffer.concat(p.parts);
      p.partialTime ??= r.time;
      out({ stream: r.stream, time: p.partialTime, data: all.subarray(0, MESSAGE_SIZE) });
      p.parts = [all.subarray(MESSAGE_SIZE)];
      p.len -= MESSAGE_SIZE;
    }
    if (!r.full) return;
    this.pending.delete(r.stream);
    out({ stream: r.stream, time: p.partialTime ?? r.time, data: Buffer.concat([...p.parts, Buffer.from('\n')]) });
  }

  /** The unfinished lines, as they are (the container has stopped: dockerd logs what it had at EOF), oldest first. */
  flush(out: (l: LogLine) => void): void {
    const left = [...this.pending.entries()].sort((a, b) => (a[1].time < b[1].time ? -1 : 1));
    this.pending.clear();
    for (const [stream, p] of left) if (p.len > 0) out({ stream, time: p.partialTime ?? p.time, data: Buffer.concat(p.parts) });
  }
}
