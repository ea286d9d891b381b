/**
 * Collecting the images an archive describes: checking each config against
 * its layers, merging entries that describe the same image, and keeping one
 * layer directory per chain position.
 */
import { createHash } from 'node:crypto';
import { InvalidParameterError } from '../../core/errors.ts';
import type { ExtractedLayer } from '../../core/layers/types.ts';
import type { ArchiveImage, ArchiveSink } from './types.ts';

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** The config's rootfs.diff_ids, after checking the config is a JSON object that has them. */
export function configDiffIds(config: Buffer, where: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.toString('utf8'));
  } catch (e) {
    throw new InvalidParameterError(`invalid image archive: config of ${where} is not valid JSON: ${(e as Error).message}`);
  }
  const rootfs = parsed && typeof parsed === 'object' ? (parsed as { rootfs?: unknown }).rootfs : undefined;
  const ids = rootfs && typeof rootfs === 'object' ? (rootfs as { diff_ids?: unknown }).diff_ids : undefined;
  if (!Array.isArray(ids) || !ids.every((d) => typeof d === 'string')) {
    throw new InvalidParameterError(`invalid image archive: config of ${where} has no rootfs.diff_ids`);
  }
  return ids as string[];
}

/** Throw unless the layers' diffIds are exactly the config's rootfs.diff_ids. */
export function checkDiffIds(config: Buffer, layers: readonly { diffId: string }[], where: string): void {
  const want = configDiffIds(config, where);
  if (want.length !== layers.length) {
    throw new InvalidParameterError(`invalid image archive: ${where}: layers length mismatch: config lists ${want.length}, manifest ${layers.length}`);
  }
  layers.forEach((l, i) => {
    if (l.diffId !== want[i]) {
      throw new InvalidParameterError(`invalid image archive: ${where}: invalid diffID for layer ${i}: expected "${want[i]}", got "${l.diffId}"`);
    }
  });
}

export class ImageSet {
  private readonly sink: ArchiveSink;
  private readonly unpacked: ExtractedLayer[];
  private readonly images = new Map<string, ArchiveImage>();
  /** cacheId → the chain ID it was first placed at. */
  private readonly placedAt = new Map<string, string>();
  /** "cacheId chainId" → the copy made for that position. */
  private readonly copies = new Map<string, ExtractedLayer>();

  constructor(sink: ArchiveSink, unpacked: ExtractedLayer[]) {
    this.sink = sink;
    this.unpacked = unpacked;
  }

  async add(config: Buffer, layers: ExtractedLayer[], tags: string[], where: string): Promise<void> {
    checkDiffIds(config, layers, where);
    const id = sha256(config);
    const known = this.images.get(id);
    if (known) {
      for (const t of tags) if (!known.repoTags.includes(t)) known.repoTags.push(t);
      return;
    }
    const placed: ExtractedLayer[] = [];
    let chain = '';
    for (const l of layers) {
      chain = chain === '' ? l.diffId : sha256(`${chain} ${l.diffId}`);
      placed.push(await this.place(l, chain));
    }
    this.images.set(id, { config, id, repoTags: [...new Set(tags)], layers: placed });
  }

  private async place(layer: ExtractedLayer, chain: string): Promise<ExtractedLayer> {
    const first = this.placedAt.get(layer.cacheId);
    if (first === undefined) {
      this.placedAt.set(layer.cacheId, chain);
      return layer;
    }
    if (first === chain || !this.sink.duplicateLayer) return layer;
    const key = `${layer.cacheId} ${chain}`;
    let copy = this.copies.get(key);
    if (!copy) {
      copy = await this.sink.duplicateLayer(layer.cacheId);
      this.unpacked.push(copy);
      if (copy.diffId !== layer.diffId) {
        throw new InvalidParameterError(`copy of layer ${layer.diffId} has diffID ${copy.diffId}`);
      }
      this.copies.set(key, copy);
      this.placedAt.set(copy.cacheId, chain);
    }
    return copy;
  }

  list(): ArchiveImage[] {
    return [...this.images.values()];
  }

  /** cacheIds of every layer some image uses. */
  used(): Set<string> {
    return new Set(this.list().flatMap((i) => i.layers.map((l) => l.cacheId)));
  }
}
