/** One repository on one registry endpoint: manifests, blobs, uploads, tags (the distribution-spec endpoints). */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { NotFoundError, UnauthorizedError, ForbiddenError } from '../core/errors.ts';
import { MEDIA } from '../core/distribution/types.ts';
import { AuthFailure, challengeError, registryErrorCodes, registryErrorText, statusText, type AuthSession } from './auth.ts';
import type { HttpRequest, HttpResponse } from './http.ts';

export const MANIFEST_ACCEPT = [MEDIA.dockerManifest, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.ociIndex].join(', ');

/**
 * An HTTP error from a registry, with the distribution error codes of its
 * body. A 401 whose bearer challenge names an error puts that one first and
 * alone in the text, as dockerd reports the first error of a pull or push.
 */
export class RegistryError extends Error {
  readonly status: number;
  readonly codes: string[];
  readonly text: string;
  constructor(status: number, body: string, what: string, wwwAuthenticate?: string | string[]) {
    const oauth = status === 401 ? challengeError(wwwAuthenticate) : undefined;
    const text = oauth ? `${oauth.code.toLowerCase()}: ${oauth.message}`
      : registryErrorText(body) || `${what} failed with status: ${status} ${statusText(status)}`;
    super(text);
    this.status = status;
    this.codes = oauth ? [oauth.code, ...registryErrorCodes(body)] : registryErrorCodes(body);
    this.text = text;
  }
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
});

/** Delay before retry n (0-based) after `res`: Retry-After when given (capped), else exponential. */
function retryDelay(n: number, res?: HttpResponse): number {
  const ra = res?.headers['retry-after'];
  if (typeof ra === 'string') {
    const s = Number(ra);
    if (Number.isFinite(s)) return Math.min(s * 1000, 10_000);
    const d = Date.parse(ra);
    if (!Number.isNaN(d)) return Math.max(0, Math.min(d - Date.now(), 10_000));
  }
  return Math.min(100 * 2 ** n, 3000);
}

export const RETRIES = 5;

export class Repository {
  readonly session: AuthSession;
  /** Path of the repository on the registry ("library/busybox"). */
  readonly path: string;
  readonly push: boolean;

  constructor(session: AuthSession, path: string, push = false) {
    this.session = session;
    this.path = path;
    this.push = push;
  }

  get scope(): string {
    return `repository:${this.path}:${this.push ? 'pull,push' : 'pull'}`;
  }

  /** One authenticated request; a push reports refused credentials without the request (as dockerd's push does). */
  private async call(path: string, req: HttpRequest, scope: string): Promise<HttpResponse> {
    try {
      return await this.session.fetch(path, req, scope);
    } catch (e) {
      if (this.push && e instanceof AuthFailure) throw new UnauthorizedError(e.reason, { cause: e });
      throw e;
    }
  }

  /** A request that retries 429 and 5xx answers (idempotent methods only). */
  async send(path: string, req: HttpRequest, scope = this.scope): Promise<HttpResponse> {
    for (let n = 0; ; n++) {
      const res = await this.call(path, req, scope);
      const retryable = res.status === 429 || (res.status >= 500 && res.status !== 501);
      const idempotent = (req.method ?? 'GET') === 'GET' || req.method === 'HEAD';
      if (!retryable || !idempotent || n >= RETRIES) return res;
      res.discard();
      await sleep(retryDelay(n, res), req.signal);
    }
  }

  async fail(res: HttpResponse, what: string): Promise<never> {
    const body = res.status === 0 || res.headers['content-length'] === '0' ? '' : await res.text().catch(() => '');
    const err = new RegistryError(res.status, body, what, res.headers['www-authenticate']);
    if (res.status === 401) throw new UnauthorizedError(err.text, { cause: err });
    if (res.status === 403) throw new ForbiddenError(err.text, { cause: err });
    if (res.status === 404) throw new NotFoundError(err.text, { cause: err });
    throw err;
  }

