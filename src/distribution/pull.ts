/**
 * `docker pull`: resolve the manifest (choosing a platform from a list or
 * index), fetch and check the config, then download the missing layers in
 * parallel into the content store's ingest area while worker threads unpack
 * them right behind the download; register the image, then its tag and
 * digest references.
 */
import { MEDIA, type Descriptor, type ImageManifest, type ManifestIndex, type Platform, type PullOptions } from '../core/distribution/types.ts';
import { InvalidParameterError, NotFoundError, UnauthorizedError, ForbiddenError, errorMessage } from '../core/errors.ts';
import type { ProgressFn } from '../core/images/types.ts';
import type { ExtractedLayer } from '../core/layers/types.ts';
import { familiarName, familiarString, fullName, repositoryName, type Reference } from '../core/reference/reference.ts';
import { chainIds, sha256Of } from '../images/chain.ts';
import { parseConfig } from '../images/register.ts';
import { FileFeed } from '../core/layers/file-feed.ts';
import { blobBytes } from './download.ts';
import { saveBlob } from './save-blob.ts';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches, selectManifest } from '../core/platform.ts';
import { LayerProgress, shortId } from './progress.ts';
import { RegistryError, type Repository } from './registry.ts';
import type { DistributionContext } from './context.ts';

const LAYER_TYPES = new Set<string>([MEDIA.dockerLayer, MEDIA.dockerForeignLayer, MEDIA.ociLayer, MEDIA.ociLayerGzip, MEDIA.ociLayerZstd,
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar']);

/** Docker's wording for registry answers to a pull (distribution/errors.go). */
export function translatePullError(e: unknown, ref: Reference): unknown {
  const cause = (e as Error)?.cause;
  const codes = cause instanceof RegistryError ? cause.codes : e instanceof RegistryError ? e.codes : [];
  const text = errorMessage(e);
  if (codes.includes('DENIED')) {
    return new NotFoundError(`pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${text}`, { cause: e });
  }
  if (e instanceof UnauthorizedError || e instanceof ForbiddenError) return e;
  if (codes.includes('MANIFEST_UNKNOWN')) return new NotFoundError(`manifest for ${familiarString(ref)} not found: ${text}`, { cause: e });
  if (codes.includes('NAME_UNKNOWN')) return new NotFoundError(`repository ${familiarName(ref)} not found: ${text}`, { cause: e });
  return e;
}

interface LayerJob { desc: Descriptor; index: number; chainId: string; progress: LayerProgress }

/** The manifest for the wanted platform (following a list/index once). */
async function resolveManifest(repo: Repository, reference: string, want: Platform, signal?: AbortSignal):
  Promise<{ manifest: ImageManifest; digest: string; bytes: Buffer }> {
  let m = await repo.manifest(reference, signal);
  const top = m.digest;
  if (m.mediaType === MEDIA.dockerList || m.mediaType === MEDIA.ociIndex) {
    const index = JSON.parse(m.bytes.toString('utf8')) as ManifestIndex;
    const d = selectManifest(index.manifests ?? [], want);
    if (!d) throw new NotFoundError(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
    m = await repo.manifest(d.digest, signal);
  }
  if (m.mediaType === 'application/vnd.docker.distribution.manifest.v1+json' || m.mediaType.endsWith('manifest.v1+prettyjws')) {
    throw new InvalidParameterError('[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of the image to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2.');
  }
  if (m.mediaType !== MEDIA.dockerManifest && m.mediaType !== MEDIA.ociManifest) {
    throw new InvalidParameterError(`unsupported manifest media type and no default available: ${m.mediaType}`);
  }
  const manifest = JSON.parse(m.bytes.toString('utf8')) as ImageManifest;
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new InvalidParameterError('invalid manifest: missing config or layers');
  for (const l of manifest.layers) {
    if (!LAYER_TYPES.has(l.mediaType)) throw new InvalidParameterError(`unsupported layer media type ${l.mediaType}`);
  }
  return { manifest, digest: top, bytes: m.bytes };
}

/** Pull one tag or digest of `ref` from `repo`. Returns the familiar status line. */
export async function pullOne(ctx: DistributionContext, repo: Repository, ref: Reference, opts: PullOptions, progress: ProgressFn, quietHeader = false): Promise<string> {
  const { images } = ctx;
  const { db, content, events } = images.deps;
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const want = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const { manifest, digest } = await resolveManifest(repo, reference, want, opts.signal);
  if (!quietHeader) progress({ status: `Pulling from ${ref.path}`, id: reference });

  const configId = manifest.config.digest;
  let configBytes: Buffer;
  if (await content.has(configId)) configBytes = await content.read(configId);
  else {
    const res = await repo.blob(configId, 0, opts.signal);
    configBytes = await res.bytes(16 << 20);
    if (sha256Of(configBytes) !== configId) throw new InvalidParameterError(`image config verification failed for digest ${configId}`);
  }
  const config = parseConfig(configBytes);
  if (opts.platform && config.os && config.architecture && !platformMatches(want, { os: config.os, architecture: config.architecture, variant: config.variant })) {
    throw new NotFoundError(`image with reference ${familiarString(ref)} was found but its platform (${formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant })}) does not match the specified platform (${formatPlatform(want)})`);
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new InvalidParameterError(`invalid image: the manifest has ${manifest.layers.length} layers and the config ${diffIds.length}`);
  }

  let fresh = false;
  if (!db.get(configId)) {
    const chains = chainIds(diffIds);
    const jobs: LayerJob[] = [];
    const extracted: (ExtractedLayer | undefined)[] = [];
    manifest.layers.forEach((desc, index) => {
      const existing = db.getLayer(chains[index]);
      const p = new LayerProgress(progress, shortId(desc.digest));
      if (existing) {
        extracted[index] = { cacheId: existing.cacheId, diffId: existing.diffId, size: existing.size, tarSize: existing.tarSize };
        p.status('Already exists');
      } else {
        jobs.push({ desc, index, chainId: chains[index], progress: p });
        p.status('Pulling fs layer');
      }
    });
    const repoName = `${repositoryName(ref)}`;
    const held: string[] = [];
    const ac = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, ac.signal]) : ac.signal;
    try {
      for (const j of jobs.slice(Math.max(1, ctx.settings().maxConcurrentDownloads))) j.progress.status('Waiting');
      const results = await Promise.allSettled(jobs.map(async (j) => {
        held.push(j.chainId);
        const layer = await ctx.inflight(j.chainId, () => downloadLayer(ctx, repo, j, repoName, signal));
        extracted[j.index] = layer;
        if (layer.diffId !== diffIds[j.index]) {
          throw new InvalidParameterError(`invalid diffID for layer ${j.index}: expected "${diffIds[j.index]}", got "${layer.diffId}"`);
        }
        j.progress.status('Pull complete');
      }).map((p) => p.catch((e: unknown) => { ac.abort(e); throw e; })));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const { isNew } = await images.registrar.register(configBytes, extracted as ExtractedLayer[]);
      fresh = isNew;
      for (const [i, desc] of manifest.layers.entries()) {
        if (desc.mediaType !== MEDIA.ociLayer) await ctx.meta.set({ digest: desc.digest, mediaType: desc.mediaType, size: desc.size, diffId: diffIds[i], repos: [repoName] });
      }
    } finally {
      await ctx.release(held);
    }
  } else {
    for (const desc of manifest.layers) await ctx.meta.addRepo(desc.digest, `${repositoryName(ref)}`);
  }

  // references: the digest always, the tag when pulled by tag
  let moved = fresh;
  const digestRef = fullName({ ...ref, tag: undefined, digest });
  db.tx(() => {
    if (db.refTarget(digestRef) !== configId) moved = true;
    db.setRef(digestRef, configId, 'digest');
    if (!ref.digest) {
      const tagRef = fullName({ ...ref, digest: undefined });
      if (db.refTarget(tagRef) !== configId) moved = true;
      db.setRef(tagRef, configId, 'tag');
    }
  });
  events.publish('image', 'pull', configId, { name: familiarString(ref.digest ? { ...ref, tag: undefined } : ref) });
  progress({ status: `Digest: ${digest}` });
  const shown = familiarString(ref.digest ? { ...ref, tag: undefined } : ref);
  return moved ? `Downloaded newer image for ${shown}` : `Image is up to date for ${shown}`;
}

/**
 * Download one layer blob into the content store's ingest area (checking its
 * size and digest) while a worker thread unpacks it right behind the
 * download; the blob is kept only when both succeed.
 */
async function downloadLayer(ctx: DistributionContext, repo: Repository, j: LayerJob, repoName: string, signal: AbortSignal): Promise<ExtractedLayer> {
  const { content, layers } = ctx.images.deps;
  const release = await ctx.downloads.acquire(signal);
  const { desc, progress } = j;
  const ingest = await content.ingest();
  let layer: ExtractedLayer | null = null;
  try {
    const total = desc.size;
    progress.bytes('Downloading', 0, total, true);
    const keep = desc.mediaType !== MEDIA.ociLayer;
    if (keep) await ctx.meta.set({ digest: desc.digest, mediaType: desc.mediaType, size: desc.size, repos: [repoName] });
    const feed = new FileFeed(ingest.path);
    const unpacking = layers.unpackFile(feed, { signal }).then((l) => { layer = l; return l; });
    // the download goes on when the unpack fails: corrupt bytes usually break the
    // decompressor first, and the digest's verdict is the error Docker gives for them
    const src = blobBytes(repo, desc, signal, (n) => progress.bytes('Downloading', n, total));
    const downloading = saveBlob(src, feed).then(() => {
      progress.status('Verifying Checksum');
      progress.status('Download complete');
    });
    const [downloaded, unpacked] = await Promise.allSettled([downloading, unpacking]);
    if (downloaded.status === 'rejected') throw downloaded.reason;
    if (unpacked.status === 'rejected') throw unpacked.reason;
    const got = unpacked.value;
    if (keep && !(await content.has(desc.digest))) await ingest.commit(desc.digest);
    else await ingest.abort();
    progress.bytes('Extracting', total, total, true);
    return got;
  } catch (e) {
    await ingest.abort();
    if (layer) await layers.remove((layer as ExtractedLayer).cacheId);
    throw e;
  } finally {
    release();
  }
}
