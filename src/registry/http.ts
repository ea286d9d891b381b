/** Small helpers for answering requests: JSON bodies, spec error bodies, bounded body reads, Range parsing. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../core/registry/errors.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(data.length), ...headers });
  res.end(data);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': '0', ...headers });
  res.end();
}

export function sendError(res: ServerResponse, e: RegistryError, head: boolean): void {
  const data = Buffer.from(JSON.stringify({ errors: [e.toJSON()] }));
  res.writeHead(e.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(data.length), ...e.headers });
  res.end(head ? undefined : data);
}

/** True when the request carries a body (a length over 0 or chunked encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Reads a whole body of at most `limit` bytes; 413 past it (the rest is not read). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  const tooBig = () => new RegistryError('SIZE_INVALID', { status: 413, message: `payload exceeds the limit of ${limit} bytes`});
  if (declared !== undefined && Number(declared) > limit) throw tooBig();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw tooBig();
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads and drops a body we do not use. */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  req.resume();
  await new Promise<void>((r) => { req.once('end', r); req.once('close', r); });
}

/** `start-end` of a Content-Range header (also `bytes start-end/total`); null when absent; 416 when malformed. */
export function parseContentRange(v: string | undefined, current: number): { start: number; end: number } | null {
  if (v === undefined) return null;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(v.trim());
  const bad = () => new RegistryError('BLOB_UPLOAD_INVALID', { status: 416, message: `invalid Content-Range ${JSON.stringify(v)}`, headers: { Range: `0-${Math.max(current - 1, 0)}` } });
  if (!m) throw bad();
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) throw bad();
  return { start, end };
}

/** A `Range: bytes=...` of a GET (one range); null = whole; 'invalid' = 416. */
export function parseRange(v: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (v === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(v.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'invalid';
    start = Math.max(size - n, 0);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return 'invalid';
  }
  if (start >= size) return 'invalid';
  return { start, end };
}

/** A non-negative integer query parameter (`n`), or a PAGINATION_NUMBER_INVALID. */
export function intParam(params: URLSearchParams, key: string): number | undefined {
  const v = params.get(key);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new RegistryError('PAGINATION_NUMBER_INVALID', { detail: { [key]: v } });
  return Number(v);
}
