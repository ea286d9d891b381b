/**
 * Pull-through cache of one upstream registry: a manifest or blob missing
 * locally is fetched from the upstream (Basic or Bearer auth with the
 * configured credentials), checked against its digest, stored, and then
 * served like any local content.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { RegistryError } from '../core/registry/errors.ts';
import { checkDigest, isDigest } from '../core/registry/names.ts';
import { MT } from '../core/registry/types.ts';
import { paths } from './paths.ts';
import type { Registry } from './registry.ts';

const ACCEPT = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest].join(', ');

export class Upstream {
  readonly url: string;
  private readonly username?: string;
  private readonly password?: string;
  private readonly tokens = new Map<string, string>();

  constructor(cfg: { remoteUrl: string; username?: string; password?: string }) {
    this.url = cfg.remoteUrl.replace(/\/+$/, '');
    this.username = cfg.username;
    this.password = cfg.password;
  }

  private basic(): string | undefined {
    return this.username !== undefined ? `Basic ${Buffer.from(`${this.username}:${this.password ?? ''}`).toString('base64')}` : undefined;
  }

  /** GET with auth: answers a Bearer challenge by fetching a token for the challenged scope. */
  async get(path: string, scope: string, accept?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (accept) headers.Accept = accept;
    const cached = this.tokens.get(scope);
    if (cached) headers.Authorization = `Bearer ${cached}`;
    else if (this.basic()) headers.Authorization = this.basic() as string;
    let res = await fetch(this.url + path, { headers, redirect: 'follow' });
    if (res.status !== 401) return res;
    const challenge = res.headers.get('www-authenticate') ?? '';
    await res.body?.cancel();
    if (!/^Bearer /i.test(challenge)) return res;
    const attrs = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const u = new URL(attrs.realm);
    if (attrs.service) u.searchParams.set('service', attrs.service);
    u.searchParams.set('scope', attrs.scope ?? scope);
    const tr = await fetch(u, { headers: this.basic() ? { Authorization: this.basic() as string } : {} });
    if (!tr.ok) throw new RegistryError('UNAUTHORIZED', { message: `upstream token request failed: ${tr.status}` });
    const body = await tr.json() as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token ?? '';
    this.tokens.set(scope, token);
    res = await fetch(this.url + path, { headers: { ...headers, Authorization: `Bearer ${token}` }, redirect: 'follow' });
    return res;
  }

  async fetchManifest(reg: Registry, name: string, ref: string): Promise<void> {
    const res = await this.get(`/v2/${name}/manifests/${ref}`, `repository:${name}:pull`, ACCEPT);
    if (res.status === 404) throw new RegistryError('MANIFEST_UNKNOWN', { detail: isDigest(ref) ? { digest: ref } : { tag: ref } });
    if (!res.ok) throw new RegistryError('UNKNOWN', { status: 502, message: `upstream answered ${res.status}` });
    const bytes = Buffer.from(await res.arrayBuffer());
    const alg = isDigest(ref) ? checkDigest(ref).algorithm : 'sha256';
    const digest = `${alg}:${createHash(alg).update(bytes).digest('hex')}`;
    if (isDigest(ref) && digest !== ref) throw new RegistryError('DIGEST_INVALID', { message: 'upstream manifest does not match its digest' });
    await reg.lock.read(async () => {
      await reg.driver.putContent(paths.blobData(digest), bytes);
      await reg.driver.putContent(paths.revisionLink(name, digest), Buffer.from(digest));
      if (!isDigest(ref)) {
        await reg.driver.putContent(paths.tagIndex(name, ref, digest), Buffer.from(digest));
        await reg.driver.putContent(paths.tagCurrent(name, ref), Buffer.from(digest));
      }
    });
    reg.catalog.add(name);
  }

  /** Copies a blob from upstream into the repository; returns its size. */
  async fetchBlob(reg: Registry, name: string, digest: string): Promise<number> {
    const res = await this.get(`/v2/${name}/blobs/${digest}`, `repository:${name}:pull`);
    if (res.status === 404) throw new RegistryError('BLOB_UNKNOWN', { detail: { digest } });
    if (!res.ok || !res.body) throw new RegistryError('UNKNOWN', { status: 502, message: `upstream answered ${res.status}` });
    return reg.blobs.putMonolithic(name, digest, Readable.fromWeb(res.body as import('node:stream/web').ReadableStream));
  }
}
