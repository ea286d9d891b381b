/**
 * `docker save`: stream an archive in the Docker 25+ layout, which old
 * loaders (manifest.json) and OCI tools (index.json) both read. Every blob
 * is written once; layers stream from the store and are checked on the fly.
 */
import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidParameterError } from '../../core/errors.ts';
import { checkDiffIds, sha256 } from './images.ts';
import { familiarRepo, familiarString, fullString, parseTagged, type TaggedRef } from './refs.ts';

export interface SaveLayer {
  diffId: string;
  tarSize: number;
  /** The exact uncompressed tar bytes. */
  open(): Readable;
}

export interface SaveImage {
  id: string;
  config: Buffer;
  /** Familiar "name:tag" references. */
  repoTags: string[];
  layers: SaveLayer[];
}

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const MTIME = new Date(0);

interface Planned { image: SaveImage; tags: TaggedRef[]; manifest: Buffer; manifestDigest: string }

/** Write the archive to `out` (which is ended, or destroyed on failure). */
export async function writeImageArchive(images: SaveImage[], out: Writable, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const planned = merge(images).map(plan);
  const pack = tar.pack();
  pack.on('error', noop);
  let producerError: unknown = null;
  const producing = produce(pack, planned, opts.signal).catch((e: unknown) => {
    // When the output failed first, the pack is already torn down and this is only a consequence.
    if (!(pack as unknown as { destroying: boolean }).destroying) {
      producerError = e;
      pack.destroy(e as Error);
    }
  });
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const chunk of pack) yield chunk as Buffer;
  }
  const [, written] = await Promise.allSettled([producing, pipeline(bytes, out, { signal: opts.signal })]);
  if (producerError !== null) throw producerError;
  if (written.status === 'rejected') throw written.reason;
}

/** One entry per image ID, tags merged and deduplicated. */
function merge(images: SaveImage[]): SaveImage[] {
  const byId = new Map<string, SaveImage>();
  for (const img of images) {
    const known = byId.get(img.id);
    if (known) known.repoTags = [...new Set([...known.repoTags, ...img.repoTags])];
    else byId.set(img.id, { ...img, repoTags: [...new Set(img.repoTags)] });
  }
  return [...byId.values()];
}

function plan(image: SaveImage): Planned {
  if (sha256(image.config) !== image.id) throw new InvalidParameterError(`image ${image.id}: config does not match its ID`);
  checkDiffIds(image.config, image.layers, `image ${image.id}`);
  const tags = image.repoTags.map((t) => {
    const r = parseTagged(t);
    if (!r) throw new InvalidParameterError(`invalid tag ${JSON.stringify(t)}`);
    return r;
  });
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: image.id, size: image.config.length },
    layers: image.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.diffId, size: l.tarSize })),
  }));
  return { image, tags, manifest, manifestDigest: sha256(manifest) };
}

function blobName(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

async function produce(pack: tar.Pack, planned: Planned[], signal?: AbortSignal): Promise<void> {
  await addDir(pack, 'blobs/');
  await addDir(pack, 'blobs/sha256/');
  const written = new Set<string>();
  for (const p of planned) {
    for (const layer of p.image.layers) {
      if (written.has(layer.diffId)) continue;
      signal?.throwIfAborted();
      await addLayer(pack, layer);
      written.add(layer.diffId);
    }
    for (const [digest, data] of [[p.image.id, p.image.config], [p.manifestDigest, p.manifest]] as const) {
      if (written.has(digest)) continue;
      await addFile(pack, blobName(digest), data);
      written.add(digest);
    }
  }
  await addFile(pack, 'index.json', json(indexJson(planned)));
  await addFile(pack, 'manifest.json', json(planned.map((p) => ({
    Config: blobName(p.image.id),
    RepoTags: p.tags.map(familiarString),
    Layers: p.image.layers.map((l) => blobName(l.diffId)),
  }))));
  await addFile(pack, 'oci-layout', json({ imageLayoutVersion: '1.0.0' }));
  await addFile(pack, 'repositories', json(repositories(planned)));
  pack.finalize();
}

function json(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

function indexJson(planned: Planned[]): unknown {
  const manifests = planned.flatMap((p) => {
    const desc = { mediaType: MANIFEST_TYPE, digest: p.manifestDigest, size: p.manifest.length };
    if (p.tags.length === 0) return [desc];
    return p.tags.map((t) => ({
      ...desc,
      annotations: { 'io.containerd.image.name': fullString(t), 'org.opencontainers.image.ref.name': t.tag },
    }));
  });
  return { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
}

/** The legacy `repositories` file: repository → tag → top layer. */
function repositories(planned: Planned[]): Record<string, Record<string, string>> {
  const repos: Record<string, Record<string, string>> = {};
  for (const p of planned) {
    const top = p.image.layers.at(-1);
    if (!top) continue;
    for (const t of p.tags) (repos[familiarRepo(t)] ??= {})[t.tag] = top.diffId.slice('sha256:'.length);
  }
  return repos;
}

function addDir(pack: tar.Pack, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, type: 'directory', mode: 0o755, mtime: MTIME }, (err) => (err ? reject(err) : resolve())).on('error', noop);
  });
}

function addFile(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mode: 0o644, mtime: MTIME }, data, (err) => (err ? reject(err) : resolve())).on('error', noop);
  });
}

/** Stream one layer into the archive, refusing to write a wrong byte count or content. */
async function addLayer(pack: tar.Pack, layer: SaveLayer): Promise<void> {
  const name = blobName(layer.diffId);
  let entry!: Writable;
  const done = new Promise<void>((resolve, reject) => {
    entry = pack.entry({ name, size: layer.tarSize, mode: 0o644, mtime: MTIME }, (err) => (err ? reject(err) : resolve()));
  });
  entry.on('error', noop);
  done.catch(noop);
  const source = layer.open();
  const hash = createHash('sha256');
  let count = 0;
  try {
    for await (const chunk of source) {
      const buf = chunk as Buffer;
      count += buf.length;
      if (count > layer.tarSize) throw new InvalidParameterError(`layer ${layer.diffId} is longer than its recorded size ${layer.tarSize}`);
      hash.update(buf);
      if (!entry.write(buf)) await drainOrClose(entry);
    }
  } finally {
    source.destroy();
  }
  if (count !== layer.tarSize) throw new InvalidParameterError(`layer ${layer.diffId} has ${count} bytes, its recorded size is ${layer.tarSize}`);
  const actual = 'sha256:' + hash.digest('hex');
  if (actual !== layer.diffId) throw new InvalidParameterError(`layer ${layer.diffId} has content ${actual}`);
  entry.end();
  await done;
}

function noop(): void { /* errors surface through the entry callbacks */ }

function drainOrClose(w: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => { w.off('drain', ok); w.off('close', closed); resolve(); };
    const closed = () => { w.off('drain', ok); w.off('close', closed); reject(new Error('archive stream closed')); };
    w.on('drain', ok);
    w.on('close', closed);
  });
}
