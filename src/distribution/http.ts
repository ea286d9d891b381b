/**
 * The registry client's HTTP layer on node:http(s): streaming bodies,
 * manual redirects (the Authorization header never follows to another host),
 * unverified TLS for insecure registries, and HTTPS_PROXY/NO_PROXY through
 * Node's agent `proxyEnv`.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Skip TLS verification (insecure registries). */
  insecure?: boolean;
  signal?: AbortSignal;
  /** Keep redirects to another host (default: follow up to 10). */
  noRedirect?: boolean;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: string;
  /** Read the whole body (at most `limit` bytes). */
  bytes(limit?: number): Promise<Buffer>;
  text(): Promise<string>;
  /** Drop the body. */
  discard(): void;
}

const agents = new Map<string, http.Agent>();

function agentFor(url: URL, insecure: boolean): http.Agent {
  const key = `${url.protocol}${insecure ? '+insecure' : ''}`;
  let a = agents.get(key);
  if (!a) {
    const env = process.env as Record<string, string | undefined>;
    const opts = { keepAlive: true, maxSockets: 32, proxyEnv: env } as https.AgentOptions & { proxyEnv: Record<string, string | undefined> };
    a = url.protocol === 'https:' ? new https.Agent({ ...opts, rejectUnauthorized: !insecure }) : new http.Agent(opts);
    agents.set(key, a);
  }
  return a;
}

/** Go's wording for transport errors: `Get "URL": dial tcp ...: connect: connection refused`. */
export function transportError(method: string, url: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  const verb = method[0] + method.slice(1).toLowerCase();
  let why = err.message;
  const target = err.address ? `${err.address}:${err.port}` : new URL(url).host;
  if (err.code === 'ECONNREFUSED') why = `dial tcp ${target}: connect: connection refused`;
  else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') why = `dial tcp: lookup ${new URL(url).hostname}: no such host`;
  else if (err.code === 'ECONNRESET') why = 'connection reset by peer';
  else if (err.code === 'ETIMEDOUT') why = `dial tcp ${target}: i/o timeout`;
  else if (isHttpToHttps(err)) why = 'http: server gave HTTP response to HTTPS client';
  const out = new Error(`${verb} "${url}": ${why}`, { cause: e });
  (out as NodeJS.ErrnoException).code = err.code;
  return out;
}

/** A plain-http server answering a TLS hello. */
export function isHttpToHttps(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  return err?.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || err?.code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(err.message);
}

/** True for errors where the next endpoint (http fallback, next mirror) may do better. */
export function isTransportError(e: unknown): boolean {
  const c = ((e as Error)?.cause as NodeJS.ErrnoException | undefined)?.code ?? (e as NodeJS.ErrnoException)?.code ?? '';
  return typeof c === 'string' && (c.startsWith('E') || c.startsWith('ERR_SSL') || c.startsWith('ERR_TLS') || c.includes('CERT') || c.startsWith('UNABLE_') || c.startsWith('DEPTH_'));
}

function once(url: URL, req: HttpRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const r = mod.request(url, {
      method: req.method ?? 'GET',
      headers: req.headers,
      agent: agentFor(url, req.insecure === true),
      signal: req.signal,
      timeout: req.timeoutMs ?? 30_000,
    }, resolve);
    r.on('error', reject);
    r.on('timeout', () => r.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
    const body = req.body;
    if (body === undefined) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else {
      body.on('error', (e) => r.destroy(e));
      body.pipe(r);
    }
  });
}

/** One request, following redirects; drops Authorization when a redirect leaves the host. */
export async function request(urlStr: string, req: HttpRequest = {}): Promise<HttpResponse> {
  let url = new URL(urlStr);
  let headers = { ...(req.headers ?? {}) };
  const origin = url.host;
  for (let hops = 0; ; hops++) {
    let res: http.IncomingMessage;
    try {
      res = await once(url, { ...req, headers });
    } catch (e) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw transportError(req.method ?? 'GET', url.href, e);
    }
    const loc = res.headers.location;
    const status = res.statusCode ?? 0;
    if (!req.noRedirect && loc && [301, 302, 303, 307, 308].includes(status) && (req.body === undefined || Buffer.isBuffer(req.body))) {
      res.resume();
      if (hops >= 10) throw new Error(`${req.method ?? 'GET'} "${urlStr}": stopped after 10 redirects`);
      url = new URL(loc, url);
      if (url.host !== origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      continue;
    }
    return wrap(res, url.href);
  }
}

function wrap(res: http.IncomingMessage, url: string): HttpResponse {
  const bytes = async (limit = 64 << 20): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of res) {
      n += (c as Buffer).length;
      if (n > limit) {
        res.destroy();
        throw new Error(`response from ${url} is larger than ${limit} bytes`);
      }
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  };
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body: res,
    url,
    bytes,
    text: async () => (await bytes(1 << 20)).toString('utf8'),
    discard: () => { res.resume(); },
  };
}
