/** `tag`, `rmi` / `image rm`, `history`, `image inspect` and `image prune`. */
import { buildFilters, filterMap, validateFilterArg } from '../client/filters.ts';
import { describeError, StatusError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { FlagSpec, ParsedArgs } from '../framework/flags.ts';
import { renderRows } from '../format/formatter.ts';
import { humanSize } from '../format/units.ts';
import { ApiError } from '../client/errors.ts';
import { parseReference, repositoryName, withDefaultTag } from '../../core/reference/reference.ts';
import { inspectImage, inspectRefs } from './inspect.ts';
import {
  confirm, contextRow, createdSince, ellipsis, FORMAT_HELP, INSPECT_FORMAT_HELP, pathEscape, platformJson, rfc3339, truncateId,
} from './shared.ts';

// ---- tag ----

/** reference.ParseAnyReference: a bare 64-hex ID or a digest is fine as a source. */
function checkSource(source: string): void {
  if (/^(?:sha256:)?[a-f0-9]{64}$/.test(source)) return;
  parseReference(source);
}

/** The repo/tag query of POST /images/{name}/tag for a target name, as docker's client builds it. */
export function tagQuery(source: string, target: string): { repo: string; tag: string } {
  const wrap = (name: string, e: unknown) => new Error(`Error parsing reference: ${JSON.stringify(name)} is not a valid repository/tag: ${describeError(e)}`);
  try {
    checkSource(source);
  } catch (e) {
    throw wrap(source, e);
  }
  let ref;
  try {
    ref = parseReference(target);
  } catch (e) {
    throw wrap(target, e);
  }
  if (ref.digest !== undefined) throw new Error('refusing to create a tag with a digest reference');
  return { repo: repositoryName(ref), tag: withDefaultTag(ref).tag! };
}

async function runTag(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const [source, target] = p.args;
  await ctx.client.request('POST', `/images/${pathEscape(source)}/tag`, { query: tagQuery(source, target) });
}

// ---- rmi ----

interface DeleteItem { Untagged?: string; Deleted?: string }

/** The lines `rmi` prints for a DELETE /images answer. */
export function removalLines(items: readonly DeleteItem[]): string {
  return items.map((d) => (d.Deleted ? `Deleted: ${d.Deleted}\n` : `Untagged: ${d.Untagged ?? ''}\n`)).join('');
}

async function runRemove(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const force = p.flags.force === true;
  const errors: string[] = [];
  let fatal = false;
  for (const name of p.args) {
    try {
      const items = await ctx.client.json<DeleteItem[]>('DELETE', `/images/${pathEscape(name)}`, {
        query: { force: force || undefined, noprune: p.flags['no-prune'] === true ? true : undefined },
      });
      ctx.stdout.write(removalLines(items ?? []));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) fatal = true;
      errors.push(describeError(e));
    }
  }
  if (errors.length === 0) return;
  if (!force || fatal) throw new StatusError(1, errors.join('\n'));
  ctx.stderr.write(errors.join('\n') + '\n');
}

// ---- history ----

export interface HistoryItem { Id: string; Created: number; CreatedBy: string; Tags?: string[] | null; Size: number; Comment: string }

export const HISTORY_TABLE = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const HISTORY_TABLE_RAW = 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const HISTORY_HEADERS = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };
const EPOCH_2000 = 946684800;

/** docker's historyContext fields for one layer. */
export function historyRow(h: HistoryItem, trunc: boolean, human: boolean, now = Date.now()): Record<string, string> {
  const createdAt = rfc3339(h.Created);
  const createdBy = h.CreatedBy.replaceAll('\t', ' ');
  return contextRow({
    Comment: h.Comment,
    CreatedAt: createdAt,
    CreatedBy: trunc ? ellipsis(createdBy, 45) : createdBy,
    CreatedSince: !human ? createdAt : h.Created <= EPOCH_2000 ? '' : createdSince(h.Created, now),
    ID: trunc ? truncateId(h.Id) : h.Id,
    Size: human ? humanSize(h.Size, 3) : String(h.Size),
  });
}

export function renderHistory(items: readonly HistoryItem[], o: { format: string; quiet: boolean; human: boolean; noTrunc: boolean; now?: number }): string {
  let fmt = o.format === '' ? 'table' : o.format;
  if (fmt === 'table') fmt = o.quiet ? '{{.ID}}' : o.human ? HISTORY_TABLE : HISTORY_TABLE_RAW;
  const rows = items.map((h) => historyRow(h, !o.noTrunc, o.human, o.now));
  return renderRows(rows, fmt, { defaultTable: HISTORY_TABLE, headers: HISTORY_HEADERS });
}

