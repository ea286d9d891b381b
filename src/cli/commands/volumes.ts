/** `volume create | ls | inspect | rm | prune`, as docker's volume commands. */
import { buildFilters, filterMap, validateFilterArg } from '../client/filters.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import { StatusError, describeError } from '../framework/errors.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { renderRows } from '../format/formatter.ts';
import { humanSize } from '../format/units.ts';
import { inspectRefs, getInspected } from './inspect.ts';
import { confirm, contextRow, FORMAT_HELP, INSPECT_FORMAT_HELP, pathEscape, readCliConfig, naturalLess } from './shared.ts';

/** A volume as the API returns it. */
export interface Volume {
  Name: string;
  Driver?: string;
  Mountpoint?: string;
  Scope?: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  CreatedAt?: string;
  UsageData?: { Size: number; RefCount: number } | null;
}

export const VOLUME_TABLE = 'table {{.Driver}}\t{{.Name}}';
export const VOLUME_HEADERS: Record<string, string> = {
  Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Size: 'SIZE', Links: 'LINKS',
  Group: 'GROUP', Availability: 'AVAILABILITY', Status: 'STATUS',
};

/** docker's volumeContext: the fields and the Label method. */
export function volumeListRow(v: Volume): Record<string, unknown> {
  const labels = v.Labels ?? {};
  const row = contextRow({
    Availability: 'N/A', Driver: v.Driver ?? '', Group: 'N/A',
    Labels: Object.entries(labels).map(([k, val]) => `${k}=${val}`).sort().join(','),
    Links: v.UsageData ? String(v.UsageData.RefCount) : 'N/A', Mountpoint: v.Mountpoint ?? '', Name: v.Name, Scope: v.Scope ?? '',
    Size: v.UsageData ? humanSize(v.UsageData.Size, 4) : 'N/A', Status: 'N/A',
  });
  Object.defineProperty(row, 'Label', { value: (name: string) => labels[name] ?? '', enumerable: false });
  return row;
}


export function renderVolumes(volumes: readonly Volume[], format: string, quiet: boolean): string {
  const sorted = [...volumes].sort((a, b) => (naturalLess(a.Name, b.Name) ? -1 : naturalLess(b.Name, a.Name) ? 1 : 0));
  let fmt = format;
  if (fmt === 'table' || fmt === '') fmt = quiet ? '{{.Name}}' : VOLUME_TABLE;
  else if (quiet && fmt.startsWith('table')) fmt = '{{.Name}}';
  return renderRows(sorted.map(volumeListRow), fmt, { defaultTable: VOLUME_TABLE, headers: VOLUME_HEADERS });
}

// ---- create ----

function kv(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    out[i < 0 ? v : v.slice(0, i)] = i < 0 ? '' : v.slice(i + 1);
  }
  return out;
}

async function runCreate(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  let name = p.flags.name as string;
  if (p.args.length === 1) {
    if (name !== '') throw new Error('conflicting options: cannot specify a volume-name through both --name and as a positional arg');
    name = p.args[0];
  }
  const body = {
    Driver: p.flags.driver as string, DriverOpts: kv(p.flags.opt as string[]), Name: name, Labels: kv(p.flags.label as string[]),
  };
  const v = await ctx.client.json<Volume>('POST', '/volumes/create', { body });
  ctx.stdout.write(`${v?.Name ?? ''}\n`);
}

// ---- ls ----

async function runList(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const res = await ctx.client.json<{ Volumes?: Volume[] | null }>('GET', '/volumes', { query: { filters: buildFilters(p.flags.filter as string[]) } });
  const quiet = p.flags.quiet === true;
  let format = p.flags.format as string;
  if (p.flags.cluster === true) {
    ctx.stdout.write(renderVolumes([], quiet ? 'table' : 'table {{.Name}}\t{{.Group}}\t{{.Driver}}\t{{.Availability}}\t{{.Status}}', quiet));
    return;
  }
  if (format === '') {
    const configured = readCliConfig(ctx.configDir).volumesFormat;
    format = typeof configured === 'string' && configured !== '' && !quiet ? configured : 'table';
  }
  ctx.stdout.write(renderVolumes(res?.Volumes ?? [], format, quiet));
}

