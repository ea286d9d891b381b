/** `images` / `image ls`: one row per repository:tag, rendered like docker's image formatter. */
import { buildFilters } from '../client/filters.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { FlagSpec, ParsedArgs } from '../framework/flags.ts';
import { renderRows } from '../format/formatter.ts';
import { humanSize } from '../format/units.ts';
import { familiarName, parseReference } from '../../core/reference/reference.ts';
import { contextRow, createdSince, FILTER_FLAG, FORMAT_HELP, goTimeString, readCliConfig, truncateId } from './shared.ts';

/** An entry of GET /images/json. */
export interface ImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: number;
  Size: number;
  SharedSize?: number;
  Labels?: Record<string, string> | null;
  Containers?: number;
}

export const IMAGE_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
export const IMAGE_TABLE_DIGEST = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';

export const IMAGE_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT',
  Size: 'SIZE', Containers: 'CONTAINERS', VirtualSize: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE',
};

export interface ImageRowOptions {
  /** Shorten IDs to 12 hex digits (everything but --no-trunc). */
  trunc: boolean;
  /** --digests: a row per digest, also for digest-only repositories. */
  digests: boolean;
  /** The format shows digests (--digests or {{.Digest}} in it). */
  needDigest: boolean;
  now?: number;
}

/** The fields of docker's imageContext for one row. */
export function imageRow(img: ImageSummary, repo: string, tag: string, digest: string, trunc: boolean, now = Date.now()): Record<string, string> {
  const shared = img.SharedSize ?? -1;
  const containers = img.Containers ?? -1;
  return contextRow({
    Containers: containers === -1 ? 'N/A' : String(containers),
    CreatedAt: goTimeString(img.Created),
    CreatedSince: createdSince(img.Created, now),
    Digest: digest,
    ID: trunc ? truncateId(img.Id) : img.Id,
    Repository: repo,
    SharedSize: shared === -1 ? 'N/A' : humanSize(shared, 4),
    Size: humanSize(img.Size, 3),
    Tag: tag,
    UniqueSize: img.Size === -1 || shared === -1 ? 'N/A' : humanSize(img.Size - shared, 4),
    VirtualSize: humanSize(img.Size, 4),
  });
}

export function isDangling(img: ImageSummary): boolean {
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>';
}

function groupByRepo(refs: readonly string[], part: 'tag' | 'digest'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of refs) {
    let value: string | undefined;
    let repo: string;
    try {
      const ref = parseReference(s);
      value = part === 'tag' ? ref.tag : ref.digest;
      repo = familiarName(ref);
    } catch {
      continue;
    }
    if (value === undefined) continue;
    out.set(repo, [...(out.get(repo) ?? []), value]);
  }
  return out;
}

/** Rows for `images`, like docker's imageFormat: tags × digests per repository, then digest-only repositories. */
export function imageRows(images: readonly ImageSummary[], opts: ImageRowOptions): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  const now = opts.now ?? Date.now();
  for (const img of images) {
    const add = (repo: string, tag: string, digest: string) => rows.push(imageRow(img, repo, tag, digest, opts.trunc, now));
    if (isDangling(img)) {
      add('<none>', '<none>', '<none>');
      continue;
    }
    const tags = groupByRepo(img.RepoTags ?? [], 'tag');
    const digests = groupByRepo(img.RepoDigests ?? [], 'digest');
    for (const [repo, repoTags] of tags) {
      const repoDigests = opts.needDigest ? (digests.get(repo) ?? []) : [];
      digests.delete(repo);
      for (const tag of repoTags) {
        if (repoDigests.length === 0) add(repo, tag, '<none>');
        for (const d of repoDigests) add(repo, tag, d);
      }
    }
    for (const [repo, repoDigests] of digests) {
      if (opts.digests) for (const d of repoDigests) add(repo, '<none>', d);
      else add(repo, '<none>', '');
    }
  }
  return rows;
}

/** NewImageFormat: the effective template for a --format value ('table' for the default). */
export function imageFormat(format: string, quiet: boolean, digests: boolean): string {
  if (format === 'table') return quiet ? '{{.ID}}' : digests ? IMAGE_TABLE_DIGEST : IMAGE_TABLE;
  if (format.startsWith('table') && digests && !format.includes('{{.Digest}}')) return `${format}\t{{.Digest}}`;
  return format;
}

/** Images as text for the given flags (pure; used by `images` and tests). */
export function renderImages(images: readonly ImageSummary[], o: { format: string; quiet: boolean; digests: boolean; noTrunc: boolean; now?: number }): string {
  const fmt = imageFormat(o.format, o.quiet, o.digests);
  const rows = imageRows(images, { trunc: !o.noTrunc, digests: o.digests, needDigest: o.digests || fmt.includes('{{.Digest}}'), now: o.now });
  return renderRows(rows, fmt, { defaultTable: IMAGE_TABLE, headers: IMAGE_HEADERS });
}

const FLAGS: FlagSpec[] = [
  { name: 'all', short: 'a', kind: 'bool', description: 'Show all images (default hides intermediate images)' },
  { name: 'digests', kind: 'bool', description: 'Show digests' },
  FILTER_FLAG,
  { name: 'format', kind: 'string', description: FORMAT_HELP },
  { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
  { name: 'tree', kind: 'bool', description: 'List multi-platform images as a tree (EXPERIMENTAL)' },
];

async function runImages(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const filters = [...(p.flags.filter as string[])];
  if (p.args.length > 0) filters.push(`reference=${p.args[0]}`);
  if (p.flags.tree === true) throw new Error('the --tree option is not supported by berth yet');
  const images = await ctx.client.json<ImageSummary[]>('GET', '/images/json', {
    query: { all: p.flags.all === true ? true : undefined, filters: buildFilters(filters) },
  });
  const quiet = p.flags.quiet === true;
  let format = p.flags.format as string;
  if (format === '') {
    const configured = readCliConfig(ctx.configDir).imagesFormat;
    format = typeof configured === 'string' && configured !== '' && !quiet ? configured : 'table';
  }
  ctx.stdout.write(renderImages(images ?? [], { format, quiet, digests: p.flags.digests === true, noTrunc: p.flags['no-trunc'] === true }));
}

export function imagesCommand(name: 'images' | 'ls'): Command {
  return {
    name,
    aliases: name === 'ls' ? ['list'] : undefined,
    aliasesHelp: ['image ls', 'image list', 'images'],
    group: name === 'images' ? 'common' : undefined,
    usage: '[OPTIONS] [REPOSITORY[:TAG]]',
    short: 'List images',
    flags: FLAGS,
    args: { max: 1 },
    run: runImages,
  };
}
