/** Helpers for the archive tests: a fake layer sink and archive builders. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { ExtractedLayer } from '../../core/layers/types.ts';
import { readImageArchive } from './read.ts';
import type { ArchiveImage, ArchiveSink, ReadOptions } from './types.ts';

export function sha(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function hex(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** An in-memory layer store: decompresses, hashes, and requires tar-sized content. */
export class FakeSink implements ArchiveSink {
  readonly live = new Map<string, Buffer>();
  readonly discarded: string[] = [];
  readonly unpackedCount: { n: number } = { n: 0 };
  duplicateLayer?: (cacheId: string) => Promise<ExtractedLayer>;
  private next = 1;

  constructor(opts: { duplicates?: boolean } = {}) {
    if (opts.duplicates) {
      this.duplicateLayer = async (cacheId: string) => {
        const data = this.live.get(cacheId);
        if (!data) throw new Error(`no layer ${cacheId}`);
        return this.store(data, undefined);
      };
    }
  }

  async unpackLayer(stream: Readable): Promise<ExtractedLayer> {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const input = Buffer.concat(chunks);
    let raw = input;
    let mediaType: string | undefined;
    if (input[0] === 0x1f && input[1] === 0x8b) {
      raw = zlib.gunzipSync(input);
      mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip';
    } else if (input.length >= 4 && input.readUInt32BE(0) === 0x28b52ffd) {
      raw = zlib.zstdDecompressSync(input);
      mediaType = 'application/vnd.oci.image.layer.v1.tar+zstd';
    }
    if (raw.length % 512 !== 0) throw new Error('fake sink: not a tar stream');
    return this.store(raw, mediaType ? { digest: sha(input), size: input.length, mediaType } : undefined);
  }

  private store(raw: Buffer, compressed: ExtractedLayer['compressed']): ExtractedLayer {
    const cacheId = `cache${this.next++}`;
    this.unpackedCount.n++;
    this.live.set(cacheId, raw);
    return { cacheId, diffId: sha(raw), size: raw.length, tarSize: raw.length, ...(compressed ? { compressed } : {}) };
  }

  async discardLayer(cacheId: string): Promise<void> {
    this.discarded.push(cacheId);
    this.live.delete(cacheId);
  }
}

export interface Entry {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'symlink' | 'link' | 'directory';
  linkname?: string;
}

/** A tar archive of the entries, in order. */
export async function makeTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => { for await (const c of pack) chunks.push(c as Buffer); })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      const mtime = new Date(0);
      if (e.type === 'symlink' || e.type === 'link') pack.entry({ name: e.name, type: e.type, linkname: e.linkname, mtime }, cb);
      else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mtime }, cb);
      else pack.entry({ name: e.name, mtime }, Buffer.from(e.data ?? ''), cb);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** A layer tar holding the given files. */
export function layerTar(files: Record<string, string>): Promise<Buffer> {
  return makeTar(Object.entries(files).map(([name, data]) => ({ name, data })));
}

/** A minimal image config over the given layers. */
export function configFor(layers: Buffer[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] }, ...extra,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => sha(l)) },
  }));
}

/** The archive as a stream of small chunks (to exercise chunk boundaries). */
export function chunked(data: Buffer, size = 777): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

export function load(data: Buffer, sink: ArchiveSink, opts?: ReadOptions): Promise<ArchiveImage[]> {
  return readImageArchive(chunked(data), sink, opts);
}

export interface TestImage { tags: string[]; layers: Buffer[]; config?: Buffer }

/** dockerd ≤ 24 `docker save`: `<v1id>/layer.tar` + json + VERSION, symlinks for repeated layers. */
export function legacyEntries(images: TestImage[]): Entry[] {
  const entries: Entry[] = [];
  const dirOf = new Map<string, string>();
  const manifest = images.map((img, n) => {
    const config = img.config ?? configFor(img.layers);
    const paths = img.layers.map((l, i) => {
      const dir = hex(sha(`${n}/${i}/${sha(l)}`));
      const first = dirOf.get(sha(l));
      entries.push({ name: `${dir}/`, type: 'directory' }, { name: `${dir}/VERSION`, data: '1.0' }, { name: `${dir}/json`, data: JSON.stringify({ id: dir }) });
      if (first) entries.push({ name: `${dir}/layer.tar`, type: 'symlink', linkname: `../${first}/layer.tar` });
      else entries.push({ name: `${dir}/layer.tar`, data: l });
      dirOf.set(sha(l), dirOf.get(sha(l)) ?? dir);
      return `${dir}/layer.tar`;
    });
    entries.push({ name: `${hex(sha(config))}.json`, data: config });
    return { Config: `${hex(sha(config))}.json`, RepoTags: img.tags.length ? img.tags : null, Layers: paths };
  });
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) }, { name: 'repositories', data: '{}' });
  return entries;
}