async function runHistory(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const platform = p.flags.platform as string;
  const query = { platform: platform ? platformJson(platform) : undefined };
  const items = await ctx.client.json<HistoryItem[]>('GET', `/images/${pathEscape(p.args[0])}/history`, { query });
  ctx.stdout.write(renderHistory(items ?? [], {
    format: p.flags.format as string, quiet: p.flags.quiet === true, human: p.flags.human === true, noTrunc: p.flags['no-trunc'] === true,
  }));
}

// ---- prune ----

const DANGLING_WARNING = 'WARNING! This will remove all dangling images.\nAre you sure you want to continue?';
const ALL_WARNING = 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?';

export interface PruneReport { ImagesDeleted?: DeleteItem[] | null; SpaceReclaimed?: number }

/** The filters of POST /images/prune: the user's plus dangling=true|false. */
export function pruneFilters(filters: readonly string[], all: boolean): string {
  const map = filterMap(filters);
  const args = [...filters.filter((f) => f !== '' && !f.toLowerCase().startsWith('dangling=')), `dangling=${!all}`];
  for (const v of map.get('dangling') ?? []) args.push(`dangling=${v}`);
  return buildFilters(args)!;
}

export function pruneOutput(report: PruneReport): string {
  const deleted = report.ImagesDeleted ?? [];
  let out = '';
  if (deleted.length > 0) {
    out += 'Deleted Images:\n';
    for (const d of deleted) out += d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted ?? ''}\n`;
    out += '\n';
  }
  return out + `Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0, 4)}\n`;
}

async function runPrune(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const all = p.flags.all === true;
  if (p.flags.force !== true && !(await confirm(ctx, all ? ALL_WARNING : DANGLING_WARNING))) return;
  const report = await ctx.client.json<PruneReport>('POST', '/images/prune', {
    query: { filters: pruneFilters(p.flags.filter as string[], all) },
  });
  ctx.stdout.write(pruneOutput(report ?? {}));
}

// ---- inspect ----

async function runImageInspect(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  await inspectRefs(ctx, p.args, p.flags.format as string, inspectImage(ctx, p.flags.platform as string));
}

// ---- commands ----

const PLATFORM = (what: string): FlagSpec => ({
  name: 'platform', kind: 'string', description: `${what} Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")`,
});

export function tagCommand(): Command {
  return {
    name: 'tag', aliasesHelp: ['image tag', 'tag'], usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
    short: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', args: { exact: 2 }, run: runTag,
  };
}

export function rmiCommand(name: 'rmi' | 'rm'): Command {
  return {
    name, aliases: name === 'rm' ? ['remove'] : undefined, aliasesHelp: ['image rm', 'image remove', 'rmi'],
    usage: '[OPTIONS] IMAGE [IMAGE...]', short: 'Remove one or more images', args: { min: 1 }, run: runRemove,
    flags: [
      { name: 'force', short: 'f', kind: 'bool', description: 'Force removal of the image' },
      { name: 'no-prune', kind: 'bool', description: 'Do not delete untagged parents' },
      { ...PLATFORM('Remove only the given platform variant.'), kind: 'stringArray', valueName: 'strings' },
    ],
  };
}

export function historyCommand(): Command {
  return {
    name: 'history', aliasesHelp: ['image history', 'history'], usage: '[OPTIONS] IMAGE', short: 'Show the history of an image',
    args: { exact: 1 }, run: runHistory,
    flags: [
      { name: 'format', kind: 'string', description: FORMAT_HELP },
      { name: 'human', short: 'H', kind: 'bool', default: true, description: 'Print sizes and dates in human readable format' },
      { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
      PLATFORM('Show history for the given platform.'),
      { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
    ],
  };
}

export function imageInspectCommand(): Command {
  return {
    name: 'inspect', usage: '[OPTIONS] IMAGE [IMAGE...]', short: 'Display detailed information on one or more images',
    args: { min: 1 }, run: runImageInspect,
    flags: [
      { name: 'format', short: 'f', kind: 'string', description: INSPECT_FORMAT_HELP },
      {
        name: 'platform', kind: 'string',
        description: "Inspect a specific platform of the multi-platform image.\nIf the image or the server is not multi-platform capable, the command will error out if the platform does not match.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)",
      },
    ],
  };
}

export function imagePruneCommand(): Command {
  return {
    name: 'prune', usage: '[OPTIONS]', short: 'Remove unused images', args: { exact: 0 }, run: runPrune,
    flags: [
      { name: 'all', short: 'a', kind: 'bool', description: 'Remove all unused images, not just dangling ones' },
      { name: 'filter', kind: 'list', valueName: 'filter', description: 'Provide filter values (e.g. "until=<timestamp>")', validate: validateFilterArg },
      { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
    ],
  };
}