// ---- rm ----

async function runRemove(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const errors: string[] = [];
  for (const name of p.args) {
    try {
      await ctx.client.request('DELETE', `/volumes/${pathEscape(name)}`, { query: { force: p.flags.force === true ? true : undefined } });
      ctx.stdout.write(`${name}\n`);
    } catch (e) {
      errors.push(describeError(e));
    }
  }
  if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
}

// ---- prune ----

const ANON_WARNING = 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?';
const ALL_WARNING = 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?';

export function pruneOutput(res: { VolumesDeleted?: string[] | null; SpaceReclaimed?: number }): string {
  const deleted = res.VolumesDeleted ?? [];
  let out = '';
  if (deleted.length > 0) out = `Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`;
  return out + `Total reclaimed space: ${humanSize(deleted.length > 0 ? res.SpaceReclaimed ?? 0 : 0, 4)}\n`;
}

async function runPrune(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const filters = [...(p.flags.filter as string[])];
  const all = p.flags.all === true;
  if (all) {
    if (filterMap(filters).has('all')) throw new Error('conflicting options: cannot specify both --all and --filter all=1');
    filters.push('all=true');
  }
  if (p.flags.force !== true && !(await confirm(ctx, all ? ALL_WARNING : ANON_WARNING))) return;
  const res = await ctx.client.json<{ VolumesDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/volumes/prune', { query: { filters: buildFilters(filters) } });
  ctx.stdout.write(pruneOutput(res ?? {}));
}

// ---- commands ----

export function volumeCommand(): Command {
  return {
    name: 'volume',
    usage: 'COMMAND',
    short: 'Manage volumes',
    subcommands: [
      {
        name: 'create', usage: '[OPTIONS] [VOLUME]', short: 'Create a volume', args: { max: 1 }, run: runCreate,
        flags: [
          { name: 'driver', short: 'd', kind: 'string', default: 'local', description: 'Specify volume driver name' },
          { name: 'label', kind: 'list', valueName: 'list', description: 'Set metadata for a volume', validate: (v) => { if (v.startsWith('=')) throw new Error(`invalid label '${v}': empty name`); } },
          { name: 'name', kind: 'string', description: 'Specify volume name', hidden: true },
          { name: 'opt', short: 'o', kind: 'list', valueName: 'map', description: 'Set driver specific options' },
        ],
      },
      {
        name: 'inspect', usage: '[OPTIONS] VOLUME [VOLUME...]', short: 'Display detailed information on one or more volumes', args: { min: 1 },
        flags: [{ name: 'format', short: 'f', kind: 'string', description: INSPECT_FORMAT_HELP }],
        run: (ctx, p) => inspectRefs(ctx, p.args, p.flags.format as string, (ref) => getInspected(ctx, `/volumes/${pathEscape(ref)}`)),
      },
      {
        name: 'ls', aliases: ['list'], usage: '[OPTIONS]', short: 'List volumes', args: { exact: 0 }, run: runList,
        flags: [
          { name: 'cluster', kind: 'bool', description: 'Display only cluster volumes, and use cluster volume list formatting' },
          { name: 'filter', short: 'f', kind: 'list', valueName: 'filter', description: "Provide filter values (e.g. 'dangling=true')", validate: validateFilterArg },
          { name: 'format', kind: 'string', description: FORMAT_HELP },
          { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display volume names' },
        ],
      },
      {
        name: 'prune', usage: '[OPTIONS]', short: 'Remove unused local volumes', args: { exact: 0 }, run: runPrune,
        flags: [
          { name: 'all', short: 'a', kind: 'bool', description: 'Remove all unused volumes, not just anonymous ones' },
          { name: 'filter', kind: 'list', valueName: 'filter', description: 'Provide filter values (e.g. "label=<label>")', validate: validateFilterArg },
          { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
        ],
      },
      {
        name: 'rm', aliases: ['remove'], usage: '[OPTIONS] VOLUME [VOLUME...]', short: 'Remove one or more volumes', args: { min: 1 }, run: runRemove,
        flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Force the removal of one or more volumes' }],
      },
    ],
  };
}
