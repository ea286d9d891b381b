/**
 * Hijacked connections (attach, exec start): an HTTP request with
 * `Connection: Upgrade` / `Upgrade: tcp` that the daemon answers with
 * `101 UPGRADED`, after which the socket carries the container's raw streams
 * both ways. An error answer (>= 400) becomes an ApiError like any request.
 */
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { API_VERSION, buildPath, readAll, type ApiClient, type QueryValue } from './client.ts';
import { ApiError, cannotConnectMessage, DaemonConnectError } from './errors.ts';

export interface HijackOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON with its Content-Length before the connection is taken over (exec start). */
  body?: unknown;
}

/** A client that opens hijacked connections itself (test doubles, other transports). */
export interface HijackCapable {
  hijack(method: string, path: string, opts?: HijackOptions): Promise<Duplex>;
}

function isHijackCapable(client: unknown): client is HijackCapable {
  return typeof (client as Partial<HijackCapable>).hijack === 'function';
}

function socketPathOf(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  throw new Error(`attaching over ${host} is not supported (only unix:// sockets)`);
}


/** The daemon's error answer as an ApiError (its JSON `message`, else the text). */
async function answerError(res: IncomingMessage): Promise<ApiError> {
  const status = res.statusCode ?? 0;
  const text = (await readAll(res)).toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed?.message === 'string') return new ApiError(status, parsed.message);
  } catch {
    // not JSON
  }
  return new ApiError(status, text || `unexpected answer ${status} ${http.STATUS_CODES[status] ?? ''} to an attach request`.trim());
}

function connectError(host: string, e: NodeJS.ErrnoException): Error {
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') return new DaemonConnectError(host, cannotConnectMessage(host), e.code, { cause: e });
  if (e.code === 'EACCES') {
    return new DaemonConnectError(host,
      `permission denied while trying to connect to the Berth daemon socket at ${host}: connect: permission denied`, e.code, { cause: e });
  }
  return e;
}

/** Opens a hijacked connection over the daemon's unix socket. */
export function hijackUnix(host: string, userAgent: string, method: string, path: string, opts: HijackOptions = {}, version = API_VERSION): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let socketPath: string;
    try {
      socketPath = socketPathOf(host);
    } catch (e) {
      reject(e);
      return;
    }
    const headers: Record<string, string> = { 'User-Agent': userAgent, Connection: 'Upgrade', Upgrade: 'tcp' };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body) + '\n');
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    } else {
      headers['Content-Type'] = 'text/plain';
    }
    const req = http.request({ socketPath, method, path: buildPath(path, opts.query, true, version), headers, agent: false, host: 'localhost', setHost: true });
    req.on('upgrade', (_res: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res: IncomingMessage) => {
      answerError(res).then(reject, reject);
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(connectError(host, e)));
    req.end(payload);
  });
}

/** Opens a hijacked connection through `client` (its own hijack when it has one, else its unix socket). */
export function hijack(client: ApiClient, method: string, path: string, opts?: HijackOptions): Promise<Duplex> {
  if (isHijackCapable(client)) return client.hijack(method, path, opts);
  return (client.version?.() ?? Promise.resolve(API_VERSION)).then((v) => hijackUnix(client.host, 'Berth-Client', method, path, opts, v));
}
