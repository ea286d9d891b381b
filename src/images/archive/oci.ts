/**
 * OCI image layout archives (`index.json`, `oci-layout`, `blobs/`): from
 * `skopeo copy ... oci-archive:`, buildkit's OCI exporter, containerd.
 */
import { hostArch } from '../../core/platform.ts';
import { InvalidParameterError } from '../../core/errors.ts';
import type { ExtractedLayer } from '../../core/layers/types.ts';
import { blobPath, type ArchiveFiles } from './files.ts';
import type { ImageSet } from './images.ts';
import { tagFromAnnotations } from './refs.ts';

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const MANIFEST_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);
const MAX_DEPTH = 4;

type Json = Record<string, unknown>;

function bad(msg: string): InvalidParameterError {
  return new InvalidParameterError(`invalid image archive: ${msg}`);
}

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export async function readOciLayout(files: ArchiveFiles, images: ImageSet): Promise<void> {
  if (files.has('oci-layout')) {
    const layout = files.json('oci-layout', 'oci-layout');
    if (!isObject(layout) || typeof layout.imageLayoutVersion !== 'string') throw bad('oci-layout has no imageLayoutVersion');
  }
  const index = files.json('index.json', 'index');
  if (!isObject(index) || !Array.isArray(index.manifests)) throw bad('index.json has no manifests list');
  for (const desc of index.manifests) {
    if (!isObject(desc)) throw bad('index.json: a manifest descriptor is not an object');
    const tag = tagFromAnnotations(desc.annotations);
    const { manifest, digest } = findImageManifest(files, desc, 0);
    await addImage(files, images, manifest, digest, tag ? [tag] : []);
  }
}

/** Follow a descriptor through nested indexes down to one image manifest. */
function findImageManifest(files: ArchiveFiles, desc: Json, depth: number): { manifest: Json; digest: string } {
  const digest = desc.digest;
  const what = `manifest ${typeof digest === 'string' ? digest : ''}`.trim();
  const parsed = files.blobJson(digest, what, desc.size);
  if (!isObject(parsed)) throw bad(`${what} is not a JSON object`);
  const mediaType = typeof desc.mediaType === 'string' ? desc.mediaType : parsed.mediaType;
  const isIndex = typeof mediaType === 'string' ? INDEX_TYPES.has(mediaType) : Array.isArray(parsed.manifests);
  if (isIndex) {
    if (depth >= MAX_DEPTH) throw bad(`${what}: indexes nested too deeply`);
    if (!Array.isArray(parsed.manifests)) throw bad(`index ${String(digest)} has no manifests list`);
    return findImageManifest(files, pickPlatform(files, parsed.manifests, String(digest)), depth + 1);
  }
  if (typeof mediaType === 'string' ? !MANIFEST_TYPES.has(mediaType) : !isObject(parsed.config)) {
    throw bad(`${what} has unsupported media type ${JSON.stringify(mediaType)}`);
  }
  return { manifest: parsed, digest: String(digest) };
}

/** Of an index's manifests, the one to load: present in the archive, an image, this host's platform if several. */
function pickPlatform(files: ArchiveFiles, manifests: unknown[], indexDigest: string): Json {
  const candidates = manifests.filter((d): d is Json => {
    if (!isObject(d) || typeof d.digest !== 'string') return false;
    const ann = isObject(d.annotations) ? d.annotations : {};
    if (ann['vnd.docker.reference.type'] === 'attestation-manifest') return false;
    if (isObject(d.platform) && d.platform.os === 'unknown') return false;
    try {
      return files.has(blobPath(d.digest, 'manifest'));
    } catch {
      return false;
    }
  });
  if (candidates.length === 0) throw bad(`index ${indexDigest}: none of its image manifests is in the archive`);
  const arch = hostArch();
  return candidates.find((d) => isObject(d.platform) && d.platform.os === 'linux' && d.platform.architecture === arch) ?? candidates[0];
}

async function addImage(files: ArchiveFiles, images: ImageSet, manifest: Json, digest: string, tags: string[]): Promise<void> {
  const where = `manifest ${digest}`;
  const configDesc = manifest.config;
  if (!isObject(configDesc)) throw bad(`${where} has no config descriptor`);
  const config = files.blob(configDesc.digest, `config of ${where}`, configDesc.size);
  if (!Array.isArray(manifest.layers)) throw bad(`${where} has no layers list`);
  const layers: ExtractedLayer[] = [];
  for (const [i, d] of manifest.layers.entries()) {
    const what = `layer ${i} of ${where}`;
    if (!isObject(d)) throw bad(`${what}: descriptor is not an object`);
    const path = blobPath(d.digest, what);
    if (!String(d.digest).startsWith('sha256:')) throw bad(`${what}: unsupported digest algorithm in ${String(d.digest)}`);
    const layer = await files.layer(path, what);
    const actual = layer.compressed?.digest ?? layer.diffId;
    if (actual !== d.digest) throw bad(`${what}: digest mismatch: descriptor says ${String(d.digest)}, blob is ${actual}`);
    const size = layer.compressed?.size ?? layer.tarSize;
    if (typeof d.size === 'number' && d.size !== size) throw bad(`${what}: size mismatch: descriptor says ${d.size}, blob has ${size}`);
    layers.push(layer);
  }
  await images.add(config, layers, tags, where);
}
