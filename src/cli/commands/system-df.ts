/** `system df`: the TYPE/TOTAL/ACTIVE/SIZE/RECLAIMABLE summary and the -v sections, as docker prints them. */
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { finalFormat, isTableFormat, renderRows, renderTemplate } from '../format/formatter.ts';
import { humanDuration, humanSize } from '../format/units.ts';
import { familiarName, familiarString, parseReference } from '../../core/reference/reference.ts';
import { IMAGE_HEADERS, imageRow, isDangling, type ImageSummary } from './images-list.ts';
import { contextRow, createdSince, ellipsis, FORMAT_HELP, truncateId } from './shared.ts';

type Json = Record<string, any>;

export interface DiskUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: Json[] | null;
  Volumes?: Json[] | null;
  BuildCache?: Json[] | null;
}

const SUMMARY_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const SUMMARY_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
const IMAGES_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';
const CONTAINERS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const CONTAINER_HEADERS = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED',
  Status: 'STATUS', Names: 'NAMES', CreatedAt: 'CREATED AT', State: 'STATE',
};
const VOLUMES_TABLE = 'table {{.Name}}\t{{.Links}}\t{{.Size}}';
const VOLUME_HEADERS = { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE', Driver: 'DRIVER', Mountpoint: 'MOUNTPOINT' };
const CACHE_TABLE = 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}';
const CACHE_HEADERS = {
  ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED',
};

const withPercent = (reclaimable: number, total: number) =>
  total > 0 ? `${humanSize(reclaimable, 4)} (${Math.trunc((reclaimable * 100) / total)}%)` : humanSize(reclaimable, 4);
const isActive = (c: Json) => /running|paused|restarting/.test(String(c.State ?? ''));

/** The four summary rows (docker's diskUsage*Context). */
export function summaryRows(du: DiskUsage): Record<string, string>[] {
  const images = du.Images ?? [];
  const containers = du.Containers ?? [];
  const volumes = du.Volumes ?? [];
  const cache = du.BuildCache ?? [];
  const layers = du.LayersSize ?? 0;
  let used = 0;
  for (const i of images) if ((i.Containers ?? 0) !== 0 && i.Size !== -1 && (i.SharedSize ?? -1) !== -1) used += i.Size - (i.SharedSize ?? 0);
  const cSize = containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const cFree = containers.filter((c) => !isActive(c)).reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const sized = volumes.filter((v) => (v.UsageData?.Size ?? -1) !== -1);
  const vSize = sized.reduce((n, v) => n + v.UsageData.Size, 0);
  const vFree = sized.filter((v) => v.UsageData.RefCount === 0).reduce((n, v) => n + v.UsageData.Size, 0);
  const bSize = cache.filter((b) => !b.Shared).reduce((n, b) => n + (b.Size ?? 0), 0);
  const bBusy = cache.filter((b) => b.InUse && !b.Shared).reduce((n, b) => n + (b.Size ?? 0), 0);
  const row = (Type: string, total: number, active: number, Size: string, Reclaimable: string) =>
    contextRow({ Active: String(active), Reclaimable, Size, TotalCount: String(total), Type });
  return [
    row('Images', images.length, images.filter((i) => (i.Containers ?? 0) > 0).length, humanSize(layers, 4), withPercent(layers - used, layers)),
    row('Containers', containers.length, containers.filter(isActive).length, humanSize(cSize, 4), withPercent(cFree, cSize)),
    row('Local Volumes', volumes.length, volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, humanSize(vSize, 4), withPercent(vFree, vSize)),
    row('Build Cache', cache.length, cache.filter((b) => b.InUse).length, humanSize(bSize, 4), humanSize(bSize - bBusy, 4)),
  ];
}

/** docker's ContainerContext.Image with truncation. */
export function containerImage(c: Json, trunc: boolean): string {
  const image = String(c.Image ?? '');
  if (image === '') return '<no image>';
  if (!trunc) return image;
  if (truncateId(String(c.ImageID ?? '')) === truncateId(image)) return truncateId(image);
  try {
    const ref = parseReference(image);
    return ref.tag !== undefined ? familiarString({ ...ref, digest: undefined }) : familiarName(ref);
  } catch {
    return image;
  }
}

