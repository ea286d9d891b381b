/**
 * Manifests, tags and referrers of repositories. Manifest bytes are stored
 * exactly as pushed, as a blob, and linked as a revision of the repository;
 * tags are link files naming a revision; a manifest with a `subject` is also
 * linked under the subject's referrers directory.
 */
import { createHash } from 'node:crypto';
import { PathNotFoundError, RegistryError } from '../core/registry/errors.ts';
import { checkDigest, isDigest, isValidTag } from '../core/registry/names.ts';
import type { Descriptor, StorageDriver } from '../core/registry/types.ts';
import type { BlobStore } from './blobs.ts';
import { manifestMediaType, parseManifest, type ParsedManifest } from './manifest.ts';
import { paths } from './paths.ts';

export interface StoredManifest { digest: string; bytes: Buffer; mediaType: string }

/** Immutable manifest contents by digest, bounded by total bytes. */
class ManifestCache {
  private readonly map = new Map<string, { bytes: Buffer; mediaType: string; doc: Record<string, any> }>();
  private total = 0;
  private readonly max: number;
  constructor(max: number) { this.max = max; }
  get(d: string) {
    const v = this.map.get(d);
    if (v) { this.map.delete(d); this.map.set(d, v); }
    return v;
  }
  set(d: string, v: { bytes: Buffer; mediaType: string; doc: Record<string, any> }): void {
    if (this.map.has(d) || v.bytes.length > this.max / 4) return;
    this.map.set(d, v);
    this.total += v.bytes.length;
    for (const [k, old] of this.map) {
      if (this.total <= this.max) break;
      this.map.delete(k);
      this.total -= old.bytes.length;
    }
  }
}

export class ManifestStore {
  readonly driver: StorageDriver;
  readonly blobs: BlobStore;
  private readonly cache = new ManifestCache(64 << 20);
  /** Called when a repository gets its first manifest (catalog index). */
  onRepository?: (name: string) => void;

  constructor(driver: StorageDriver, blobs: BlobStore) {
    this.driver = driver;
    this.blobs = blobs;
  }

  /** Digest a tag points at, or MANIFEST_UNKNOWN. */
  async resolveTag(name: string, tag: string): Promise<string> {
    if (!isValidTag(tag)) throw new RegistryError('MANIFEST_UNKNOWN', { detail: { tag } });
    try {
      return (await this.driver.getContent(paths.tagCurrent(name, tag))).toString('utf8').trim();
    } catch (e) {
      if (e instanceof PathNotFoundError) throw new RegistryError('MANIFEST_UNKNOWN', { message: `manifest unknown`, detail: { tag } });
      throw e;
    }
  }

  async resolve(name: string, ref: string): Promise<string> {
    if (isDigest(ref)) return checkDigest(ref).digest;
    return this.resolveTag(name, ref);
  }

  /** The manifest a tag or digest names in the repository. */
  async get(name: string, ref: string): Promise<StoredManifest & { doc: Record<string, any> }> {
    const digest = await this.resolve(name, ref);
    if (!(await this.driver.stat(paths.revisionLink(name, digest)))) throw new RegistryError('MANIFEST_UNKNOWN', { detail: isDigest(ref) ? { digest } : { tag: ref } });
    return { digest, ...(await this.load(digest)) };
  }

  /** Manifest bytes by digest (no repository check). */
  async load(digest: string): Promise<{ bytes: Buffer; mediaType: string; doc: Record<string, any> }> {
    const hit = this.cache.get(digest);
    if (hit) return hit;
    let bytes: Buffer;
    try {
      bytes = await this.driver.getContent(paths.blobData(digest));
    } catch (e) {
      if (e instanceof PathNotFoundError) throw new RegistryError('MANIFEST_UNKNOWN', { detail: { digest } });
      throw e;
    }
    let doc: Record<string, any> = {};
    try { doc = JSON.parse(bytes.toString('utf8')); } catch { /* served as stored */ }
    const v = { bytes, mediaType: manifestMediaType(doc), doc };
    this.cache.set(digest, v);
    return v;
  }

