/**
 * `docker push`: for each layer (top first in the progress), skip it when the
 * registry has it, mount it from another repository of the same registry,
 * send the stored compressed blob of a pulled layer as is, or gzip the layer
 * tar while uploading it (keeping the result for the next push); then the
 * config and a schema2 (or OCI, for OCI layers) manifest.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MEDIA, type Descriptor, type PushOptions } from '../core/distribution/types.ts';
import type { ProgressFn, LayerRecord } from '../core/images/types.ts';
import { familiarString, fullName, repositoryName, type Reference } from '../core/reference/reference.ts';
import type { DistributionContext } from './context.ts';
import { adaptiveGzip } from './compress.ts';
import { LayerProgress, shortId } from './progress.ts';
import type { Repository } from './registry.ts';

/** The registry-relative path of a "domain/path" repository name on `domain`. */
function pathOn(repoName: string, domain: string): string | undefined {
  return repoName.startsWith(`${domain}/`) ? repoName.slice(domain.length + 1) : undefined;
}

async function pushLayer(ctx: DistributionContext, repo: Repository, ref: Reference, layer: LayerRecord, p: LayerProgress, signal?: AbortSignal): Promise<Descriptor> {
  const { content, layers } = ctx.images.deps;
  const release = await ctx.uploads.acquire(signal);
  try {
    const target = repositoryName(ref);
    const known = [];
    for (const b of ctx.meta.forDiffId(layer.diffId)) if (await content.has(b.digest)) known.push(b);
    for (const b of known) {
      const desc: Descriptor = { mediaType: b.mediaType, digest: b.digest, size: b.size };
      if (b.repos.includes(target) || known.length > 0) {
        if ((await repo.statBlob(b.digest, signal)) !== undefined) {
          p.status('Layer already exists');
          await ctx.meta.addRepo(b.digest, target);
          return desc;
        }
      }
      for (const other of b.repos) {
        const from = pathOn(other, ref.domain);
        if (!from || other === target) continue;
        const r = await repo.mount(b.digest, from, signal).catch(() => null);
        if (r === true) {
          p.status(`Mounted from ${from}`);
          await ctx.meta.addRepo(b.digest, target);
          return desc;
        }
      }
      // send the stored blob as it is
      const location = await repo.startUpload(signal);
      let sent = 0;
      const counter = new Transform({ transform(c: Buffer, _e, cb) { sent += c.length; p.bytes('Pushing', sent, b.size); cb(null, c); } });
      const src = content.stream(b.digest);
      src.pipe(counter);
      await repo.putBlob(location, b.digest, counter, b.size, signal);
      p.status('Pushed');
      await ctx.meta.addRepo(b.digest, target);
      return desc;
    }
    // a layer built here: gzip it while uploading, and keep the blob
    const location = await repo.startUpload(signal);
    const tar = layers.tarStream(layer.cacheId);
    const gz = adaptiveGzip();
    let read = 0;
    const counter = new Transform({ transform(c: Buffer, _e, cb) { read += c.length; p.bytes('Pushing', read, layer.tarSize); cb(null, c); } });
    const hash = createHash('sha256');
    let size = 0;
    const toNet = new PassThrough({ highWaterMark: 1 << 20 });
    const toStore = new PassThrough({ highWaterMark: 1 << 20 });
    const tap = new Transform({ transform(c: Buffer, _e, cb) { hash.update(c); size += c.length; cb(null, c); } });
    const compress = pipeline(tar, counter, gz, tap);
    tap.pipe(toNet);
    tap.pipe(toStore);
    const storing = content.write(toStore, undefined, { signal, sync: false });
    const uploading = repo.session.fetch(location, {
      method: 'PATCH', body: toNet, signal, timeoutMs: 300_000, headers: { 'Content-Type': 'application/octet-stream' },
    }, repo.scope);
    const [res] = await Promise.all([uploading, compress, storing]);
    res.discard();
    if (res.status !== 202) await repo.fail(res, 'blob upload');
    const digest = `sha256:${hash.digest('hex')}`;
    const next = res.headers.location ? new URL(res.headers.location, repo.session.base + '/').href : location;
    await repo.putBlob(next, digest, Buffer.alloc(0), 0, signal);
    const desc: Descriptor = { mediaType: MEDIA.dockerLayer, digest, size };
    await ctx.meta.set({ digest, mediaType: MEDIA.dockerLayer, size, diffId: layer.diffId, repos: [target] });
    p.status('Pushed');
    return desc;
  } finally {
    release();
  }
}

/** Push one tag. */
export async function pushTag(ctx: DistributionContext, repo: Repository, ref: Reference, imageId: string, opts: PushOptions, progress: ProgressFn): Promise<void> {
  const { db, content, events } = ctx.images.deps;
  const row = db.get(imageId)!;
  const chain = db.chain(row.topChain);
  const shown = [...chain].reverse();
  const bars = new Map(shown.map((l) => [l.chainId, new LayerProgress(progress, shortId(l.diffId))]));
  for (const l of shown) bars.get(l.chainId)!.status('Preparing');
  if (!ctx.uploads.free || shown.length > ctx.settings().maxConcurrentUploads) {
    for (const l of shown.slice(ctx.settings().maxConcurrentUploads)) bars.get(l.chainId)!.status('Waiting');
  }
  const ac = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, ac.signal]) : ac.signal;
  const descs = await Promise.all(chain.map((l) => pushLayer(ctx, repo, ref, l, bars.get(l.chainId)!, signal).catch((e: unknown) => { ac.abort(e); throw e; })));
  const configBytes = await content.read(imageId);
  const oci = descs.some((d) => d.mediaType.startsWith('application/vnd.oci.'));
  if ((await repo.statBlob(imageId, signal)) === undefined) {
    const loc = await repo.startUpload(signal);
    await repo.putBlob(loc, imageId, configBytes, configBytes.length, signal);
  }
  const layerType = (t: string) => (oci && t === MEDIA.dockerLayer ? MEDIA.ociLayerGzip : t);
  const manifest = {
    schemaVersion: 2,
    mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest,
    config: { mediaType: oci ? MEDIA.ociConfig : MEDIA.dockerConfig, size: configBytes.length, digest: imageId },
    layers: descs.map((d) => ({ mediaType: layerType(d.mediaType), size: d.size, digest: d.digest })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 3));
  const tag = ref.tag ?? 'latest';
  await repo.putManifest(tag, bytes, manifest.mediaType, signal);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  db.tx(() => db.setRef(fullName({ ...ref, tag: undefined, digest }), imageId, 'digest'));
  events.publish('image', 'push', imageId, { name: familiarString({ ...ref, tag }) });
  progress({ status: `${tag}: digest: ${digest} size: ${bytes.length}` });
  progress({ progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: bytes.length } });
}