  /** GET a manifest by tag or digest: bytes, media type and digest (checked when the reference is a digest). */
  async manifest(reference: string, signal?: AbortSignal): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
    const res = await this.send(`/v2/${this.path}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (res.status !== 200) return this.fail(res, 'manifest request');
    const bytes = await res.bytes(4 << 20);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new Error(`manifest verification failed for digest ${reference}`);
    }
    let mediaType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    try {
      const v = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown; schemaVersion?: number };
      if (v.mediaType) mediaType = v.mediaType;
      else if (!mediaType || mediaType === 'application/json') mediaType = v.manifests ? MEDIA.ociIndex : MEDIA.ociManifest;
      if (v.schemaVersion === 1) mediaType = 'application/vnd.docker.distribution.manifest.v1+json';
    } catch {
      throw new Error(`invalid manifest for ${this.path}:${reference}: not JSON`);
    }
    return { bytes, mediaType, digest };
  }

  /** GET a blob, from byte `start` on (Range). */
  async blob(digest: string, start: number, signal?: AbortSignal): Promise<HttpResponse> {
    const headers: Record<string, string> = {};
    if (start > 0) headers.Range = `bytes=${start}-`;
    const res = await this.send(`/v2/${this.path}/blobs/${digest}`, { headers, signal, timeoutMs: 60_000 });
    if (res.status !== 200 && res.status !== 206) return this.fail(res, `blob ${digest} request`);
    return res;
  }

  /** Size of a blob in this repository, or undefined when absent. */
  async statBlob(digest: string, signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.send(`/v2/${this.path}/blobs/${digest}`, { method: 'HEAD', signal });
    res.discard();
    if (res.status === 200) return Number(res.headers['content-length'] ?? 0);
    if (res.status === 404) return undefined;
    return this.fail(res, `blob ${digest} check`);
  }

  /** Try a cross-repository mount; returns true when mounted, else the upload URL the registry opened. */
  async mount(digest: string, from: string, signal?: AbortSignal): Promise<true | string> {
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.send(`/v2/${this.path}/blobs/uploads/?${q}`, { method: 'POST', signal, headers: { 'Content-Length': '0' } },
      `${this.scope} repository:${from}:pull`);
    res.discard();
    if (res.status === 201) return true;
    if (res.status === 202) return this.location(res);
    return this.fail(res, 'blob mount');
  }

  async startUpload(signal?: AbortSignal): Promise<string> {
    const res = await this.send(`/v2/${this.path}/blobs/uploads/`, { method: 'POST', signal, headers: { 'Content-Length': '0' } });
    res.discard();
    if (res.status !== 202) return this.fail(res, 'starting blob upload');
    return this.location(res);
  }

  private location(res: HttpResponse): string {
    const loc = res.headers.location;
    if (!loc) throw new Error('registry answered a blob upload without a Location');
    return new URL(loc, this.session.base + '/').href;
  }

  /** Monolithic upload of `size` bytes: one PUT with the digest. */
  async putBlob(location: string, digest: string, body: Readable | Buffer, size: number, signal?: AbortSignal): Promise<void> {
    const u = new URL(location);
    u.searchParams.set('digest', digest);
    const res = await this.call(u.href, {
      method: 'PUT', body, signal, timeoutMs: 300_000,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    }, this.scope);
    res.discard();
    if (res.status !== 201 && res.status !== 204) return this.fail(res, `blob ${digest} upload`);
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call(`/v2/${this.path}/manifests/${reference}`, {
      method: 'PUT', body: bytes, signal, headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) },
    }, this.scope);
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) return this.fail(res, 'manifest upload');
    res.discard();
  }

  /** All tags (following Link pagination). */
  async tags(signal?: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${this.path}/tags/list`;
    while (next) {
      const res = await this.send(next, { signal });
      if (res.status !== 200) return this.fail(res, 'tags request');
      const v = JSON.parse((await res.bytes(16 << 20)).toString('utf8')) as { tags?: string[] | null };
      out.push(...(v.tags ?? []));
      const link = res.headers.link;
      const m = typeof link === 'string' ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
      next = m ? m[1] : undefined;
    }
    return out;
  }
}
