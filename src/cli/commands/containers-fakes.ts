/**
 * A scriptable fake API client for the container command tests: answers by
 * route (JSON, raw bytes, headers or an ApiError), records every call, and
 * opens hijacked connections as in-memory duplex pairs whose daemon end the
 * test drives.
 */
import type { IncomingMessage } from 'node:http';
import { duplexPair, PassThrough, Readable, type Duplex } from 'node:stream';
import type { ApiClient, ApiResponse, RequestOptions } from '../client/client.ts';
import { ApiError } from '../client/errors.ts';
import type { HijackOptions } from '../client/hijack.ts';
import { runCli } from '../framework/command.ts';
import { rootCommand } from './root.ts';
import { sink } from './test-helpers.ts';

export interface FakeAnswer {
  json?: unknown;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Rejects with ApiError(status, message). */
  error?: [number, string];
  /** Resolves the body only after this promise. */
  after?: Promise<unknown>;
}

export interface FakeCall { method: string; path: string; query: Record<string, unknown>; body?: unknown; hijack?: boolean }

export type Route = (call: FakeCall) => FakeAnswer | undefined;

/** The daemon end of a hijacked connection, given to `onHijack`. */
export type HijackHandler = (daemonEnd: Duplex, call: FakeCall) => void;

function cleanQuery(q: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
}

async function readBody(body: unknown): Promise<unknown> {
  if (body && typeof (body as NodeJS.ReadableStream).pipe === 'function') {
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
    return Buffer.concat(chunks);
  }
  return body;
}

export function containerClient(route: Route, onHijack?: HijackHandler): ApiClient & { calls: FakeCall[]; hijack(m: string, p: string, o?: HijackOptions): Promise<Duplex> } {
  const calls: FakeCall[] = [];
  const answer = async (method: string, path: string, opts: RequestOptions = {}): Promise<{ a: FakeAnswer; body: Buffer }> => {
    const call: FakeCall = { method, path, query: cleanQuery(opts.query), body: await readBody(opts.body) };
    calls.push(call);
    const a = route(call) ?? {};
    if (a.error) throw new ApiError(a.error[0], a.error[1]);
    const body = a.body !== undefined ? Buffer.from(a.body) : Buffer.from(a.json === undefined ? '' : JSON.stringify(a.json));
    return { a, body };
  };
  const response = (a: FakeAnswer, body: Buffer): ApiResponse => ({
    status: 200, headers: lower(a.headers), body, text: () => body.toString('utf8'),
    json: <T>() => (body.length === 0 ? undefined : JSON.parse(body.toString('utf8'))) as T,
  });
  return {
    host: 'unix:///fake.sock',
    calls,
    request: async (m, p, o) => {
      const { a, body } = await answer(m, p, o);
      return response(a, body);
    },
    json: async <T>(m: string, p: string, o?: RequestOptions) => {
      const { a, body } = await answer(m, p, o);
      return response(a, body).json<T>();
    },
    stream: async (m, p, o) => {
      const { a, body } = await answer(m, p, o);
      const out = new PassThrough();
      (out as unknown as { headers: Record<string, string> }).headers = lower(a.headers);
      if (a.after) a.after.then(() => out.end(body), () => out.end(body));
      else out.end(body);
      return out as unknown as IncomingMessage;
    },
    jsonLines: async (m, p, o, onMessage) => {
      const { body } = await answer(m, p, o);
      for (const line of body.toString('utf8').split('\n')) if (line.trim()) onMessage(JSON.parse(line));
    },
    ping: async () => ({ apiVersion: '1.50', osType: 'linux', experimental: false }),
    hijack: async (method, path, opts = {}) => {
      const call: FakeCall = { method, path, query: cleanQuery(opts.query), body: opts.body, hijack: true };
      calls.push(call);
      const a = route(call);
      if (a?.error) throw new ApiError(a.error[0], a.error[1]);
      const [cli, daemon] = duplexPair();
      onHijack?.(daemon, call);
      return cli;
    },
  };
}

function lower(h: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A stdin that looks like a terminal (isTTY, setRawMode) and is fed by the test. */
export function ttyStdin(): PassThrough & { isTTY: true; isRaw: boolean; setRawMode(m: boolean): void; modes: boolean[] } {
  const s = new PassThrough() as PassThrough & { isTTY: true; isRaw: boolean; setRawMode(m: boolean): void; modes: boolean[] };
  s.isTTY = true;
  s.isRaw = false;
  s.modes = [];
  s.setRawMode = (m: boolean) => {
    s.isRaw = m;
    s.modes.push(m);
  };
  return s;
}

/** Runs `berth ARGS` against the fake client; stdin defaults to an empty stream. */
export async function berth(args: string[], client: ApiClient, opts: { stdin?: NodeJS.ReadableStream; env?: Record<string, string>; stdout?: PassThrough & { text(): string } } = {}) {
  const out = opts.stdout ?? sink();
  const err = sink();
  const stdin = opts.stdin ?? Readable.from([]);
  const code = await runCli(rootCommand(), args, { stdout: out, stderr: err, stdin, env: opts.env ?? {} }, () => client);
  return { code, out: out.text(), err: err.text() };
}

/** A frame of the multiplexed stream format. */
export function frame(stream: number, text: string): Buffer {
  const data = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}
