/*
 * --cache-from: images (pulled or loaded, without their intermediate
 * images) whose history continues the stage's current image with the
 * step's command are a cache hit, as dockerd's imageCache does it: the
 * parent's layers and history must be a prefix of the source's, the next
 * history entry's created_by must equal the step's command; the step's
 * image is then the source itself (last entry) or an intermediate image
 * made from the source's layers.
 */
import type { HistoryEntry, ImageConfig, ImageConfigBody, ImageRecord } from '../core/images/types.ts';
import { goContainerConfig } from '../containers/commit.ts';
import type { ImageService } from '../images/service.ts';

function validParent(target: ImageConfig, parent: ImageConfig | null): boolean {
  if (!parent) return true;
  const pd = parent.rootfs.diff_ids;
  const td = target.rootfs.diff_ids;
  if (pd.length > td.length || pd.some((d, i) => td[i] !== d)) return false;
  const ph = parent.history ?? [];
  const th = target.history ?? [];
  if (ph.length >= th.length) return false;
  return ph.every((h, i) => (h.created_by ?? '') === (th[i].created_by ?? '') && !!h.empty_layer === !!th[i].empty_layer);
}

/** The image a cache-from source gives for this step, or null. */
export async function cacheFromHit(images: ImageService, sources: ImageRecord[], parent: ImageRecord | null, createdBy: string, config: ImageConfigBody): Promise<string | null> {
  const n = parent?.config.history?.length ?? 0;
  for (const src of sources) {
    const cfg = src.config;
    const th = cfg.history ?? [];
    if (!validParent(cfg, parent?.config ?? null) || th.length <= n || (th[n].created_by ?? '') !== createdBy) continue;
    if (th.length - 1 === n) return src.id;
    const history: HistoryEntry[] = th.slice(0, n + 1);
    const layerCount = history.filter((h) => !h.empty_layer).length;
    const diffIds = cfg.rootfs.diff_ids.slice(0, layerCount);
    const chain = (await images.layersOf(src)).slice(0, layerCount);
    const out: Record<string, unknown> = {
      architecture: cfg.architecture, config: goContainerConfig(config), created: th[n].created ?? cfg.created, docker_version: cfg.docker_version,
      history, os: cfg.os, rootfs: { type: 'layers', diff_ids: diffIds },
    };
    const layers = chain.map((l) => ({ cacheId: l.cacheId, diffId: l.diffId, size: l.size, tarSize: l.tarSize }));
    const { id } = await images.registrar.register(Buffer.from(JSON.stringify(out)), layers, { parent: parent?.id ?? '' });
    return id;
  }
  return null;
}
