import type { HistoryEntry, ImageInfo, ImageRecord, LayerRecord } from '../../core/images/types.ts';
import { familiarString, parseReference } from '../../core/reference/reference.ts';

function familiar(names: string[]): string[] {
  return names.map((n) => familiarString(parseReference(n)));
}

/** GET /images/json item (API 1.50 ImageSummary). */
export function imageSummary(img: ImageInfo, containers: number | undefined, sharedSize: number | undefined): Record<string, unknown> {
  return {
    Containers: containers ?? -1,
    Created: img.created,
    Id: img.id,
    Labels: img.labels,
    ParentId: img.parent,
    RepoDigests: familiar(img.repoDigests),
    RepoTags: familiar(img.repoTags),
    SharedSize: sharedSize ?? -1,
    Size: img.size,
  };
}

/**
 * An image summary for an older client, as dockerd's getImagesJSON: VirtualSize
 * (the size) before 1.44; before 1.43 no empty lists: `<none>` placeholders for
 * an image without any reference, null for the missing kind otherwise.
 */
export function legacySummary(s: Record<string, unknown>, opts: { none: boolean; virtualSize: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s };
  if (opts.none) {
    const tags = s.RepoTags as string[];
    const digests = s.RepoDigests as string[];
    if (!tags.length && !digests.length) {
      out.RepoTags = ['<none>:<none>'];
      out.RepoDigests = ['<none>@<none>'];
    } else {
      if (!tags.length) out.RepoTags = null;
      if (!digests.length) out.RepoDigests = null;
    }
  }
  if (opts.virtualSize) out.VirtualSize = s.Size;
  return out;
}

/** GET /images/{name}/json (API 1.50 ImageInspect). */
/** ocispec.ImageConfig then Docker's extensions: the image Config of API 1.50, in its order. */
const IMAGE_CONFIG_KEYS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped', 'Healthcheck', 'OnBuild', 'Shell'];

const isEmpty = (v: unknown): boolean => v === null || v === undefined || v === '' || v === false
  || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/** API 1.50's image Config (DockerOCIImageConfig: only its fields, empty ones left out); older versions get the container-config shape. */
export function imageConfigShape(config: Record<string, unknown> | null | undefined, legacy: boolean): Record<string, unknown> | null {
  if (!config || legacy) return config ?? null;
  const out: Record<string, unknown> = {};
  for (const k of IMAGE_CONFIG_KEYS) if (!isEmpty(config[k])) out[k] = config[k];
  return out;
}

export function imageInspect(img: ImageRecord, layers: LayerRecord[], graphData: Record<string, string> | null, legacyConfig = false): Record<string, unknown> {
  const c = img.config;
  const out: Record<string, unknown> = {
    Id: img.id,
    RepoTags: familiar(img.repoTags),
    RepoDigests: familiar(img.repoDigests),
    Parent: img.parent,
    // as dockerd's inspect: an image without a comment of its own shows its newest history entry's (a commit -m)
    Comment: c.comment || c.history?.at(-1)?.comment || '',
    Created: c.created ?? '0001-01-01T00:00:00Z',
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: imageConfigShape(c.config as Record<string, unknown> | undefined, legacyConfig),
    Architecture: c.architecture,
  };
  if (c.variant) out.Variant = c.variant;
  out.Os = c.os;
  if (typeof c['os.version'] === 'string') out.OsVersion = c['os.version'];
  out.Size = img.size;
  out.GraphDriver = { Data: graphData, Name: 'overlay2' };
  out.RootFS = { Type: 'layers', ...(layers.length ? { Layers: layers.map((l) => l.diffId) } : {}) };
  out.Metadata = { LastTagTime: img.metadata.lastTagTime ?? '0001-01-01T00:00:00Z' };
  return out;
}

/** GET /images/{name}/history items, newest first. */
/** `ancestors`: the image's parents (nearest first) that still exist; their entries get their IDs and tags, as dockerd shows built images. */
export function imageHistory(img: ImageRecord, layers: LayerRecord[], ancestors: ImageRecord[] = []): Record<string, unknown>[] {
  const hist: HistoryEntry[] = img.config.history?.length ? img.config.history : layers.map(() => ({ created: img.config.created, created_by: '' }));
  let li = 0;
  const rows = hist.map((h) => {
    const size = h.empty_layer ? 0 : (layers[li++]?.size ?? 0);
    return {
      Comment: h.comment ?? '',
      Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
      CreatedBy: h.created_by ?? '',
      Id: '<missing>',
      Size: size,
      Tags: null as string[] | null,
    };
  }).reverse();
  for (const a of [img, ...ancestors]) {
    const at = rows.length - (a.config.history?.length ?? 0);
    if (at < 0 || at >= rows.length || rows[at].Id !== '<missing>') continue;
    rows[at].Id = a.id;
    rows[at].Tags = a.repoTags.length ? familiar(a.repoTags) : null;
  }
  if (rows.length && rows[0].Id === '<missing>') {
    rows[0].Id = img.id;
    rows[0].Tags = img.repoTags.length ? familiar(img.repoTags) : null;
  }
  return rows;
}