/** podman / skopeo docker-archive: `<diffid hex>.tar`, `<config hex>.json`. */
export function podmanEntries(images: TestImage[]): Entry[] {
  const entries: Entry[] = [];
  const seen = new Set<string>();
  const manifest = images.map((img) => {
    const config = img.config ?? configFor(img.layers);
    for (const l of img.layers) {
      if (!seen.has(sha(l))) entries.push({ name: `${hex(sha(l))}.tar`, data: l });
      seen.add(sha(l));
    }
    entries.push({ name: `${hex(sha(config))}.json`, data: config });
    return { Config: `${hex(sha(config))}.json`, RepoTags: img.tags, Layers: img.layers.map((l) => `${hex(sha(l))}.tar`) };
  });
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  return entries;
}

export interface OciImage { blobs: Map<string, Buffer>; manifest: Buffer; digest: string; layerDigests: string[] }

/** The blobs of one image in OCI form (layers optionally compressed). */
export function ociImage(img: TestImage, compress?: 'gzip' | 'zstd'): OciImage {
  const blobs = new Map<string, Buffer>();
  const config = img.config ?? configFor(img.layers);
  const layerDescs = img.layers.map((l) => {
    const data = compress === 'gzip' ? zlib.gzipSync(l) : compress === 'zstd' ? zlib.zstdCompressSync(l) : l;
    blobs.set(sha(data), data);
    return { mediaType: `application/vnd.oci.image.layer.v1.tar${compress ? '+' + compress : ''}`, digest: sha(data), size: data.length };
  });
  blobs.set(sha(config), config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: layerDescs,
  }));
  blobs.set(sha(manifest), manifest);
  return { blobs, manifest, digest: sha(manifest), layerDigests: layerDescs.map((d) => d.digest) };
}

export function docker25Annotations(tag: string): Record<string, string> {
  const first = tag.split('/')[0];
  const full = !tag.includes('/') ? `docker.io/library/${tag}` : /[.:]|^localhost$/.test(first) ? tag : `docker.io/${tag}`;
  return { 'io.containerd.image.name': full, 'org.opencontainers.image.ref.name': tag.slice(tag.lastIndexOf(':') + 1) };
}

/** An OCI layout archive; with manifestJson, the Docker 25+ `docker save` layout. */
export function ociEntries(images: TestImage[], opts: { compress?: 'gzip' | 'zstd'; manifestJson?: boolean; annotate?: (tag: string) => Record<string, string> } = {}): Entry[] {
  const annotate = opts.annotate ?? docker25Annotations;
  const blobs = new Map<string, Buffer>();
  const index: unknown[] = [];
  const manifest: unknown[] = [];
  for (const img of images) {
    const o = ociImage(img, opts.compress);
    for (const [d, b] of o.blobs) blobs.set(d, b);
    const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: o.digest, size: o.manifest.length };
    if (img.tags.length === 0) index.push(desc);
    for (const t of img.tags) index.push({ ...desc, annotations: annotate(t) });
    const config = img.config ?? configFor(img.layers);
    manifest.push({ Config: `blobs/sha256/${hex(sha(config))}`, RepoTags: img.tags, Layers: o.layerDigests.map((d) => `blobs/sha256/${hex(d)}`) });
  }
  return layoutEntries(blobs, index, opts.manifestJson ? manifest : undefined);
}

/** blobs/, index.json and oci-layout (and manifest.json when given). */
export function layoutEntries(blobs: Map<string, Buffer>, index: unknown[], manifest?: unknown[]): Entry[] {
  const entries: Entry[] = [{ name: 'blobs/', type: 'directory' }, { name: 'blobs/sha256/', type: 'directory' }];
  for (const [d, b] of blobs) entries.push({ name: `blobs/sha256/${hex(d)}`, data: b });
  entries.push({ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' });
  entries.push({ name: 'index.json', data: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: index }) });
  if (manifest) entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  return entries;
}
