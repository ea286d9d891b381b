/*
 * A build step's image, as dockerd's classic builder commits it: the
 * parent's config with the stage's run config as `config`, the step's
 * `#(nop)` run config as `container_config`, one history entry, and the
 * container's upper directory packed as one more layer (RUN, COPY, ADD,
 * WORKDIR: also when it is empty, as dockerd does) or none (metadata).
 */
import type { ContainerRecord } from '../core/containers/types.ts';
import type { HistoryEntry, ImageConfig, ImageConfigBody, ImageRecord } from '../core/images/types.ts';
import { goContainerConfig } from '../containers/commit.ts';
import { runtimeArtifacts } from '../containers/init-paths.ts';
import { hostArch } from '../core/platform.ts';
import { ENGINE_VERSION } from '../images/import.ts';
import type { ImageService } from '../images/service.ts';
import { packUpperDir } from '../layers/pack.ts';
import { diffDir } from '../layers/rootfs.ts';

export interface StepCommit {
  /** The stage's image before this step (null: FROM scratch without layers yet). */
  parent: ImageRecord | null;
  config: ImageConfigBody;
  containerConfig: ImageConfigBody;
  /** The step's container (its id goes into the config; its upper dir becomes the layer). */
  container: ContainerRecord | null;
  /** A plain directory to pack as the layer instead (a step on FROM scratch). */
  upperDir?: string;
  /** Add a layer (RUN, COPY, ADD, WORKDIR) or not (metadata). */
  layer: boolean;
  author?: string;
  createdBy: string;
  /** RFC 3339 time for `created` (SOURCE_DATE_EPOCH or now). */
  created: string;
  platform: { os: string; architecture: string; variant?: string };
  /** Clamp file times in the layer to this (SOURCE_DATE_EPOCH). */
  clampMtime?: number;
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

function scratchConfig(platform: StepCommit['platform']): ImageConfig {
  return { architecture: platform.architecture || hostArch(), os: platform.os || 'linux', ...(platform.variant ? { variant: platform.variant } : {}), rootfs: { type: 'layers', diff_ids: [] } };
}

/** Commit one step; answers the new image's ID. */
export async function commitStep(images: ImageService, s: StepCommit): Promise<string> {
  const base = s.parent?.config ?? scratchConfig(s.platform);
  const chain = s.parent ? await images.layersOf(s.parent) : [];
  const layers = images.deps.layers;
  let layer = null;
  if (s.layer && s.upperDir) {
    layer = await layers.unpack(packUpperDir(s.upperDir, { clampMtime: s.clampMtime }));
  } else if (s.layer && s.container) {
    const upper = diffDir(s.container.rwDir);
    layer = await layers.unpack(packUpperDir(upper, { exclude: runtimeArtifacts(upper), clampMtime: s.clampMtime }));
  }
  try {
    const history: HistoryEntry = { created: s.created, created_by: s.createdBy };
    if (!layer) history.empty_layer = true;
    const cfg: Record<string, unknown> = { architecture: base.architecture || hostArch() };
    if (s.author) cfg.author = s.author;
    Object.assign(cfg, {
      config: goContainerConfig(s.config),
      container: s.container?.id ?? '',
      container_config: goContainerConfig(s.containerConfig),
      created: s.created,
      docker_version: ENGINE_VERSION,
      history: [...(base.history ?? []), history],
      os: base.os || 'linux',
      rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
    });
    if (base.variant) cfg.variant = base.variant;
    const parentLayers = chain.map((l) => ({ cacheId: l.cacheId, diffId: l.diffId, size: l.size, tarSize: l.tarSize }));
    const { id } = await images.registrar.register(Buffer.from(JSON.stringify(cfg)), layer ? [...parentLayers, layer] : parentLayers, { parent: s.parent?.id ?? '' });
    return id;
  } catch (e) {
    if (layer) await layers.remove(layer.cacheId).catch(() => undefined);
    throw e;
  }
}
