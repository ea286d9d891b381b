/**
 * Manifest checks on push: the JSON parses, its media type agrees with the
 * Content-Type, and it names the blobs (image manifests) or manifests
 * (indexes) it needs. Returns what the store needs to link and index it.
 */
import { RegistryError } from '../core/registry/errors.ts';
import { checkDigest } from '../core/registry/names.ts';
import { INDEX_TYPES, MT, type Descriptor } from '../core/registry/types.ts';

export interface ParsedManifest {
  mediaType: string;
  /** Blobs that must exist in the repository (config, layers). */
  blobs: Descriptor[];
  /** Manifests that must exist in the repository (index children). */
  children: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
  isIndex: boolean;
}

const invalid = (message: string) => new RegistryError('MANIFEST_INVALID', { message: `manifest invalid: ${message}` });

function descriptor(v: unknown, what: string): Descriptor {
  if (typeof v !== 'object' || v === null) throw invalid(`${what} is not a descriptor`);
  const d = v as Descriptor;
  if (typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || typeof d.size !== 'number' || !Number.isInteger(d.size) || d.size < 0) {
    throw invalid(`${what} needs mediaType, digest and size`);
  }
  try {
    checkDigest(d.digest);
  } catch {
    throw invalid(`${what} has an invalid digest ${JSON.stringify(d.digest)}`);
  }
  return d;
}

/** The media type a stored manifest is served with (its own field, else guessed from its shape like distribution). */
export function manifestMediaType(doc: Record<string, unknown>): string {
  if (typeof doc.mediaType === 'string' && doc.mediaType) return doc.mediaType;
  if (doc.schemaVersion === 1) return MT.dockerSchema1Signed;
  if (Array.isArray(doc.manifests)) return MT.ociIndex;
  return MT.ociManifest;
}

export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalid(`not JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('not a JSON object');
  if (doc.schemaVersion === 1) throw new RegistryError('MANIFEST_INVALID', { message: 'manifest invalid: schema 1 manifests are not supported' });
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const ct = (contentType ?? '').split(';')[0].trim();
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (own !== undefined && ct && ct !== own && ct !== 'application/json') {
    throw invalid(`mediaType ${JSON.stringify(own)} does not match Content-Type ${JSON.stringify(ct)}`);
  }
  const mediaType = own ?? (ct && ct !== 'application/json' ? ct : manifestMediaType(doc));
  const isIndex = INDEX_TYPES.has(mediaType) || (Array.isArray(doc.manifests) && doc.config === undefined);
  const out: ParsedManifest = { mediaType, blobs: [], children: [], isIndex };
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) throw invalid('an index needs a manifests array');
    out.children = doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`));
  } else {
    out.blobs.push(descriptor(doc.config, 'config'));
    if (!Array.isArray(doc.layers)) throw invalid('layers must be an array');
    for (const [i, l] of doc.layers.entries()) {
      const d = descriptor(l, `layers[${i}]`);
      // Foreign layers (with URLs) need not be in the registry.
      if (!(Array.isArray(d.urls) && d.urls.length > 0)) out.blobs.push(d);
    }
  }
  if (doc.subject !== undefined) out.subject = descriptor(doc.subject, 'subject');
  if (typeof doc.artifactType === 'string') out.artifactType = doc.artifactType;
  else if (!isIndex && out.blobs[0] && out.blobs[0].mediaType !== MT.ociEmpty && mediaType === MT.ociManifest && doc.config) {
    // The referrers API reports config.mediaType as artifactType when the manifest has none.
    out.artifactType = (doc.config as Descriptor).mediaType;
  }
  if (doc.annotations && typeof doc.annotations === 'object') out.annotations = doc.annotations as Record<string, string>;
  return out;
}
