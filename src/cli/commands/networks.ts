/** `network create|ls|inspect|rm|prune|connect|disconnect`, as the docker CLI does them. */
import { ApiError } from '../client/errors.ts';
import { buildFilters, validateFilterArg } from '../client/filters.ts';
import { describeError, StatusError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { FlagSpec, ParsedArgs } from '../framework/flags.ts';
import { renderRows } from '../format/formatter.ts';
import { getInspected, inspectRefs } from './inspect.ts';
import { kvMap } from './containers-parse.ts';
import { confirm, contextRow, FILTER_FLAG, INSPECT_FORMAT_HELP, pathEscape, truncateId } from './shared.ts';

const strs = (p: ParsedArgs, k: string): string[] => (p.flags[k] as string[] | undefined) ?? [];
const str = (p: ParsedArgs, k: string): string => (p.flags[k] as string | undefined) ?? '';

// ---- create ----

interface IpamConfig { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }

function ipv4(s: string): number[] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  return m ? m.slice(1).map(Number) : null;
}

/** Is `ip` (or the base of a CIDR) inside `subnet`? IPv4 exactly; IPv6 by family only. */
function inSubnet(ip: string, subnet: string): boolean {
  const [base, bitsText] = subnet.split('/');
  const addr = ip.split('/')[0];
  if (addr.includes(':') || base.includes(':')) return addr.includes(':') && base.includes(':');
  const a = ipv4(addr);
  const b = ipv4(base);
  if (!a || !b) return false;
  const bits = Number(bitsText);
  const n = (x: number[]): number => ((x[0] << 24) | (x[1] << 16) | (x[2] << 8) | x[3]) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((n(a) & mask) >>> 0) === ((n(b) & mask) >>> 0);
}

/** consolidateIpam: each gateway, range and aux address goes to the subnet that contains it. */
export function consolidateIpam(subnets: string[], ranges: string[], gateways: string[], aux: Record<string, string>): IpamConfig[] {
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new Error('every ip-range or gateway must have a corresponding subnet');
  const out: IpamConfig[] = subnets.map((s) => ({ Subnet: s }));
  for (const r of ranges) {
    const c = out.find((x) => inSubnet(r, x.Subnet!));
    if (!c) throw new Error(`no matching subnet for range ${r}`);
    if (c.IPRange) throw new Error(`cannot configure multiple ranges (${r}, ${c.IPRange}) on the same subnet (${c.Subnet})`);
    c.IPRange = r;
  }
  for (const g of gateways) {
    const c = out.find((x) => inSubnet(g, x.Subnet!));
    if (!c) throw new Error(`no matching subnet for gateway ${g}`);
    if (c.Gateway) throw new Error(`cannot configure multiple gateways (${g}, ${c.Gateway}) for the same subnet (${c.Subnet})`);
    c.Gateway = g;
  }
  for (const [k, v] of Object.entries(aux)) {
    const c = out.find((x) => inSubnet(v, x.Subnet!));
    if (!c) throw new Error(`no matching subnet for aux-address ${v}`);
    (c.AuxiliaryAddresses ??= {})[k] = v;
  }
  return out;
}

async function runCreate(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const ipam = consolidateIpam(strs(p, 'subnet'), strs(p, 'ip-range'), strs(p, 'gateway'), kvMap(strs(p, 'aux-address')));
  const body = {
    Name: p.args[0], Driver: str(p, 'driver') || 'bridge', Scope: str(p, 'scope'),
    EnableIPv4: p.flags.ipv4 !== false, ...(p.changed.has('ipv6') ? { EnableIPv6: p.flags.ipv6 === true } : {}),
    IPAM: { Driver: str(p, 'ipam-driver') || 'default', Config: ipam, Options: kvMap(strs(p, 'ipam-opt')) },
    Internal: p.flags.internal === true, Attachable: p.flags.attachable === true, Ingress: p.flags.ingress === true,
    ConfigOnly: p.flags['config-only'] === true, ...(str(p, 'config-from') ? { ConfigFrom: { Network: str(p, 'config-from') } } : {}),
    Options: kvMap(strs(p, 'opt')), Labels: kvMap(strs(p, 'label')),
  };
  const res = await ctx.client.json<{ Id: string; Warning?: string }>('POST', '/networks/create', { body });
  if (res?.Warning) ctx.stderr.write(`${res.Warning}\n`);
  ctx.stdout.write(`${res?.Id ?? ''}\n`);
}

