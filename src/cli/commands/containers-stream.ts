/**
 * The terminal side of attach, run and exec (docker's hijackedIOStreamer):
 * stdin to the hijacked connection (raw mode and the detach sequence when a
 * TTY is attached), the connection to stdout/stderr (raw with a TTY, else
 * demultiplexed frames), plus detach keys, signal forwarding and TTY resizes.
 */
import { spawnSync } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { demux } from '../client/stdcopy.ts';

/** ctrl-p, ctrl-q */
export const DEFAULT_ESCAPE_KEYS = Buffer.from([16, 17]);

const CTRL_NAMES = [
  'ctrl-@', ...'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `ctrl-${c}`), 'ctrl-[', 'ctrl-\\', 'ctrl-]', 'ctrl-^', 'ctrl-_',
];

/** term.ToBytes: "ctrl-p,ctrl-q" or "a,ctrl-b" as bytes. */
export function detachKeyBytes(keys: string): Buffer {
  const codes: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) {
      codes.push(key.charCodeAt(0) & 0xff);
      continue;
    }
    const code = CTRL_NAMES.indexOf(key);
    if (code >= 0) codes.push(code);
    else if (key === 'DEL') codes.push(127);
    else throw new Error(`Unknown character: '${key}'`);
  }
  return Buffer.from(codes);
}

/** term's escapeProxy: holds back a partial detach sequence, releases it when the sequence breaks. */
export class EscapeDetector {
  readonly #keys: Buffer;
  #pos = 0;

  constructor(keys: Buffer) {
    this.#keys = keys;
  }

  /** The bytes to forward from `chunk`, and whether the whole sequence was typed. */
  feed(chunk: Buffer): { data: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.#keys[this.#pos]) {
        this.#pos++;
        if (this.#pos === this.#keys.length) return { data: Buffer.from(out), detached: true };
        continue;
      }
      if (this.#pos > 0) out.push(...this.#keys.subarray(0, this.#pos));
      this.#pos = 0;
      out.push(b);
    }
    return { data: Buffer.from(out), detached: false };
  }
}

export class EscapeError extends Error {
  constructor() {
    super('read escape sequence');
    this.name = 'EscapeError';
  }
}

export interface StreamOptions {
  conn: Duplex;
  tty: boolean;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** The --detach-keys value ('' for ctrl-p,ctrl-q); used with a TTY only, like docker. */
  detachKeys: string;
  /** Where a bad --detach-keys warning goes. */
  warn?: NodeJS.WritableStream;
}

interface RawCapable { isTTY?: boolean; isRaw?: boolean; fd?: number; setRawMode?(mode: boolean): unknown }

/** `stty ARGS` on the terminal at fd 0; the output, or undefined when it failed. */
function stty(args: string[]): string | undefined {
  const r = spawnSync('stty', args, { stdio: ['inherit', 'pipe', 'ignore'], encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Puts the input terminal in raw mode like docker's term.MakeRaw (which also
 * turns off output post-processing, unlike Node's raw mode); returns the undo.
 */
function setRaw(stdin: NodeJS.ReadableStream): () => void {
  const s = stdin as unknown as RawCapable;
  if (s.isTTY !== true || typeof s.setRawMode !== 'function') return () => undefined;
  const was = s.isRaw === true;
  const saved = s.fd === 0 ? stty(['-g']) : undefined;
  s.setRawMode(true);
  if (saved !== undefined) stty(['-opost']);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    s.setRawMode?.(was);
    if (saved !== undefined) stty([saved]);
  };
}

/**
 * Copies the streams until the output ends (or, without output, the input
 * ends). Rejects with EscapeError when the detach sequence is typed.
 */
export function streamHijacked(o: StreamOptions): Promise<void> {
  const { conn, tty, stdin, stdout, stderr } = o;
  let restore = (): void => undefined;
  let detector: EscapeDetector | undefined;
  if (stdin && tty) {
    restore = setRaw(stdin);
    let keys: Buffer = DEFAULT_ESCAPE_KEYS;
    if (o.detachKeys !== '') {
      try {
        keys = detachKeyBytes(o.detachKeys);
      } catch (e) {
        o.warn?.write(`WARNING: invalid detach escape keys, using default: ${(e as Error).message}\n`);
      }
    }
    detector = new EscapeDetector(keys);
  }
  const hasOutput = stdout !== undefined || stderr !== undefined;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const cleanup = (): void => {
      restore();
      if (stdin) {
        stdin.off('data', onData);
        stdin.off('end', onInputEnd);
        stdin.off('error', onInputEnd);
        stdin.pause();
      }
    };
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (!detector) {
        conn.write(buf);
        return;
      }
      const { data, detached } = detector.feed(buf);
      if (data.length > 0) conn.write(data);
      if (detached) {
        conn.destroy();
        finish(new EscapeError());
      }
    };
    const onInputEnd = (): void => {
      restore();
      if (!conn.destroyed) conn.end();
      if (!hasOutput) finish();
    };
    // Output: raw bytes with a TTY, else frames.
    if (hasOutput) {
      const copy = tty && stdout ? pipeRaw(conn, stdout).finally(restore) : demux(conn as AsyncIterable<Buffer>, stdout, stderr);
      copy.then(() => finish(), (e: Error) => finish(isClosedError(e) ? undefined : e));
    }
    if (stdin) {
      stdin.on('data', onData);
      stdin.once('end', onInputEnd);
      stdin.once('error', onInputEnd);
      stdin.resume();
    } else {
      conn.end();
      if (!hasOutput) finish();
    }
  });
}

function isClosedError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE';
}

async function pipeRaw(src: Duplex, out: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of src as AsyncIterable<Buffer>) {
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
}

// ---- signals and terminal size ----

/** Signals the CLI forwards to the container (docker forwards all but CHLD, PIPE, URG; Node can catch these). */
export const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

/** ForwardAllSignals: each signal the CLI gets becomes POST /containers/{id}/kill?signal=NAME. Returns the undo. */
export function forwardSignals(kill: (signal: string) => Promise<unknown>): () => void {
  const handlers = PROXIED_SIGNALS.map((sig) => {
    const h = (): void => {
      kill(sig.slice(3)).catch(() => undefined);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

interface TtySize { rows?: number; columns?: number; isTTY?: boolean }

/** The terminal's [height, width], or [0, 0] when `out` is not a terminal. */
export function ttySize(out: NodeJS.WritableStream): [number, number] {
  const s = out as unknown as TtySize;
  if (s.isTTY !== true) return [0, 0];
  return [s.rows ?? 0, s.columns ?? 0];
}

/**
 * MonitorTtySize: resizes once now (retrying a few times, as the TTY may not
 * exist yet) and again on every SIGWINCH. Returns the undo.
 */
export function monitorTtySize(out: NodeJS.WritableStream, err: NodeJS.WritableStream, resize: (h: number, w: number) => Promise<unknown>): () => void {
  const resizeNow = async (): Promise<void> => {
    const [h, w] = ttySize(out);
    if (h === 0 && w === 0) return;
    await resize(h, w);
  };
  resizeNow().catch(async () => {
    for (let retry = 0; retry < 10; retry++) {
      await new Promise((r) => setTimeout(r, (retry + 1) * 10));
      try {
        await resizeNow();
        return;
      } catch {
        // try again
      }
    }
    err.write('failed to resize tty, using default size\n');
  });
  const onWinch = (): void => {
    resizeNow().catch(() => undefined);
  };
  process.on('SIGWINCH', onWinch);
  return () => {
    process.off('SIGWINCH', onWinch);
  };
}
