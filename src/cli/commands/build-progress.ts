/*
 * How `berth build` shows the classic output stream: `plain` writes it as
 * it comes (docker's legacy builder output); `tty` is a live display, one
 * line a step with its time, CACHED marks, the last lines of a running
 * step's output, redrawn in place.
 */
interface StepView { title: string; start: number; end?: number; cached: boolean; output: string[] }

export interface ProgressView {
  text(s: string): void;
  done(failed: boolean): void;
}

export class PlainProgress implements ProgressView {
  readonly #out: NodeJS.WritableStream;
  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }
  text(s: string): void {
    this.#out.write(s);
  }
  done(): void { /* nothing buffered */ }
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export class TtyProgress implements ProgressView {
  readonly #out: NodeJS.WritableStream;
  readonly #width: number;
  readonly #start = Date.now();
  readonly #steps: StepView[] = [];
  readonly #tail: string[] = [];
  #pending = '';
  #drawn = 0;
  #total = 0;
  #timer: NodeJS.Timeout;

  constructor(out: NodeJS.WritableStream, width: number) {
    this.#out = out;
    this.#width = Math.max(40, width);
    this.#timer = setInterval(() => this.#draw(), 100);
    this.#timer.unref();
  }

  #line(l: string): void {
    const cur = this.#steps.at(-1);
    const step = /^Step (\d+)\/(\d+) : (.*)$/.exec(l);
    if (step) {
      if (cur && cur.end === undefined) cur.end = Date.now();
      this.#total = Number(step[2]);
      this.#steps.push({ title: `[${step[1]}/${step[2]}] ${step[3]}`, start: Date.now(), cached: false, output: [] });
      return;
    }
    if (/^ ---> Using cache$/.test(l)) {
      if (cur) cur.cached = true;
      return;
    }
    if (/^ ---> (Running in|Removed intermediate container) /.test(l)) return;
    if (/^ ---> [0-9a-f]{0,12}$/.test(l)) {
      if (cur) cur.end = Date.now();
      return;
    }
    if (/^(Successfully (built|tagged)|\[Warning\])/.test(l) || !cur) {
      this.#tail.push(l);
      return;
    }
    cur.output.push(l);
  }

  text(s: string): void {
    this.#pending += s;
    let nl: number;
    while ((nl = this.#pending.indexOf('\n')) >= 0) {
      this.#line(this.#pending.slice(0, nl));
      this.#pending = this.#pending.slice(nl + 1);
    }
  }

  #render(final: boolean, failed = false): string[] {
    const now = Date.now();
    const doneCount = this.#steps.filter((s) => s.end !== undefined).length;
    const lines = [`[+] Building ${fmt(now - this.#start)} (${doneCount}/${this.#total || this.#steps.length})${final ? (failed ? ' FINISHED WITH ERROR' : ' FINISHED') : ''}`];
    for (const s of this.#steps) {
      const t = fmt((s.end ?? now) - s.start);
      const head = ` => ${s.cached ? 'CACHED ' : ''}${s.title}`;
      const room = this.#width - t.length - 2;
      const title = head.length > room ? `${head.slice(0, room - 3)}...` : head;
      lines.push(`${title.padEnd(room)} ${t}`);
      const show = s.end === undefined || (final && failed && s === this.#steps.at(-1)) ? s.output.slice(final ? -20 : -5) : [];
      for (const o of show) lines.push(` => => # ${o}`.slice(0, this.#width));
    }
    return lines;
  }

  #draw(final = false, failed = false): void {
    const lines = this.#render(final, failed);
    let s = this.#drawn ? `\x1b[${this.#drawn}A` : '';
    for (const l of lines) s += `\x1b[2K${l}\n`;
    this.#out.write(s);
    this.#drawn = lines.length;
  }

  done(failed: boolean): void {
    clearInterval(this.#timer);
    if (this.#pending) this.#line(this.#pending);
    const cur = this.#steps.at(-1);
    if (cur && cur.end === undefined && !failed) cur.end = Date.now();
    this.#draw(true, failed);
    for (const l of this.#tail) this.#out.write(`${l}\n`);
  }
}
