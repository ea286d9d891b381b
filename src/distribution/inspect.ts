/**
 * GET /distribution/{name}/json: what a registry holds for a reference (the
 * manifest's descriptor and the platforms it serves), without pulling.
 */
import { MEDIA, type AuthConfig, type Descriptor, type DistributionInspect, type ImageManifest, type ManifestIndex, type Platform } from '../core/distribution/types.ts';
import { InvalidParameterError } from '../core/errors.ts';
import { parseReference } from '../core/reference/reference.ts';
import { sha256Of } from '../images/chain.ts';
import type { RegistrySettings } from './endpoints.ts';
import type { Repository } from './registry.ts';
import { withEndpoints } from './session.ts';

/** An OCI platform as Go's ocispec.Platform marshals it (empty fields left out). */
function platformJson(p: Partial<Platform> | undefined): Platform {
  const out: Platform = { architecture: p?.architecture ?? '', os: p?.os ?? '' };
  if (p?.['os.version']) out['os.version'] = p['os.version'];
  if (p?.['os.features']?.length) out['os.features'] = p['os.features'];
  if (p?.variant) out.variant = p.variant;
  return out;
}

async function platforms(repo: Repository, mediaType: string, bytes: Buffer, signal?: AbortSignal): Promise<Platform[]> {
  const doc = JSON.parse(bytes.toString('utf8')) as Partial<ImageManifest & ManifestIndex>;
  if (mediaType === MEDIA.dockerList || mediaType === MEDIA.ociIndex) return (doc.manifests ?? []).map((m) => platformJson(m.platform));
  if (mediaType !== MEDIA.dockerManifest && mediaType !== MEDIA.ociManifest) throw new InvalidParameterError(`unsupported manifest media type: ${mediaType}`);
  // a single image: its platform is in its config
  const cfg = doc.config as Descriptor | undefined;
  if (!cfg?.digest) throw new InvalidParameterError('invalid manifest: missing config');
  const blob = await (await repo.blob(cfg.digest, 0, signal)).bytes(16 << 20);
  if (sha256Of(blob) !== cfg.digest) throw new InvalidParameterError(`image config verification failed for digest ${cfg.digest}`);
  return [platformJson(JSON.parse(blob.toString('utf8')) as Partial<Platform>)];
}

export async function inspectDistribution(image: string, settings: RegistrySettings, auth: AuthConfig | undefined, signal?: AbortSignal): Promise<DistributionInspect> {
  const ref = parseReference(image);
  const reference = ref.digest ?? ref.tag ?? 'latest';
  return withEndpoints(ref.domain, ref.path, settings, auth, {}, async (repo) => {
    const m = await repo.manifest(reference, signal);
    return { Descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, Platforms: await platforms(repo, m.mediaType, m.bytes, signal) };
  });
}
