import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidParameterError } from '../core/errors.ts';

export { API_VERSION, MIN_API_VERSION } from '../core/system/types.ts';

/** What a handler receives. */
export interface Req {
  raw: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  apiVersion: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** Docker's boolean query values: 1/true/True are true. */
export function qBool(q: URLSearchParams, name: string, dflt = false): boolean {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  const l = v.toLowerCase();
  if (l === '1' || l === 'true') return true;
  if (l === '0' || l === 'false') return false;
  throw new InvalidParameterError(`invalid boolean value for ${name}: ${v}`);
}

export function qInt(q: URLSearchParams, name: string, dflt: number): number {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidParameterError(`invalid value for ${name}: ${v}`);
  return n;
}

/** A list Go would send as null when it has nothing (a nil slice): prune reports and the like. */
export function nullIfEmpty<T>(list: T[] | null | undefined): T[] | null {
  return list?.length ? list : null;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

/** A body that is JSON already (ended with a newline, as Go's json.Encoder in dockerd's WriteJSON ends it). */
export function sendJsonText(res: ServerResponse, status: number, data: string): void {
  const body = `${data}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** A JSON body already encoded (the newline added as sendJsonText does). */
export function sendJsonBytes(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length + 1 });
  res.write(body);
  res.end('\n');
}

export function sendNoContent(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

export async function readJson<T>(req: IncomingMessage): Promise<T | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 16 << 20) throw new InvalidParameterError('request body too large');
    chunks.push(c as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  } catch (e) {
    throw new InvalidParameterError(`invalid JSON: ${(e as Error).message}`);
  }
}

/** A JSON-lines progress stream (pull/load/import): headers go out at once. */
export class JsonStream {
  private readonly res: ServerResponse;

  constructor(res: ServerResponse) {
    this.res = res;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
  }

  write(msg: Record<string, unknown>): void {
    if (!this.res.writableEnded) this.res.write(`${JSON.stringify(msg)}\r\n`);
  }

  fail(message: string): void {
    this.write({ errorDetail: { message }, error: message });
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}

/** Compare API versions "1.24" < "1.50". */
export function versionLess(a: string, b: string): boolean {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am < bm || (am === bm && an < bn);
}
