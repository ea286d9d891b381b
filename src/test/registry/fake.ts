/**
 * An in-test registry double on 127.0.0.1 for behaviours docker-registry
 * lacks: Docker Hub–style token auth, /v1/search, zstd layers, manifest
 * lists, and injected faults (429/500 answers, truncated bodies, wrong
 * bytes, redirects to another host).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, zstdCompressSync } from 'node:zlib';

export const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Logged { method: string; url: string; headers: http.IncomingHttpHeaders }
export type Fault = (req: http.IncomingMessage, res: http.ServerResponse, attempt: number) => boolean;

/** A tar of `files` (name → content), made by hand (ustar, mode 0644, fixed mtime). */
export function tarOf(files: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    const oct = (off: number, len: number, v: number) => h.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
    oct(100, 8, 0o644); oct(108, 8, 0); oct(116, 8, 0); oct(124, 12, body.length); oct(136, 12, 1700000000);
    h.write('0', 156, 1, 'latin1');
    h.write('ustar\x0000', 257, 8, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
    parts.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export type Compression = 'gzip' | 'zstd' | 'none';
const LAYER_TYPES: Record<Compression, string> = {
  gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
};

export interface BuiltImage { manifestDigest: string; configDigest: string; layerDigests: string[]; diffIds: string[] }

export class FakeRegistry {
  server!: http.Server;
  port = 0;
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  readonly log: Logged[] = [];
  /** Hub-style bearer tokens: /v2/ and everything else answer 401 without one. */
  token = false;
  /** Credentials the token service insists on (else anonymous tokens). */
  tokenUser?: { user: string; pass: string };
  faults: Fault[] = [];
  /** Redirect blob GETs to this base URL (another "host"). */
  redirectBlobsTo?: string;
  searchResults: unknown[] = [];
  private readonly attempts = new Map<string, number>();

  get url(): string { return `http://127.0.0.1:${this.port}`; }
  get host(): string { return `127.0.0.1:${this.port}`; }

  async start(host = '127.0.0.1'): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, host, r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** Store an image; returns its digests. */
  addImage(repo: string, tag: string | null, layers: { files: Record<string, string>; compression: Compression }[], opts: { arch?: string; oci?: boolean } = {}): BuiltImage {
    const diffIds: string[] = [];
    const descs = layers.map((l) => {
      const tar = tarOf(l.files);
      diffIds.push(sha(tar));
      const blob = l.compression === 'gzip' ? gzipSync(tar) : l.compression === 'zstd' ? zstdCompressSync(tar) : tar;
      this.blobs.set(sha(blob), blob);
      return { mediaType: LAYER_TYPES[l.compression], size: blob.length, digest: sha(blob) };
    });
    const config = Buffer.from(JSON.stringify({
      architecture: opts.arch ?? 'amd64', os: 'linux', config: { Cmd: ['sh'], Env: ['PATH=/bin'] }, created: '2024-01-01T00:00:00Z',
      rootfs: { type: 'layers', diff_ids: diffIds }, history: diffIds.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'test' })),
    }));
    this.blobs.set(sha(config), config);
    const oci = opts.oci || layers.some((l) => l.compression !== 'gzip');
    const mediaType = oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json';
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType,
      config: { mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
      layers: descs,
    }));
    this.manifests.set(`${repo}@${sha(manifest)}`, { bytes: manifest, mediaType });
    if (tag) this.manifests.set(`${repo}:${tag}`, { bytes: manifest, mediaType });
    return { manifestDigest: sha(manifest), configDigest: sha(config), layerDigests: descs.map((d) => d.digest), diffIds };
  }

  /** An OCI index of images already added. */
  addIndex(repo: string, tag: string, entries: { digest: string; arch: string; variant?: string }[]): string {
    const mediaType = 'application/vnd.oci.image.index.v1+json';
    const bytes = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType,
      manifests: entries.map((e) => {
        const m = this.manifests.get(`${repo}@${e.digest}`)!;
        return { mediaType: m.mediaType, digest: e.digest, size: m.bytes.length, platform: { os: 'linux', architecture: e.arch, ...(e.variant ? { variant: e.variant } : {}) } };
      }),
    }));
    this.manifests.set(`${repo}:${tag}`, { bytes, mediaType });
    this.manifests.set(`${repo}@${sha(bytes)}`, { bytes, mediaType });
    return sha(bytes);
  }

  private authorized(req: http.IncomingMessage): boolean {
    if (!this.token) return true;
    return /^Bearer tok-/.test(req.headers.authorization ?? '');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.log.push({ method: req.method ?? '', url: url.pathname + url.search, headers: req.headers });
    const key = `${req.method} ${url.pathname}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    for (const f of this.faults) if (f(req, res, attempt)) return;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/token') {
      if (this.tokenUser) {
        const want = `Basic ${Buffer.from(`${this.tokenUser.user}:${this.tokenUser.pass}`).toString('base64')}`;
        if (req.headers.authorization !== want) return json(401, { details: 'incorrect username or password' });
      }
      return json(200, { token: `tok-${url.searchParams.getAll('scope').join(' ')}`, expires_in: 300 });
    }
    if (url.pathname === '/v1/search') {
      const q = url.searchParams.get('q') ?? '';
      const results = (this.searchResults as { name: string }[]).filter((r) => r.name.includes(q));
      return json(200, { num_results: results.length, query: q, results });
    }
    if (url.pathname.startsWith('/blobstore/')) return this.sendBlob(req, res, url.pathname.slice('/blobstore/'.length));
    if (!this.authorized(req)) {
      return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        { 'WWW-Authenticate': `Bearer realm="${this.url}/token",service="fake-registry"` });
    }
    if (url.pathname === '/v2/') return json(200, {});
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/.exec(url.pathname);
    if (!m) return json(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
    const [, repo, kind, ref] = m;
    if (kind === 'tags') {
      const tags = [...this.manifests.keys()].filter((k) => k.startsWith(`${repo}:`)).map((k) => k.slice(repo.length + 1));
      return json(200, { name: repo, tags });
    }
    if (kind === 'manifests') {
      const e = this.manifests.get(ref.startsWith('sha256:') ? `${repo}@${ref}` : `${repo}:${ref}`);
      if (!e) {
        const known = [...this.manifests.keys()].some((k) => k.startsWith(`${repo}:`) || k.startsWith(`${repo}@`));
        return json(404, { errors: [known ? { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' } : { code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
      }
      res.writeHead(200, { 'Content-Type': e.mediaType, 'Docker-Content-Digest': sha(e.bytes), 'Content-Length': e.bytes.length });
      res.end(req.method === 'HEAD' ? undefined : e.bytes);
      return;
    }
    if (this.redirectBlobsTo && req.method === 'GET') {
      res.writeHead(307, { Location: `${this.redirectBlobsTo}/blobstore/${ref}` });
      res.end();
      return;
    }
    this.sendBlob(req, res, ref);
  }

  sendBlob(req: http.IncomingMessage, res: http.ServerResponse, digest: string): void {
    const b = this.blobs.get(digest);
    if (!b) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] }));
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      res.writeHead(206, { 'Content-Length': b.length - start, 'Content-Range': `bytes ${start}-${b.length - 1}/${b.length}` });
      res.end(req.method === 'HEAD' ? undefined : b.subarray(start));
      return;
    }
    res.writeHead(200, { 'Content-Length': b.length, 'Docker-Content-Digest': digest });
    res.end(req.method === 'HEAD' ? undefined : b);
  }
}
