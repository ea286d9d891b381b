/** A fake API client and command context for the command tests (no daemon, no sockets). */
import { PassThrough, Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { ApiClient, ApiResponse, RequestOptions } from '../client/client.ts';
import type { CommandContext } from '../framework/command.ts';

export interface Recorded { method: string; path: string; opts?: RequestOptions }

/** Answers: a function of the request returning a JSON value or text, or throwing an error. */
export type Responder = (method: string, path: string, opts?: RequestOptions) => unknown;

export function fakeClient(respond: Responder, calls: Recorded[] = []): ApiClient {
  const answer = (method: string, path: string, opts?: RequestOptions): string => {
    calls.push({ method, path, opts });
    const v = respond(method, path, opts);
    return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
  };
  const response = (text: string): ApiResponse => ({
    status: 200, headers: {}, body: Buffer.from(text), text: () => text, json: <T>() => (text === '' ? undefined : JSON.parse(text)) as T,
  });
  return {
    host: 'unix:///fake.sock',
    request: async (m, p, o) => response(answer(m, p, o)),
    json: async <T>(m: string, p: string, o?: RequestOptions) => response(answer(m, p, o)).json<T>(),
    stream: async (m, p, o) => {
      const r = Readable.from([Buffer.from(answer(m, p, o))]) as unknown as IncomingMessage;
      (r as { headers: Record<string, string> }).headers = { 'content-type': 'application/json' };
      return r;
    },
    jsonLines: async (m, p, o, onMessage) => {
      for (const line of answer(m, p, o).split('\n')) if (line.trim()) onMessage(JSON.parse(line));
    },
    ping: async () => ({ apiVersion: '1.50', osType: 'linux', experimental: false }),
  };
}

/** Collects everything written to a stream. */
export function sink(): PassThrough & { text(): string } {
  const s = new PassThrough() as PassThrough & { text(): string };
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  s.text = () => Buffer.concat(chunks).toString('utf8');
  return s;
}

export function fakeContext(client: ApiClient, stdinText = ''): CommandContext & { out: ReturnType<typeof sink>; err: ReturnType<typeof sink> } {
  const out = sink();
  const err = sink();
  return {
    client, stdout: out, stderr: err, stdin: Readable.from([Buffer.from(stdinText)]), prog: 'berth', commandPath: 'berth',
    env: {}, debug: false, logLevel: 'info', configDir: '/nonexistent', columns: 80, out, err,
  };
}
