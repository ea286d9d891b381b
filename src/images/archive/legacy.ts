/**
 * `manifest.json` archives: dockerd before 25 (`<id>/layer.tar`), podman and
 * skopeo (`<hex>.tar`), Docker 25+ (paths into `blobs/sha256/`).
 */
import { InvalidParameterError } from '../../core/errors.ts';
import type { ExtractedLayer } from '../../core/layers/types.ts';
import type { ArchiveFiles } from './files.ts';
import type { ImageSet } from './images.ts';
import { familiarString, parseTagged } from './refs.ts';

function bad(msg: string): InvalidParameterError {
  return new InvalidParameterError(`invalid image archive: manifest.json: ${msg}`);
}

export async function readLegacyManifest(files: ArchiveFiles, images: ImageSet): Promise<void> {
  const manifest = files.json('manifest.json', 'manifest');
  if (!Array.isArray(manifest)) throw bad('not a JSON array');
  for (const [i, m] of manifest.entries()) {
    if (!m || typeof m !== 'object') throw bad(`entry ${i} is not an object`);
    const { Config, Layers, RepoTags } = m as Record<string, unknown>;
    if (typeof Config !== 'string') throw bad(`entry ${i} has no Config`);
    if (!Array.isArray(Layers) || !Layers.every((p) => typeof p === 'string')) throw bad(`entry ${i} has no Layers list`);
    if (RepoTags != null && (!Array.isArray(RepoTags) || !RepoTags.every((t) => typeof t === 'string'))) {
      throw bad(`entry ${i} has an invalid RepoTags`);
    }
    const where = `image ${i} (${Config})`;
    const config = files.data(Config, `config of ${where}`);
    const layers: ExtractedLayer[] = [];
    for (const [n, p] of (Layers as string[]).entries()) layers.push(await files.layer(p, `layer ${n} of ${where}`));
    await images.add(config, layers, ((RepoTags ?? []) as string[]).map((t) => checkTag(t, i)), where);
  }
}

function checkTag(tag: string, i: number): string {
  const r = parseTagged(tag);
  if (!r) throw bad(`entry ${i} has an invalid tag ${JSON.stringify(tag)}`);
  return familiarString(r);
}
