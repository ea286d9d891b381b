/**
 * The registry's HTTP server (node:http, or node:https with TLS): route,
 * authorize, dispatch to the handler, write spec errors in one place, and
 * log each request as one JSON line.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { RegistryError } from '../core/registry/errors.ts';
import type { Grant } from './auth/index.ts';
import { deleteBlob, getBlob } from './handlers/blobs.ts';
import type { Ctx } from './handlers/context.ts';
import { catalog, listTags, referrers, search } from './handlers/listing.ts';
import { deleteManifest, getManifest, putManifest } from './handlers/manifests.ts';
import { cancelUpload, patchUpload, putUpload, startUpload, uploadStatus } from './handlers/uploads.ts';
import { hasBody, sendError, sendJson } from './http.ts';
import type { Registry } from './registry.ts';
import { isWrite, matchRoute, requiredAccess, type RouteKind } from './router.ts';

type Handler = (c: Ctx) => Promise<void>;

/** Most bytes of a refused request body read and dropped to keep the connection usable. */
const DRAIN_LIMIT = 64 << 20;

const HANDLERS: Partial<Record<RouteKind, Partial<Record<string, Handler>>>> = {
  base: { GET: async (c) => sendJson(c.res, 200, {}) },
  catalog: { GET: catalog },
  blob: { GET: getBlob, DELETE: deleteBlob },
  'upload-start': { POST: startUpload },
  upload: { GET: uploadStatus, PATCH: patchUpload, PUT: putUpload, DELETE: cancelUpload },
  manifest: { GET: getManifest, PUT: putManifest, DELETE: deleteManifest },
  tags: { GET: listTags },
  referrers: { GET: referrers },
  search: { GET: search },
  'v1-ping': { GET: async (c) => sendJson(c.res, 200, {}) },
};

export type AccessLog = (entry: Record<string, unknown>) => void;

async function dispatch(reg: Registry, req: IncomingMessage, res: ServerResponse, grantOut: { user?: string }): Promise<void> {
  let url: URL;
  try {
    url = new URL(`http://registry${(req.url ?? '/').startsWith('/') ? req.url : '/'}`);
  } catch {
    throw new RegistryError('UNSUPPORTED', { status: 400, message: 'malformed request URI' });
  }
  const head = req.method === 'HEAD';
  const method = head ? 'GET' : (req.method ?? 'GET');
  const route = matchRoute(url.pathname);
  if (!route) throw new RegistryError('UNSUPPORTED', { status: 404, message: 'page not found' });
  if (route.kind === 'token') {
    if (!reg.auth.issuer) throw new RegistryError('UNSUPPORTED', { status: 404, message: 'page not found' });
    sendJson(res, 200, await reg.auth.issuer.issue(req, url.searchParams));
    return;
  }
  const handler = HANDLERS[route.kind]?.[method];
  if (!handler) throw new RegistryError('UNSUPPORTED', { message: `method ${req.method} not allowed` });
  const need = requiredAccess(route, method);
  const grant: Grant = need === null ? { all: true, access: [] } : await reg.auth.authorize(req, need);
  grantOut.user = grant.user;
  if (isWrite(method)) {
    if (reg.config.readOnly) throw new RegistryError('UNSUPPORTED', { message: 'registry is in read-only mode' });
    if (reg.upstream) throw new RegistryError('UNSUPPORTED', { message: 'a pull-through cache does not accept pushes' });
  }
  await handler({ req, res, route, params: url.searchParams, reg, grant, head });
}

export function requestListener(reg: Registry, log?: AccessLog): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const t0 = process.hrtime.bigint();
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const who: { user?: string } = {};
    if (log) {
      res.once('finish', () => {
        log({
          time: new Date().toISOString(), remote: req.socket.remoteAddress, method: req.method, uri: req.url, status: res.statusCode,
          bytes: Number(res.getHeader('content-length') ?? 0), duration_ms: Number(process.hrtime.bigint() - t0) / 1e6,
          user: who.user, user_agent: req.headers['user-agent'],
        });
      });
    }
    dispatch(reg, req, res, who).catch((e: unknown) => {
      const err = e instanceof RegistryError ? e : new RegistryError('UNKNOWN', { message: (e as Error)?.message ?? String(e) });
      const dropped = ['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE'].includes((e as NodeJS.ErrnoException)?.code ?? '') || (e as Error)?.message === 'aborted';
      if (!(e instanceof RegistryError) && !dropped) {
        process.stderr.write(`registry: ${req.method} ${req.url}: ${(e as Error)?.stack ?? e}\n`);
      }
      if (res.headersSent) { res.destroy(); return; }
      // The rest of a refused body is read and dropped (clients fail when a connection closes under their upload),
      // up to DRAIN_LIMIT; a bigger one ends the connection after the answer.
      if (hasBody(req) && !req.readableEnded) {
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > DRAIN_LIMIT) {
          res.setHeader('Connection', 'close');
          res.once('finish', () => req.socket.destroySoon?.());
        } else {
          let seen = 0;
          req.on('data', (c: Buffer) => { seen += c.length; if (seen > DRAIN_LIMIT) req.socket.destroy(); });
          req.resume();
        }
      }
      sendError(res, err, req.method === 'HEAD');
    });
  };
}

export function createRegistryServer(reg: Registry, log?: AccessLog): Server {
  const listener = requestListener(reg, log);
  const tls = reg.config.tls;
  const server = tls
    ? createHttps({ cert: readFileSync(tls.certificate), key: readFileSync(tls.key) }, listener)
    : createHttp(listener);
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}
