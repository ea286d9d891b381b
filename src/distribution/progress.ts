/** Docker's per-layer progress messages (pkg/progress + streamformatter shapes). */
import type { ProgressFn } from '../core/images/types.ts';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** go-units HumanSizeWithPrecision(size, 4): "1.234MB", "45.1kB", "512B". */
export function humanSize(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${UNITS[i]}`;
}

/** JSONProgress.String() as the daemon formats it (200 columns: with the bar). */
export function progressText(current: number, total: number): string {
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(Math.trunc(Math.trunc((current / total) * 100) / 2), 50);
  const bar = `[${'='.repeat(pct)}>${' '.repeat(50 - pct)}] `;
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

/** Short ids of layers in messages: the hex of a digest, 12 characters. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Progress of one layer (id), throttled for the byte counts. */
export class LayerProgress {
  private readonly out: ProgressFn;
  readonly id: string;
  private last = 0;

  constructor(out: ProgressFn, id: string) {
    this.out = out;
    this.id = id;
  }

  status(status: string): void {
    this.out({ status, progressDetail: {}, id: this.id });
  }

  /** Byte progress; `force` sends even inside the throttle window. */
  bytes(status: string, current: number, total: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.out({ status, progressDetail: { current, total }, progress: progressText(current, total), id: this.id });
  }
}
