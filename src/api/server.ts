import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../core/errors.ts';
import { statusFor } from './errors.ts';
import { API_VERSION, MIN_API_VERSION, sendJson, versionLess, type Req } from './http.ts';
import { Router, type Route } from './router.ts';

export interface ApiLogger {
  debug(msg: string): void;
  error(msg: string): void;
  /** Whether debug lines are written (each request is then logged, as dockerd -D does). */
  debugEnabled?(): boolean;
}

export interface ApiServerOptions {
  routes: Route[];
  logger: ApiLogger;
  serverHeader: string;
}

const VERSIONED = /^\/v(\d+\.\d+)(\/.*)$/;

export type RequestListener = (raw: IncomingMessage, res: ServerResponse) => void;
export type UpgradeListener = (raw: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Requests with `Connection: Upgrade` (docker's attach and exec start) reach
 * the same routes: a ServerResponse is bound to the raw socket so handlers
 * can answer errors normally or take the socket over (api/hijack.ts).
 */
export function upgradeListener(request: RequestListener): UpgradeListener {
  return (raw, socket, head) => {
    if (head.length) socket.unshift(head);
    const res = new ServerResponse(raw);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.on('finish', () => { res.detachSocket(socket as Socket); socket.end(); });
    request(raw, res);
  };
}

/** The Engine API request listener: version prefix, common headers, routing, errors. */
export function apiListener(opts: ApiServerOptions): RequestListener {
  const router = new Router();
  router.add(opts.routes);

  const handle = async (raw: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (opts.logger.debugEnabled?.()) opts.logger.debug(`Calling ${raw.method} ${raw.url}`);
    const url = new URL(raw.url ?? '/', 'http://localhost');
    let path = url.pathname;
    let apiVersion = API_VERSION;
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Docker-Experimental', 'false');
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', opts.serverHeader);
    const vm = VERSIONED.exec(path);
    if (vm) {
      apiVersion = vm[1];
      path = vm[2];
      if (versionLess(API_VERSION, apiVersion)) {
        return sendJson(res, 400, { message: `client version ${apiVersion} is too new. Maximum supported API version is ${API_VERSION}` });
      }
      if (versionLess(apiVersion, MIN_API_VERSION)) {
        return sendJson(res, 400, { message: `client version ${apiVersion} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version` });
      }
    }
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const m = router.match(raw.method ?? 'GET', path);
    if (!m.handler) {
      opts.logger.debug(`no route for ${raw.method} ${raw.url}`);
      return sendJson(res, 404, { message: 'page not found' });
    }
    const ac = new AbortController();
    res.on('close', () => { if (!res.writableFinished) ac.abort(); });
    const req: Req = { raw, res, params: m.params, query: url.searchParams, apiVersion, signal: ac.signal };
    await m.handler(req);
  };

  return (raw, res) => {
    handle(raw, res).catch((err: unknown) => {
      const status = statusFor(err);
      if (status >= 500) opts.logger.error(`${raw.method} ${raw.url}: ${(err as Error)?.stack ?? errorMessage(err)}`);
      else opts.logger.debug(`${raw.method} ${raw.url}: ${errorMessage(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, status, { message: errorMessage(err) });
    });
  };
}

/** A plain HTTP server (unix sockets) around the listener. */
export function createApiServer(opts: ApiServerOptions): Server {
  return createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, apiListener(opts));
}