export function containerRow(c: Json, trunc: boolean, now = Date.now()): Record<string, string> {
  const names = ((c.Names ?? []) as string[]).map((n) => n.replace(/^\//, ''));
  const shown = trunc ? names.filter((n) => !n.includes('/')).slice(0, 1) : names;
  const command = String(c.Command ?? '');
  return contextRow({
    Command: JSON.stringify(trunc ? ellipsis(command, 20) : command),
    ID: trunc ? truncateId(String(c.Id ?? '')) : String(c.Id ?? ''),
    Image: containerImage(c, trunc),
    LocalVolumes: String(((c.Mounts ?? []) as Json[]).filter((m) => m.Driver === 'local').length),
    Names: (shown.length > 0 ? shown : names).join(','),
    RunningFor: createdSince(c.Created ?? 0, now),
    Size: humanSize(c.SizeRw ?? 0, 3),
    State: String(c.State ?? ''),
    Status: String(c.Status ?? ''),
  });
}

export function volumeRow(v: Json): Record<string, string> {
  const usage = v.UsageData;
  return contextRow({
    Driver: String(v.Driver ?? ''), Links: usage ? String(usage.RefCount) : 'N/A', Mountpoint: String(v.Mountpoint ?? ''),
    Name: String(v.Name ?? ''), Scope: String(v.Scope ?? ''), Size: usage ? humanSize(usage.Size, 4) : 'N/A',
  });
}

export function buildCacheRow(b: Json, trunc: boolean, now = Date.now()): Record<string, string> {
  const since = (t: unknown) => (typeof t === 'string' && t !== '' ? `${humanDuration(now - Date.parse(t))} ago` : '');
  const id = trunc ? truncateId(String(b.ID ?? '')) : String(b.ID ?? '');
  return contextRow({
    CacheType: String(b.Type ?? ''), CreatedSince: since(b.CreatedAt), Description: String(b.Description ?? ''),
    ID: b.InUse ? `${id}*` : id, InUse: String(b.InUse === true), LastUsedSince: since(b.LastUsedAt),
    Shared: String(b.Shared === true), Size: humanSize(b.Size ?? 0, 3), UsageCount: String(b.UsageCount ?? 0),
  });
}

function sortedCache(cache: readonly Json[]): Json[] {
  const at = (b: Json) => (b.LastUsedAt ? Date.parse(b.LastUsedAt) : -Infinity);
  return cache.map((b, i) => ({ b, i })).sort((x, y) => at(x.b) - at(y.b) || x.i - y.i).map((x) => x.b);
}

/** The rows of the verbose view, per section. */
export function verboseData(du: DiskUsage, trunc: boolean, now = Date.now()): Record<string, Record<string, string>[]> {
  const images = (du.Images ?? []).map((img) => {
    let repo = '<none>';
    let tag = '<none>';
    if ((img.RepoTags ?? []).length > 0 && !isDangling(img)) {
      try {
        const ref = parseReference(img.RepoTags![0]);
        if (ref.tag !== undefined) [repo, tag] = [familiarName(ref), ref.tag];
      } catch {
        // docker skips such an image entirely
        return undefined;
      }
    }
    return imageRow(img, repo, tag, '', trunc, now);
  }).filter((r): r is Record<string, string> => r !== undefined);
  return {
    Images: images,
    Containers: (du.Containers ?? []).map((c) => containerRow(c, trunc, now)),
    Volumes: (du.Volumes ?? []).map(volumeRow),
    BuildCache: sortedCache(du.BuildCache ?? []).map((b) => buildCacheRow(b, trunc, now)),
  };
}

/** The whole output of `system df` for a --format value ('table' by default). */
export function renderDiskUsage(du: DiskUsage, format: string, verbose: boolean, now = Date.now()): string {
  if (!verbose) return renderRows(summaryRows(du), format === 'table' ? SUMMARY_TABLE : format, { defaultTable: SUMMARY_TABLE, headers: SUMMARY_HEADERS });
  const data = verboseData(du, isTableFormat(format), now);
  if (format !== 'table') return renderTemplate(finalFormat(format), data);
  const cacheSize = (du.BuildCache ?? []).filter((b) => !b.Shared).reduce((n, b) => n + (b.Size ?? 0), 0);
  return 'Images space usage:\n\n' + renderRows(data.Images, IMAGES_TABLE, { defaultTable: IMAGES_TABLE, headers: IMAGE_HEADERS }) +
    '\nContainers space usage:\n\n' + renderRows(data.Containers, CONTAINERS_TABLE, { defaultTable: CONTAINERS_TABLE, headers: CONTAINER_HEADERS }) +
    '\nLocal Volumes space usage:\n\n' + renderRows(data.Volumes, VOLUMES_TABLE, { defaultTable: VOLUMES_TABLE, headers: VOLUME_HEADERS }) +
    `\nBuild cache usage: ${humanSize(cacheSize, 4)}\n\n` + renderRows(data.BuildCache, CACHE_TABLE, { defaultTable: CACHE_TABLE, headers: CACHE_HEADERS });
}

async function runDf(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const du = await ctx.client.json<DiskUsage>('GET', '/system/df');
  ctx.stdout.write(renderDiskUsage(du ?? {}, (p.flags.format as string) || 'table', p.flags.verbose === true));
}

export function dfCommand(): Command {
  return {
    name: 'df', usage: '[OPTIONS]', short: 'Show berth disk usage', args: { exact: 0 }, run: runDf,
    flags: [
      { name: 'format', kind: 'string', description: FORMAT_HELP },
      { name: 'verbose', short: 'v', kind: 'bool', description: 'Show detailed information on space usage' },
    ],
  };
}
