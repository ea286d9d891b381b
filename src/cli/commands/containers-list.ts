/** `ps` / `container ls`: one row per container, rendered like docker's container formatter. */
import { isIPv6 } from 'node:net';
import { buildFilters } from '../client/filters.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { FlagSpec, ParsedArgs } from '../framework/flags.ts';
import { renderRows } from '../format/formatter.ts';
import { humanSizeWithPrecision } from '../format/units.ts';
import { contextRow, createdSince, ellipsis, FILTER_FLAG, FORMAT_HELP, goTimeString, readCliConfig, truncateId } from './shared.ts';
import { sortedFilterArgs } from './containers-shared.ts';
import { containerImage } from './system-df.ts';

/** An entry of GET /containers/json. */
export interface ContainerSummary {
  Id: string;
  Names?: string[] | null;
  Image?: string;
  ImageID?: string;
  Command?: string;
  Created?: number;
  Ports?: PortSummary[] | null;
  SizeRw?: number;
  SizeRootFs?: number;
  Labels?: Record<string, string> | null;
  State?: string;
  Status?: string;
  NetworkSettings?: { Networks?: Record<string, unknown> | null } | null;
  Mounts?: { Name?: string; Source?: string; Driver?: string }[] | null;
}

export interface PortSummary { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }

export const PS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Names: 'NAMES', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
  Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Labels: 'LABELS', Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS', Platform: 'PLATFORM',
};

const joinHostPort = (ip: string, port: string): string => (isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);

function formGroup(key: string, first: number, last: number): string {
  const parts = key.split('/');
  const ip = parts.length > 1 ? parts[0] : '';
  const type = parts.length > 1 ? parts[1] : parts[0];
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip !== '') group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/** formatter.DisplayablePorts: "53/udp, 443-444/tcp, 0.0.0.0:8080->80/tcp". */
export function displayablePorts(ports: readonly PortSummary[]): string {
  const sorted = [...ports].sort((a, b) => {
    if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
    const ai = a.IP ?? '';
    const bi = b.IP ?? '';
    if (ai !== bi) return ai < bi ? -1 : 1;
    if ((a.PublicPort ?? 0) !== (b.PublicPort ?? 0)) return (a.PublicPort ?? 0) - (b.PublicPort ?? 0);
    return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
  });
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of sorted) {
    const current = port.PrivatePort;
    let key = port.Type;
    if (port.IP) {
      if ((port.PublicPort ?? 0) !== current) {
        hostMappings.push(`${joinHostPort(port.IP, String(port.PublicPort ?? 0))}->${port.PrivatePort}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

/** Names without the leading '/'; truncated output shows only the first that is not a legacy link (all when none is). */
function names(c: ContainerSummary, trunc: boolean): string {
  const all = (c.Names ?? []).map((n) => n.replace(/^\//, ''));
  const plain = trunc ? all.find((n) => !n.includes('/')) : undefined;
  return plain ?? all.join(',');
}

/** docker's ContainerContext for one container (fields plus the Label method). */
export function containerRow(c: ContainerSummary, trunc: boolean, now = Date.now()): Record<string, unknown> {
  const labels = c.Labels ?? {};
  const command = c.Command ?? '';
  const mounts = (c.Mounts ?? []).map((m) => {
    const name = m.Name ? m.Name : (m.Source ?? '');
    return trunc ? ellipsis(name, 15) : name;
  });
  const sizeRw = humanSizeWithPrecision(c.SizeRw ?? 0, 3);
  const row = contextRow({
    Command: JSON.stringify(trunc ? ellipsis(command, 20) : command),
    CreatedAt: goTimeString(c.Created ?? 0),
    ID: trunc ? truncateId(c.Id) : c.Id,
    Image: containerImage(c, trunc),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    Mounts: mounts.join(','),
    Names: names(c, trunc),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    Platform: null,
    Ports: displayablePorts(c.Ports ?? []),
    RunningFor: createdSince(c.Created ?? 0, now),
    Size: (c.SizeRootFs ?? 0) > 0 ? `${sizeRw} (virtual ${humanSizeWithPrecision(c.SizeRootFs!, 3)})` : sizeRw,
    State: c.State ?? '',
    Status: c.Status ?? '',
  });
  Object.defineProperty(row, 'Label', { value: (name: string) => labels[name] ?? '', enumerable: false });
  return row;
}

/** NewContainerFormat: the effective template. */
export function psFormat(format: string, quiet: boolean, size: boolean): string {
  if (format === '' || format === 'table') {
    if (quiet) return '{{.ID}}';
    return size ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE;
  }
  if (format === 'raw') {
    if (quiet) return 'container_id: {{.ID}}';
    return 'container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\n' +
      'status: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n' + (size ? 'size: {{.Size}}\\n' : '');
  }
  return quiet ? '{{.ID}}' : format;
}

export function renderContainers(list: readonly ContainerSummary[], o: { format: string; quiet: boolean; size: boolean; noTrunc: boolean; now?: number }): string {
  const rows = list.map((c) => containerRow(c, !o.noTrunc, o.now));
  return renderRows(rows, psFormat(o.format, o.quiet, o.size), { defaultTable: PS_TABLE, headers: PS_HEADERS });
}

const FLAGS: FlagSpec[] = [
  { name: 'all', short: 'a', kind: 'bool', description: 'Show all containers (default shows just running)' },
  FILTER_FLAG,
  { name: 'format', kind: 'string', description: FORMAT_HELP },
  { name: 'last', short: 'n', kind: 'int', default: -1, description: 'Show n last created containers (includes all states)' },
  { name: 'latest', short: 'l', kind: 'bool', description: 'Show the latest created container (includes all states)' },
  { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display container IDs' },
  { name: 'size', short: 's', kind: 'bool', description: 'Display total file sizes' },
];

async function runPs(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const quiet = p.flags.quiet === true;
  let format = p.flags.format as string;
  if (format === '') {
    const configured = readCliConfig(ctx.configDir).psFormat;
    format = typeof configured === 'string' && configured !== '' && !quiet ? configured : 'table';
  } else if (quiet) {
    ctx.stderr.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
  }
  let size = p.flags.size === true;
  // docker asks for sizes when the template reads .Size (also through {{json .}}).
  const readsSize = /\.Size\b/.test(format) || /\{\{-?\s*json\s+\.\s*-?\}\}/.test(format);
  if (!quiet && !size && !p.changed.has('size') && p.flags.format !== '' && readsSize) size = true;
  let limit = p.flags.last as number;
  if (p.flags.latest === true && limit === -1) limit = 1;
  const list = await ctx.client.json<ContainerSummary[]>('GET', '/containers/json', {
    query: {
      all: p.flags.all === true || undefined, limit: limit > 0 ? limit : undefined, size: size || undefined,
      filters: buildFilters(sortedFilterArgs(p.flags.filter as string[])),
    },
  });
  ctx.stdout.write(renderContainers(list ?? [], { format, quiet, size: p.flags.size === true, noTrunc: p.flags['no-trunc'] === true }));
}

/** `ps` at the top level, `ls` (aliases list, ps) under `container`. */
export function psCommand(name: 'ps' | 'ls'): Command {
  return {
    name,
    aliases: name === 'ls' ? ['list', 'ps'] : undefined,
    aliasesHelp: ['container ls', 'container list', 'container ps', 'ps'],
    group: name === 'ps' ? 'common' : undefined,
    usage: '[OPTIONS]',
    short: 'List containers',
    args: { exact: 0 },
    flags: FLAGS,
    run: runPs,
  };
}