  /** Stores a manifest; returns its digest and what was parsed from it. */
  async put(name: string, ref: string, bytes: Buffer, contentType: string | undefined): Promise<{ digest: string; parsed: ParsedManifest }> {
    const byDigest = isDigest(ref);
    if (!byDigest && !isValidTag(ref)) throw new RegistryError('TAG_INVALID', { message: 'manifest tag did not match URI', detail: { tag: ref } });
    const algorithm = byDigest ? checkDigest(ref).algorithm : 'sha256';
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (byDigest && digest !== ref) throw new RegistryError('DIGEST_INVALID', { detail: { expected: ref, actual: digest } });
    const parsed = parseManifest(bytes, contentType);
    await this.blobs.lock.read(async () => {
      await this.checkReferences(name, parsed);
      await this.driver.putContent(paths.blobData(digest), bytes);
      await this.driver.putContent(paths.revisionLink(name, digest), Buffer.from(digest));
      if (parsed.subject) await this.driver.putContent(paths.referrerLink(name, parsed.subject.digest, digest), Buffer.from(digest));
      if (!byDigest) {
        await this.driver.putContent(paths.tagIndex(name, ref, digest), Buffer.from(digest));
        await this.driver.putContent(paths.tagCurrent(name, ref), Buffer.from(digest));
      }
    });
    this.onRepository?.(name);
    return { digest, parsed };
  }

  /** MANIFEST_BLOB_UNKNOWN for each referenced blob or child manifest missing from the repository. */
  private async checkReferences(name: string, m: ParsedManifest): Promise<void> {
    const missing: Descriptor[] = [];
    await Promise.all(m.blobs.map(async (d) => {
      const ok = (await this.driver.stat(paths.layerLink(name, d.digest))) && (await this.blobs.size(d.digest)) !== null;
      if (!ok) missing.push(d);
      else await this.blobs.touch(name, d.digest);
    }));
    await Promise.all(m.children.map(async (d) => {
      const ok = (await this.driver.stat(paths.revisionLink(name, d.digest))) && (await this.blobs.size(d.digest)) !== null;
      if (!ok) missing.push(d);
      else await this.driver.touch(paths.revisionLink(name, d.digest));
    }));
    if (missing.length > 0) {
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', { message: 'blob unknown to registry', detail: { digest: missing[0].digest, missing: missing.map((d) => d.digest) } });
    }
  }

  async tags(name: string): Promise<string[]> {
    const names = await this.driver.list(paths.tags(name));
    const out: string[] = [];
    await Promise.all(names.map(async (t) => { if (await this.driver.stat(paths.tagCurrent(name, t))) out.push(t); }));
    return out.sort();
  }

  async repositoryExists(name: string): Promise<boolean> {
    return (await this.driver.stat(paths.repo(name)))?.isDir === true;
  }

  async deleteTag(name: string, tag: string): Promise<void> {
    await this.resolveTag(name, tag);
    await this.driver.delete(paths.tag(name, tag));
  }

  /** Deletes a manifest revision, every tag pointing at it and its referrer link. */
  async deleteManifest(name: string, digest: string): Promise<void> {
    checkDigest(digest);
    if (!(await this.driver.stat(paths.revisionLink(name, digest)))) throw new RegistryError('MANIFEST_UNKNOWN', { detail: { digest } });
    for (const t of await this.tags(name)) {
      const cur = await this.driver.getContent(paths.tagCurrent(name, t)).catch(() => null);
      if (cur?.toString('utf8').trim() === digest) await this.driver.delete(paths.tag(name, t));
    }
    const m = await this.load(digest).catch(() => null);
    const subject = m?.doc?.subject?.digest;
    if (typeof subject === 'string') await this.driver.delete(paths.referrerLink(name, subject, digest).replace(/\/link$/, '')).catch(() => {});
    await this.driver.delete(paths.revisionLink(name, digest).replace(/\/link$/, ''));
  }

  /** Descriptors of the manifests whose subject is `digest`, optionally of one artifactType. */
  async referrers(name: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    checkDigest(digest);
    const dir = paths.referrers(name, digest);
    const out: Descriptor[] = [];
    for (const alg of await this.driver.list(dir)) {
      for (const hex of await this.driver.list(`${dir}/${alg}`)) {
        const d = `${alg}:${hex}`;
        if (!(await this.driver.stat(paths.revisionLink(name, d)))) continue;
        const m = await this.load(d).catch(() => null);
        if (!m) continue;
        const doc = m.doc;
        const type: string | undefined = typeof doc.artifactType === 'string' ? doc.artifactType
          : (doc.config && typeof doc.config.mediaType === 'string' ? doc.config.mediaType : undefined);
        if (artifactType !== undefined && type !== artifactType) continue;
        const desc: Descriptor = { mediaType: m.mediaType, digest: d, size: m.bytes.length };
        if (type !== undefined) desc.artifactType = type;
        if (doc.annotations && typeof doc.annotations === 'object') desc.annotations = doc.annotations;
        out.push(desc);
      }
    }
    return out.sort((a, b) => (a.digest < b.digest ? -1 : 1));
  }
}
