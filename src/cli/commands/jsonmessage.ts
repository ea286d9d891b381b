/**
 * Shows a JSON-lines progress answer (import, load, pull, push, build) the way
 * docker's pkg/jsonmessage does: plain lines when not on a terminal, progress
 * bars redrawn in place (one line per layer id) on a terminal, and the first
 * error message ends the command.
 */
import { JsonStreamError } from '../client/errors.ts';
import { humanSize } from '../format/units.ts';
import { rfc3339NanoFixed } from './shared.ts';

export interface JsonProgress { current?: number; total?: number; start?: number; hidecounts?: boolean; units?: string }

export interface JsonMessage {
  stream?: string;
  status?: string;
  progress?: string;
  progressDetail?: JsonProgress;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: unknown;
}

/** JSONProgress.String(): "[=====>     ]  1.2MB/3.4MB 2s" (the bar only when wider than 110 columns). */
export function progressString(p: JsonProgress, width: number, nowMs = Date.now()): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return p.units ? `${current} ${p.units}` : humanSize(current, 4).padStart(8);
  const percentage = Math.min(Math.trunc(Math.trunc((current / total) * 100) / 2), 50);
  let bar = '';
  if (width > 110) bar = `[${'='.repeat(Math.max(percentage, 0))}>${' '.repeat(Math.max(50 - percentage, 0))}] `;
  let numbers = '';
  if (!p.hidecounts) {
    if (!p.units) numbers = current > total ? humanSize(current, 4).padStart(8) : `${humanSize(current, 4).padStart(8)}/${humanSize(total, 4)}`;
    else numbers = current > total ? `${current} ${p.units}` : `${current}/${total} ${p.units}`;
  }
  let left = '';
  if (width > 50 && current > 0 && (p.start ?? 0) > 0 && percentage < 50) {
    const perEntry = (nowMs - p.start! * 1000) / current;
    left = ' ' + goDurationSeconds(Math.round(((total - current) * perEntry) / 1000));
  }
  return bar + numbers + left;
}

/** time.Duration.String() of whole seconds: "0s", "45s", "3m2s", "1h0m5s". */
function goDurationSeconds(sec: number): string {
  if (sec <= 0) return '0s';
  const h = Math.trunc(sec / 3600);
  const m = Math.trunc((sec % 3600) / 60);
  const s = sec % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** JSONMessage.Display: the text for one message (without cursor movement). */
export function displayMessage(m: JsonMessage, terminal: boolean, width: number): string {
  let out = '';
  let endl = '';
  const progress = m.progressDetail !== undefined ? progressString(m.progressDetail, width) : undefined;
  if (terminal && !m.stream && progress !== undefined) {
    out += '\x1b[2K\r';
    endl = '\r';
  } else if (progress !== undefined && progress !== '') {
    return '';
  }
  if (m.timeNano) out += rfc3339NanoFixed(BigInt(m.timeNano)) + ' ';
  else if (m.time) out += rfc3339NanoFixed(BigInt(m.time) * 1_000_000_000n) + ' ';
  if (m.id) out += `${m.id}: `;
  if (m.from) out += `(from ${m.from}) `;
  if (progress !== undefined && terminal) out += `${m.status ?? ''} ${progress}${endl}`;
  else if (m.progress) out += `${m.status ?? ''} ${m.progress}${endl}`;
  else if (m.stream) out += m.stream + endl;
  else out += `${m.status ?? ''}${endl}\n`;
  return out;
}

/** Writes JSON messages as they come; keeps docker's one-line-per-id bookkeeping on a terminal. */
export class JsonMessageWriter {
  readonly #out: NodeJS.WritableStream;
  readonly #terminal: boolean;
  readonly #width: number;
  #ids = new Map<string, number>();
  /** Called for `aux` messages (e.g. the built image ID). */
  onAux?: (aux: unknown) => void;

  constructor(out: NodeJS.WritableStream, terminal: boolean, width = 200) {
    this.#out = out;
    this.#terminal = terminal;
    this.#width = width;
  }

  write(m: JsonMessage): void {
    if (m.errorDetail || m.error) {
      const code = m.errorDetail?.code;
      throw new JsonStreamError(typeof code === 'number' && code > 0 ? code : 500, m.errorDetail?.message ?? m.error ?? '');
    }
    if (m.aux !== undefined) {
      this.onAux?.(m.aux);
      return;
    }
    let diff = 0;
    if (m.id && (m.progressDetail !== undefined || m.progress)) {
      let line = this.#ids.get(m.id);
      if (line === undefined) {
        line = this.#ids.size;
        this.#ids.set(m.id, line);
        if (this.#terminal) this.#out.write('\n');
      }
      diff = this.#ids.size - line;
      if (this.#terminal && diff > 0) this.#out.write(`\x1b[${diff}A`);
    } else {
      this.#ids = new Map();
    }
    this.#out.write(displayMessage(m, this.#terminal, this.#width));
    if (m.id && this.#terminal && diff > 0) this.#out.write(`\x1b[${diff}B`);
  }
}

/** Reads a JSON-lines body to its end, showing each message; throws on the first error message. */
export async function displayJsonStream(body: AsyncIterable<Buffer | string>, w: JsonMessageWriter): Promise<void> {
  let pending = '';
  const decoder = new TextDecoder();
  const handle = (line: string): void => {
    if (line.trim() === '') return;
    w.write(JSON.parse(line) as JsonMessage);
  };
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      handle(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  handle(pending + decoder.decode());
}
