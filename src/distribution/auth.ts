/**
 * Registry authentication: WWW-Authenticate challenges, Bearer tokens from
 * the token service (anonymous, with basic credentials, or with a refresh
 * token) and Basic auth, cached per endpoint session and scope.
 */
import { UnauthorizedError } from '../core/errors.ts';
import { request, type HttpRequest, type HttpResponse } from './http.ts';

export interface Challenge { scheme: string; params: Record<string, string> }

/** Parse `Bearer realm="x",service="y"` (several challenges may be comma-joined or repeated). */
export function parseChallenges(headers: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const h of Array.isArray(headers) ? headers : headers ? [headers] : []) {
    const re = /\s*([A-Za-z][\w-]*)(?:\s+((?:[\w-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?\s*)*))?/y;
    let m: RegExpExecArray | null;
    while (re.lastIndex < h.length && (m = re.exec(h)) !== null) {
      const params: Record<string, string> = {};
      const pre = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
      let p: RegExpExecArray | null;
      while ((p = pre.exec(m[2] ?? '')) !== null) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
      out.push({ scheme: m[1].toLowerCase(), params });
      if (m[0].length === 0) break;
      while (h[re.lastIndex] === ',' || h[re.lastIndex] === ' ') re.lastIndex++;
    }
  }
  return out;
}

/**
 * Credentials refused by the token service, or none for a basic challenge.
 * `reason` is docker's bare text ("unauthorized: incorrect username or
 * password"); the message adds the request it was for, as dockerd's pull and
 * login report it (its push reports the bare reason).
 */
export class AuthFailure extends UnauthorizedError {
  readonly reason: string;
  readonly url?: string;
  constructor(reason: string, method?: string, url?: string) {
    super(url ? `${method ?? 'Get'} "${url}": ${reason}` : reason);
    this.reason = reason;
    this.url = url;
  }
}

export interface Credentials { username?: string; password?: string; identityToken?: string; registryToken?: string }

/** Auth state for one registry endpoint (base URL like "https://host:5000"). */
export class AuthSession {
  readonly base: string;
  readonly insecure: boolean;
  private readonly creds: Credentials;
  private challenge: Challenge | null | undefined;
  private readonly tokens = new Map<string, { token: string; expires: number }>();

  constructor(base: string, insecure: boolean, creds: Credentials) {
    this.base = base;
    this.insecure = insecure;
    this.creds = creds;
  }

  /** A request to `path` (or an absolute URL) with auth for `scope`; answers a 401 once by authenticating. */
  async fetch(path: string, req: HttpRequest, scope: string): Promise<HttpResponse> {
    const url = path.startsWith('http') ? path : this.base + path;
    const auth = () => this.headerFor(req.method ?? 'GET', url, scope, req.signal);
    const send = async () => request(url, { ...req, insecure: this.insecure, headers: { ...(req.headers ?? {}), ...(await auth()) } });
    let res = await send();
    if (res.status === 401 && (req.body === undefined || Buffer.isBuffer(req.body))) {
      const ch = pickChallenge(res.headers['www-authenticate']);
      if (!ch) return res;
      res.discard();
      this.challenge = ch;
      this.tokens.delete(scope);
      res = await send();
    }
    return res;
  }

  /** GET /v2/ and authenticate as the challenge asks (login). */
  async check(signal?: AbortSignal): Promise<void> {
    let res = await request(`${this.base}/v2/`, { insecure: this.insecure, signal });
    if (res.status === 401) {
      res.discard();
      this.challenge = pickChallenge(res.headers['www-authenticate']) ?? null;
      if (this.challenge === null) throw new UnauthorizedError(`login attempt to ${this.base}/v2/ failed with status: 401 Unauthorized`);
      res = await request(`${this.base}/v2/`, { insecure: this.insecure, signal, headers: await this.headerFor('GET', `${this.base}/v2/`, '', signal) });
    }
    res.discard();
    if (res.status === 401) throw new UnauthorizedError(`login attempt to ${this.base}/v2/ failed with status: 401 Unauthorized`);
    if (res.status >= 400 && res.status !== 404) throw new Error(`login attempt to ${this.base}/v2/ failed with status: ${res.status} ${statusText(res.status)}`);
  }

  /** The refresh token a token service returned (login with identity tokens). */
  refreshToken?: string;

  /** The auth header for a request; an AuthFailure names the request as Go's http client does (`Get "URL": reason`). */
  private async headerFor(method: string, url: string, scope: string, signal?: AbortSignal): Promise<Record<string, string>> {
    try {
      return await this.header(scope, signal);
    } catch (e) {
      if (e instanceof AuthFailure && !e.url) throw new AuthFailure(e.reason, `${method[0]}${method.slice(1).toLowerCase()}`, url);
      throw e;
    }
  }