// ---- ls ----

export interface NetworkSummary {
  Name: string; Id: string; Created: string; Scope: string; Driver: string; EnableIPv4?: boolean; EnableIPv6: boolean; Internal: boolean; Labels: Record<string, string> | null;
}

const NETWORK_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
const NETWORK_HEADERS = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' };

/**
 * Go's time.Time.String() of a parsed RFC 3339 time: nanoseconds without
 * trailing zeros, in the zone it was written in ("+0000 UTC" for Z).
 */
export function goTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return iso;
  const frac = (m[3] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[4] === 'Z' ? '+0000 UTC' : `${m[4].replace(':', '')} ${m[4].replace(':', '')}`;
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ''} ${zone}`;
}

export function networkRow(n: NetworkSummary, trunc: boolean): Record<string, unknown> {
  const labels = n.Labels ?? {};
  const row = contextRow({
    ID: trunc ? truncateId(n.Id) : n.Id, Name: n.Name, Driver: n.Driver, Scope: n.Scope, IPv4: String(n.EnableIPv4 ?? false), IPv6: String(n.EnableIPv6), Internal: String(n.Internal),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','), CreatedAt: goTime(n.Created),
  });
  Object.defineProperty(row, 'Label', { value: (name: string) => labels[name] ?? '', enumerable: false });
  return row;
}

export function renderNetworks(nets: NetworkSummary[], o: { format: string; quiet: boolean; noTrunc: boolean }): string {
  const sorted = [...nets].sort((a, b) => a.Name.localeCompare(b.Name));
  return renderRows(sorted.map((n) => networkRow(n, !o.noTrunc)), o.format, { defaultTable: NETWORK_TABLE, headers: NETWORK_HEADERS, quiet: o.quiet });
}

async function runList(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const nets = await ctx.client.json<NetworkSummary[]>('GET', '/networks', { query: { filters: buildFilters(strs(p, 'filter')) } });
  ctx.stdout.write(renderNetworks(nets ?? [], { format: str(p, 'format'), quiet: p.flags.quiet === true, noTrunc: p.flags['no-trunc'] === true }));
}

// ---- rm / prune / connect / disconnect / inspect ----

async function runRemove(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const errors: string[] = [];
  for (const name of p.args) {
    try {
      await ctx.client.request('DELETE', `/networks/${pathEscape(name)}`);
      ctx.stdout.write(`${name}\n`);
    } catch (e) {
      if (p.flags.force === true && e instanceof ApiError && e.status === 404) continue;
      errors.push(describeError(e));
    }
  }
  if (errors.length) throw new StatusError(1, errors.join('\n'));
}

const PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';

async function runPrune(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  if (p.flags.force !== true && !(await confirm(ctx, PRUNE_WARNING))) return;
  const res = await ctx.client.json<{ NetworksDeleted?: string[] | null }>('POST', '/networks/prune', { query: { filters: buildFilters(strs(p, 'filter')) } });
  const deleted = res?.NetworksDeleted ?? [];
  if (deleted.length) ctx.stdout.write(`Deleted Networks:\n${deleted.map((d) => `${d}\n`).join('')}\n`);
}

async function runConnect(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const [network, container] = p.args;
  const ip = str(p, 'ip');
  const ip6 = str(p, 'ip6');
  const links = strs(p, 'link-local-ip');
  const EndpointConfig = {
    IPAMConfig: ip || ip6 || links.length ? { IPv4Address: ip, IPv6Address: ip6, LinkLocalIPs: links } : null,
    Links: strs(p, 'link').length ? strs(p, 'link') : null, Aliases: strs(p, 'alias').length ? strs(p, 'alias') : null,
    DriverOpts: strs(p, 'driver-opt').length ? kvMap(strs(p, 'driver-opt')) : null, GwPriority: Number(p.flags['gw-priority'] ?? 0),
  };
  await ctx.client.request('POST', `/networks/${pathEscape(network)}/connect`, { body: { Container: container, EndpointConfig } });
}

async function runDisconnect(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const [network, container] = p.args;
  await ctx.client.request('POST', `/networks/${pathEscape(network)}/disconnect`, { body: { Container: container, Force: p.flags.force === true } });
}

async function runInspect(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  await inspectRefs(ctx, p.args, str(p, 'format'), (ref) => getInspected(ctx, `/networks/${pathEscape(ref)}`, { verbose: p.flags.verbose === true || undefined }));
}

// ---- commands ----

const list = (name: string, description: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ name, kind: 'list', description, ...extra });

export function networkCommand(): Command {
  return {
    name: 'network', usage: 'COMMAND', short: 'Manage networks',
    subcommands: [
      {
        name: 'connect', usage: '[OPTIONS] NETWORK CONTAINER', short: 'Connect a container to a network', args: { exact: 2 }, run: runConnect,
        flags: [
          list('alias', 'Add network-scoped alias for the container'),
          list('driver-opt', 'driver options for the network'),
          { name: 'gw-priority', kind: 'int', description: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
          { name: 'ip', kind: 'string', description: 'IPv4 address (e.g., "172.30.100.104")' },
          { name: 'ip6', kind: 'string', description: 'IPv6 address (e.g., "2001:db8::33")' },
          list('link', 'Add link to another container'),
          list('link-local-ip', 'Add a link-local address for the container'),
        ],
      },
      {
        name: 'create', usage: '[OPTIONS] NETWORK', short: 'Create a network', args: { exact: 1 }, run: runCreate,
        flags: [
          { name: 'attachable', kind: 'bool', description: 'Enable manual container attachment' },
          list('aux-address', 'Auxiliary IPv4 or IPv6 addresses used by Network driver', { valueName: 'map' }),
          { name: 'config-from', kind: 'string', description: 'The network from which to copy the configuration' },
          { name: 'config-only', kind: 'bool', description: 'Create a configuration only network' },
          { name: 'driver', short: 'd', kind: 'string', default: 'bridge', description: 'Driver to manage the Network' },
          list('gateway', 'IPv4 or IPv6 Gateway for the master subnet', { valueName: 'strings' }),
          { name: 'ingress', kind: 'bool', description: 'Create swarm routing-mesh network' },
          { name: 'internal', kind: 'bool', description: 'Restrict external access to the network' },
          list('ip-range', 'Allocate container ip from a sub-range', { valueName: 'strings' }),
          { name: 'ipam-driver', kind: 'string', default: 'default', description: 'IP Address Management Driver' },
          list('ipam-opt', 'Set IPAM driver specific options', { valueName: 'map' }),
          { name: 'ipv4', kind: 'bool', default: true, description: 'Enable or disable IPv4 address assignment' },
          { name: 'ipv6', kind: 'bool', description: 'Enable or disable IPv6 address assignment' },
          list('label', 'Set metadata on a network'),
          list('opt', 'Set driver specific options', { short: 'o', valueName: 'map' }),
          { name: 'scope', kind: 'string', description: "Control the network's scope" },
          list('subnet', 'Subnet in CIDR format that represents a network segment', { valueName: 'strings' }),
        ],
      },
      {
        name: 'disconnect', usage: '[OPTIONS] NETWORK CONTAINER', short: 'Disconnect a container from a network', args: { exact: 2 }, run: runDisconnect,
        flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Force the container to disconnect from a network' }],
      },
      {
        name: 'inspect', usage: '[OPTIONS] NETWORK [NETWORK...]', short: 'Display detailed information on one or more networks', args: { min: 1 }, run: runInspect,
        flags: [
          { name: 'format', short: 'f', kind: 'string', description: INSPECT_FORMAT_HELP },
          { name: 'verbose', short: 'v', kind: 'bool', description: 'Verbose output for diagnostics' },
        ],
      },
      {
        name: 'ls', aliases: ['list'], usage: '[OPTIONS]', short: 'List networks', args: { exact: 0 }, run: runList,
        flags: [
          { ...FILTER_FLAG, description: 'Provide filter values (e.g. "driver=bridge")' },
          { name: 'format', kind: 'string', description: "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates" },
          { name: 'no-trunc', kind: 'bool', description: 'Do not truncate the output' },
          { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display network IDs' },
        ],
      },
      {
        name: 'prune', usage: '[OPTIONS]', short: 'Remove all unused networks', args: { exact: 0 }, run: runPrune,
        flags: [
          { name: 'filter', kind: 'list', valueName: 'filter', description: 'Provide filter values (e.g. "until=<timestamp>")', validate: validateFilterArg },
          { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
        ],
      },
      {
        name: 'rm', aliases: ['remove'], usage: '[OPTIONS] NETWORK [NETWORK...]', short: 'Remove one or more networks', args: { min: 1 }, run: runRemove,
        flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Do not error if the network does not exist' }],
      },
    ],
  };
}
