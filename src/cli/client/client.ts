/**
 * The Engine API client of the berth CLI: node:http over the daemon's unix
 * socket, versioned paths (/v1.50/...), JSON bodies and error answers turned
 * into ApiError, plus helpers for streamed and JSON-lines answers.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { NotImplementedError } from '../../core/errors.ts';
import { ApiError, cannotConnectMessage, DaemonConnectError, JsonStreamError } from './errors.ts';

export const API_VERSION = '1.50';

export type QueryValue = string | number | boolean | undefined | string[];

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** A Buffer/Uint8Array or readable stream is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** False sends the path without the /v1.50 prefix. Default true (except /_ping). */
  versioned?: boolean;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  /** The parsed body; undefined for an empty body. */
  json<T = unknown>(): T;
}

export interface PingResult {
  apiVersion: string;
  osType: string;
  experimental: boolean;
  builderVersion?: string;
}

export interface ApiClient {
  readonly host: string;
  request(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse>;
  json<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<T>;
  stream(method: string, path: string, opts?: RequestOptions): Promise<IncomingMessage>;
  jsonLines(method: string, path: string, opts: RequestOptions | undefined, onMessage: (m: any) => void): Promise<void>;
  ping(): Promise<PingResult>;
  /** The API version the paths carry: fixed, or negotiated down to the daemon's on first use (docker's NegotiateAPIVersion). */
  version?(): Promise<string>;
  /** Releases kept-alive connections. */
  close?(): void;
}

/** `path?query` with docker's encoding: arrays repeat the key, booleans are 1/0, undefined is left out. */
export function buildPath(path: string, query?: Record<string, QueryValue>, versioned = true, version = API_VERSION): string {
  const prefix = versioned && path !== '/_ping' ? `/v${version}` : '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else if (typeof value === 'boolean') params.append(key, value ? '1' : '0');
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return prefix + path + (qs ? `?${qs}` : '');
}

function isStream(body: unknown): body is NodeJS.ReadableStream {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

/** The whole body of a response. */
export function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

function errorFromBody(status: number, headers: IncomingHttpHeaders, body: Buffer, route: string): ApiError {
  const text = body.toString('utf8').trim();
  if (String(headers['content-type'] ?? '').includes('json')) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed?.message === 'string') return new ApiError(status, parsed.message);
    } catch {
      // fall through to the raw text
    }
  }
  if (text) return new ApiError(status, text);
  const statusText = http.STATUS_CODES[status] ?? String(status);
  return new ApiError(status, `request returned ${statusText} for API route and version ${route}, check if the server supports the requested API version`);
}

function makeResponse(res: IncomingMessage, body: Buffer): ApiResponse {
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body,
    text: () => body.toString('utf8'),
    json: <T>() => (body.length === 0 ? undefined : JSON.parse(body.toString('utf8'))) as T,
  };
}

export class HttpApiClient implements ApiClient {
  readonly host: string;
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #userAgent: string;
  #version: Promise<string> | undefined;

  /** `apiVersion` fixes the version (DOCKER_API_VERSION); without it the first versioned request negotiates. */
  constructor(host: string, opts: { userAgent?: string; apiVersion?: string } = {}) {
    this.host = host;
    this.#userAgent = opts.userAgent ?? 'Berth-Client';
    if (opts.apiVersion) this.#version = Promise.resolve(opts.apiVersion.replace(/^v/, ''));
  }

  /** As docker's client: the lower of ours and the daemon's (1.24 when its ping names none); ours when the ping fails (the request then says why). */
  version(): Promise<string> {
    this.#version ??= this.ping().then((p) => lowerVersion(p.apiVersion, API_VERSION), () => API_VERSION);
    return this.#version;
  }

