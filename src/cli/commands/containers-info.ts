/** `logs`, `top`, `diff` and `port`: reading a container's output, processes, changes and ports. */
import { isIPv6 } from 'node:net';
import { demux } from '../client/stdcopy.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { tabwrite } from '../format/tabwriter.ts';
import { containerPath, inspectContainer } from './containers-shared.ts';
import { copyOut } from './images-transfer.ts';
import { getTimestamp } from './system-events.ts';
import { naturalLess } from './shared.ts';

// ---- logs ----

function timestamp(name: string, value: string): string | undefined {
  if (value === '') return undefined;
  try {
    return getTimestamp(value);
  } catch (e) {
    throw new Error(`invalid value for ${JSON.stringify(name)}: ${(e as Error).message}`);
  }
}

async function runLogs(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const c = await inspectContainer(ctx, p.args[0]);
  const on = (name: string) => p.flags[name] === true || undefined;
  const query = {
    stdout: true, stderr: true,
    since: timestamp('since', p.flags.since as string), until: timestamp('until', p.flags.until as string),
    timestamps: on('timestamps'), follow: on('follow'), tail: p.flags.tail as string, details: on('details'),
  };
  const res = await ctx.client.stream('GET', containerPath(c.Id, '/logs'), { query });
  if (c.Config?.Tty === true) await copyOut(res, ctx.stdout);
  else await demux(res as AsyncIterable<Buffer>, ctx.stdout, ctx.stderr);
}

export function logsCommand(): Command {
  const tsHelp = (what: string) => `Show logs ${what} a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)`;
  return {
    name: 'logs', usage: '[OPTIONS] CONTAINER', short: 'Fetch the logs of a container', aliasesHelp: ['container logs', 'logs'],
    args: { exact: 1 }, run: runLogs,
    flags: [
      { name: 'details', kind: 'bool', description: 'Show extra details provided to logs' },
      { name: 'follow', short: 'f', kind: 'bool', description: 'Follow log output' },
      { name: 'since', kind: 'string', description: tsHelp('since').replace('logs since a', 'logs since') },
      { name: 'tail', short: 'n', kind: 'string', default: 'all', description: 'Number of lines to show from the end of the logs' },
      { name: 'timestamps', short: 't', kind: 'bool', description: 'Show timestamps' },
      { name: 'until', kind: 'string', description: tsHelp('before') },
    ],
  };
}

// ---- top ----

async function runTop(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const [container, ...psArgs] = p.args;
  const res = await ctx.client.json<{ Titles?: string[] | null; Processes?: string[][] | null }>('GET', containerPath(container, '/top'), {
    query: { ps_args: psArgs.length > 0 ? psArgs.join(' ') : undefined },
  });
  const lines = [(res?.Titles ?? []).join('\t'), ...(res?.Processes ?? []).map((proc) => proc.join('\t'))];
  ctx.stdout.write(tabwrite(lines.join('\n') + '\n', { minwidth: 20, padding: 3, padchar: ' ' }));
}

export function topCommand(): Command {
  return {
    name: 'top', usage: 'CONTAINER [ps OPTIONS]', short: 'Display the running processes of a container',
    aliasesHelp: ['container top', 'top'], args: { min: 1 }, interspersed: false, run: runTop,
  };
}

// ---- diff ----

const CHANGE_KINDS: Record<number, string> = { 0: 'C', 1: 'A', 2: 'D' };

async function runDiff(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const changes = await ctx.client.json<{ Path: string; Kind: number }[] | null>('GET', containerPath(p.args[0], '/changes'));
  ctx.stdout.write((changes ?? []).map((c) => `${CHANGE_KINDS[c.Kind] ?? '?'} ${c.Path}\n`).join(''));
}

export function diffCommand(): Command {
  return {
    name: 'diff', usage: 'CONTAINER', short: "Inspect changes to files or directories on a container's filesystem",
    aliasesHelp: ['container diff', 'diff'], args: { exact: 1 }, run: runDiff,
  };
}

// ---- port ----

/** net.JoinHostPort. */
function joinHostPort(host: string, port: string): string {
  return isIPv6(host) || host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}


async function runPort(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const [container, wanted] = p.args;
  const c = await inspectContainer(ctx, container);
  const ports = c.NetworkSettings?.Ports ?? {};
  const out: string[] = [];
  if (wanted !== undefined) {
    const slash = wanted.indexOf('/');
    const port = slash < 0 ? wanted : wanted.slice(0, slash);
    const proto = (slash < 0 ? '' : wanted.slice(slash + 1)) || 'tcp';
    if (!/^\d+$/.test(port) || Number(port) > 65535) {
      throw new Error(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: ${/^\d+$/.test(port) ? 'value out of range' : 'invalid syntax'}`);
    }
    const frontends = ports[`${port}/${proto}`] ?? [];
    if (frontends.length === 0) throw new Error(`Error: No public port '${wanted}' published for ${container}`);
    for (const f of frontends) out.push(joinHostPort(f.HostIp, f.HostPort));
  } else {
    for (const [from, frontends] of Object.entries(ports)) {
      for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp, f.HostPort)}`);
    }
  }
  out.sort((x, y) => (naturalLess(x, y) ? -1 : naturalLess(y, x) ? 1 : 0));
  if (out.length > 0) ctx.stdout.write(out.join('\n') + '\n');
}

export function portCommand(): Command {
  return {
    name: 'port', usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]', short: 'List port mappings or a specific mapping for the container',
    aliasesHelp: ['container port', 'port'], args: { min: 1, max: 2 }, run: runPort,
  };
}