  private async header(scope: string, signal?: AbortSignal): Promise<Record<string, string>> {
    if (this.creds.registryToken) return { Authorization: `Bearer ${this.creds.registryToken}` };
    const ch = this.challenge;
    if (!ch) return {};
    if (ch.scheme === 'basic') {
      if (!this.creds.username) throw new AuthFailure('no basic auth credentials');
      return { Authorization: `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password ?? ''}`).toString('base64')}` };
    }
    const cached = this.tokens.get(scope);
    if (cached && cached.expires > Date.now()) return { Authorization: `Bearer ${cached.token}` };
    const token = await this.fetchToken(ch, scope, signal);
    this.tokens.set(scope, token);
    return { Authorization: `Bearer ${token.token}` };
  }

  private async fetchToken(ch: Challenge, scope: string, signal?: AbortSignal): Promise<{ token: string; expires: number }> {
    const realm = ch.params.realm;
    if (!realm) throw new UnauthorizedError('unauthorized: the registry sent a bearer challenge without a realm');
    const u = new URL(realm);
    const service = ch.params.service;
    let res: HttpResponse;
    if (this.creds.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.creds.identityToken, client_id: 'docker' });
      if (service) form.set('service', service);
      if (scope) form.set('scope', scope);
      res = await request(u.href, { method: 'POST', body: Buffer.from(form.toString()), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, insecure: this.insecure, signal });
    } else {
      if (service) u.searchParams.set('service', service);
      for (const sc of scope.split(' ').filter(Boolean)) u.searchParams.append('scope', sc);
      const headers: Record<string, string> = {};
      if (this.creds.username) {
        u.searchParams.set('account', this.creds.username);
        headers.Authorization = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password ?? ''}`).toString('base64')}`;
      }
      res = await request(u.href, { headers, insecure: this.insecure, signal });
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      // an errcode body speaks for itself; a Hub-style {"details"} or an empty body is "unauthorized"
      throw new AuthFailure(registryErrorCodes(text).length ? registryErrorText(text) : `unauthorized: ${registryErrorText(text) || 'authentication required'}`);
    }
    if (res.status >= 400) throw new Error(`token request to ${u.origin}${u.pathname} failed with status: ${res.status} ${statusText(res.status)}`);
    let body: { token?: string; access_token?: string; expires_in?: number; refresh_token?: string };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`token service ${u.origin}${u.pathname} answered invalid JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new UnauthorizedError('authorization server did not include a token in the response');
    if (body.refresh_token) this.refreshToken = body.refresh_token;
    const ttl = Math.max(60, body.expires_in ?? 60);
    return { token, expires: Date.now() + (ttl - 10) * 1000 };
  }
}

function pickChallenge(h: string | string[] | undefined): Challenge | undefined {
  const all = parseChallenges(h);
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
}

/**
 * The error a 401's bearer challenge states (RFC 6750 §3.1), as docker's
 * registry client reads it ahead of the body: `insufficient_scope` is DENIED,
 * `invalid_token` is UNAUTHORIZED.
 */
export function challengeError(headers: string | string[] | undefined): { code: string; message: string } | undefined {
  for (const c of parseChallenges(headers)) {
    if (c.scheme !== 'bearer') continue;
    const kind = c.params.error;
    const code = kind === 'insufficient_scope' ? 'DENIED' : kind === 'invalid_token' ? 'UNAUTHORIZED' : undefined;
    if (!code) continue;
    const message = c.params.error_description || (code === 'DENIED' ? 'requested access to the resource is denied' : 'authentication required');
    return { code, message };
  }
  return undefined;
}

/** "code: message" texts of a registry error body (distribution's errcode JSON), or ''. */
export function registryErrorText(body: string): string {
  try {
    const v = JSON.parse(body) as { errors?: { code?: string; message?: string; detail?: unknown }[]; details?: string };
    if (Array.isArray(v.errors) && v.errors.length) {
      return v.errors.map((e) => `${(e.code ?? 'unknown').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`).join(', ');
    }
    if (typeof v.details === 'string') return v.details;
  } catch { /* not JSON */ }
  return '';
}

export function registryErrorCodes(body: string): string[] {
  try {
    const v = JSON.parse(body) as { errors?: { code?: string }[] };
    return (v.errors ?? []).map((e) => e.code ?? '');
  } catch {
    return [];
  }
}

const STATUS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  416: 'Requested Range Not Satisfiable', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
export function statusText(code: number): string {
  return STATUS[code] ?? '';
}