  /** The socket path of a unix:// host; rejects other schemes. */
  #socketPath(): string {
    const h = this.host;
    if (h.startsWith('unix://')) return h.slice('unix://'.length);
    if (/^(tcp|http|https):\/\//.test(h)) {
      throw new NotImplementedError(`connecting to ${h} is not implemented yet (only unix:// sockets are supported)`);
    }
    throw new Error(`unable to parse berth host \`${h}\``);
  }

  #connectError(e: NodeJS.ErrnoException): Error {
    if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
      return new DaemonConnectError(this.host, cannotConnectMessage(this.host), e.code, { cause: e });
    }
    if (e.code === 'EACCES') {
      return new DaemonConnectError(this.host,
        `permission denied while trying to connect to the Berth daemon socket at ${this.host}: connect: permission denied`,
        e.code, { cause: e });
    }
    return e;
  }

  /** Sends the request and resolves with the response once its headers arrived (any status). */
  async #send(method: string, path: string, opts: RequestOptions = {}): Promise<{ res: IncomingMessage; route: string }> {
    const versioned = (opts.versioned ?? true) && path !== '/_ping';
    const socketPath = this.#socketPath();
    const route = buildPath(path, opts.query, versioned, versioned ? await this.version() : API_VERSION);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { 'User-Agent': this.#userAgent, ...opts.headers };
      let payload: Buffer | Uint8Array | NodeJS.ReadableStream | undefined;
      const body = opts.body;
      if (body instanceof Uint8Array || isStream(body)) {
        payload = body;
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/octet-stream';
      } else if (body !== undefined) {
        payload = Buffer.from(JSON.stringify(body));
        headers['Content-Type'] = 'application/json';
      }
      if (payload instanceof Uint8Array) headers['Content-Length'] = String(payload.length);
      const req = http.request({
        socketPath, method, path: route, headers, agent: this.#agent, signal: opts.signal,
        host: 'localhost', setHost: true,
      });
      req.on('response', (res) => resolve({ res, route }));
      req.on('error', (e: NodeJS.ErrnoException) => reject(this.#connectError(e)));
      if (isStream(payload)) {
        payload.on('error', (e: Error) => req.destroy(e));
        payload.pipe(req);
      } else {
        req.end(payload);
      }
    });
  }

  async #checked(method: string, path: string, opts?: RequestOptions): Promise<IncomingMessage> {
    const { res, route } = await this.#send(method, path, opts);
    const status = res.statusCode ?? 0;
    if (status >= 400) throw errorFromBody(status, res.headers, await readAll(res), route);
    return res;
  }

  async request(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse> {
    const res = await this.#checked(method, path, opts);
    return makeResponse(res, await readAll(res));
  }

  async json<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<T> {
    return (await this.request(method, path, opts)).json<T>();
  }

  stream(method: string, path: string, opts?: RequestOptions): Promise<IncomingMessage> {
    return this.#checked(method, path, opts);
  }

  async jsonLines(method: string, path: string, opts: RequestOptions | undefined, onMessage: (m: any) => void): Promise<void> {
    const res = await this.#checked(method, path, opts);
    let failure: Error | undefined;
    let pending = '';
    const handle = (line: string) => {
      if (failure || line.trim() === '') return;
      let m: any;
      try {
        m = JSON.parse(line);
      } catch {
        failure = new Error(`invalid JSON in the daemon's answer: ${line.slice(0, 200)}`);
        return;
      }
      if (m && (m.errorDetail || m.error)) {
        const detail = m.errorDetail ?? {};
        failure = new JsonStreamError(typeof detail.code === 'number' ? detail.code : 500, String(detail.message ?? m.error));
        return;
      }
      try {
        onMessage(m);
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
      }
    };
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        handle(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    }
    handle(pending);
    if (failure) throw failure;
  }

  async ping(): Promise<PingResult> {
    const res = await this.request('GET', '/_ping', { versioned: false });
    const h = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const builder = h('builder-version');
    return {
      apiVersion: h('api-version') || '1.24',
      osType: h('ostype') ?? '',
      experimental: h('docker-experimental') === 'true',
      ...(builder ? { builderVersion: builder } : {}),
    };
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The lower of two API versions ("1.41" < "1.50"; numeric parts compared as numbers). */
export function lowerVersion(a: string, b: string): string {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? a : b;
  }
  return a;
}

export function createClient(host: string, opts?: { userAgent?: string; apiVersion?: string }): ApiClient {
  return new HttpApiClient(host, opts);
}
