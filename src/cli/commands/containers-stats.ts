/**
 * `stats`: resource usage per container, computed from the daemon's stats
 * JSON as the docker CLI does (CPU from cpu_stats/precpu_stats, memory
 * without the inactive file cache, summed network and block I/O), once
 * with --no-stream, else redrawn every half second.
 */
import { describeError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { renderRows } from '../format/formatter.ts';
import { bytesSize, humanSizeWithPrecision } from '../format/units.ts';
import { containerPath } from './containers-shared.ts';
import { contextRow, FORMAT_HELP, readCliConfig, truncateId } from './shared.ts';

type Json = Record<string, any>;

export const STATS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const STATS_HEADERS = {
  ID: 'CONTAINER ID', Name: 'NAME', Container: 'CONTAINER', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %',
  NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

export interface StatsEntry {
  container: string; name: string; id: string; cpu: number; memory: number; memoryLimit: number; memoryPercent: number;
  netRx: number; netTx: number; blockRead: number; blockWrite: number; pids: number; invalid: boolean;
}

/** calculateMemUsageUnixNoCache: usage minus the inactive file cache (cgroup v1 total_inactive_file, v2 inactive_file). */
export function memoryUsage(mem: Json): number {
  const usage = mem?.usage ?? 0;
  const stats = mem?.stats ?? {};
  if (stats.total_inactive_file !== undefined && stats.total_inactive_file < usage) return usage - stats.total_inactive_file;
  const inactive = stats.inactive_file ?? 0;
  return inactive < usage ? usage - inactive : usage;
}

/** calculateCPUPercentUnix from one stats message. */
export function cpuPercent(s: Json): number {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  let online = s.cpu_stats?.online_cpus ?? 0;
  if (online === 0) online = (s.cpu_stats?.cpu_usage?.percpu_usage ?? []).length;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** One stats message as a display entry. */
export function statsEntry(container: string, s: Json): StatsEntry {
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = String(e.op ?? '');
    if (op[0] === 'r' || op[0] === 'R') blockRead += e.value ?? 0;
    else if (op[0] === 'w' || op[0] === 'W') blockWrite += e.value ?? 0;
  }
  let netRx = 0;
  let netTx = 0;
  for (const n of Object.values<Json>(s.networks ?? {})) {
    netRx += n.rx_bytes ?? 0;
    netTx += n.tx_bytes ?? 0;
  }
  const memory = memoryUsage(s.memory_stats);
  const memoryLimit = s.memory_stats?.limit ?? 0;
  return {
    container, name: String(s.name ?? ''), id: String(s.id ?? ''), cpu: cpuPercent(s), memory, memoryLimit,
    memoryPercent: memoryLimit !== 0 ? (memory / memoryLimit) * 100 : 0, netRx, netTx, blockRead, blockWrite,
    pids: s.pids_stats?.current ?? 0, invalid: false,
  };
}

/** docker's statsContext row. */
export function statsRow(e: StatsEntry, trunc: boolean): Record<string, string> {
  const dash = e.invalid;
  return contextRow({
    BlockIO: dash ? '-- / --' : `${humanSizeWithPrecision(e.blockRead, 3)} / ${humanSizeWithPrecision(e.blockWrite, 3)}`,
    CPUPerc: dash ? '--' : `${e.cpu.toFixed(2)}%`,
    Container: e.container,
    ID: trunc ? truncateId(e.id) : e.id,
    MemPerc: dash ? '--' : `${e.memoryPercent.toFixed(2)}%`,
    MemUsage: dash ? '-- / --' : `${bytesSize(e.memory)} / ${bytesSize(e.memoryLimit)}`,
    Name: e.name.length > 1 ? e.name.slice(1) : '--',
    NetIO: dash ? '--' : `${humanSizeWithPrecision(e.netRx, 3)} / ${humanSizeWithPrecision(e.netTx, 3)}`,
    PIDs: dash ? '--' : String(e.pids),
  });
}

export function renderStats(entries: readonly StatsEntry[], format: string, trunc: boolean): string {
  return renderRows(entries.map((e) => statsRow(e, trunc)), format, { defaultTable: STATS_TABLE, headers: STATS_HEADERS });
}

/** Reads JSON values from a stream of concatenated/newline-separated JSON objects. */
async function eachJson(src: AsyncIterable<Buffer | string>, onValue: (v: Json) => void): Promise<void> {
  let pending = '';
  for await (const chunk of src) {
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) onValue(JSON.parse(line) as Json);
    }
  }
  if (pending.trim()) onValue(JSON.parse(pending) as Json);
}

function emptyEntry(container: string): StatsEntry {
  return { container, name: '', id: container, cpu: 0, memory: 0, memoryLimit: 0, memoryPercent: 0, netRx: 0, netTx: 0, blockRead: 0, blockWrite: 0, pids: 0, invalid: false };
}

async function runStats(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const noStream = p.flags['no-stream'] === true;
  const trunc = p.flags['no-trunc'] !== true;
  let format = p.flags.format as string;
  if (format === '') {
    const configured = readCliConfig(ctx.configDir).statsFormat;
    format = typeof configured === 'string' && configured !== '' ? configured : STATS_TABLE;
  }
  const listAll = async (): Promise<string[]> => {
    const list = await ctx.client.json<{ Id: string }[]>('GET', '/containers/json', { query: { all: p.flags.all === true || undefined } });
    return (list ?? []).map((c) => truncateId(c.Id));
  };
  const names = p.args.length > 0 ? p.args : await listAll();
  const entries = new Map<string, StatsEntry>(names.map((n) => [n, emptyEntry(n)]));
  const errors: string[] = [];
  const collect = async (name: string): Promise<void> => {
    try {
      const res = await ctx.client.stream('GET', containerPath(name, '/stats'), { query: { stream: !noStream } });
      await eachJson(res as AsyncIterable<Buffer>, (s) => entries.set(name, statsEntry(name, s)));
    } catch (e) {
      if (p.args.length > 0 && noStream) errors.push(describeError(e));
      const entry = entries.get(name);
      if (entry) entry.invalid = true;
    }
  };
  if (noStream) {
    await Promise.all(names.map(collect));
    if (errors.length > 0) throw new Error(errors.join('\n'));
    ctx.stdout.write(renderStats([...entries.values()], format, trunc));
    return;
  }
  for (const n of names) void collect(n);
  ctx.stdout.write('\x1b[2J');
  for (let tick = 1; ; tick++) {
    await new Promise((r) => setTimeout(r, 500));
    if (p.args.length === 0 && tick % 4 === 0) {
      // docker follows container events; listing again has the same effect on what is shown.
      const current = await listAll().catch(() => [...entries.keys()]);
      for (const n of current) {
        if (entries.has(n)) continue;
        entries.set(n, emptyEntry(n));
        void collect(n);
      }
      for (const n of [...entries.keys()]) if (!current.includes(n)) entries.delete(n);
    }
    const text = renderStats([...entries.values()], format, trunc);
    ctx.stdout.write('\x1b[H' + text.split('\n').slice(0, -1).map((l) => `${l}\x1b[K\n`).join('') + '\x1b[J');
    if (entries.size === 0 && p.flags.all !== true) return;
  }
}

export function statsCommand(): Command {
  return {
    name: 'stats', usage: '[OPTIONS] [CONTAINER...]', short: 'Display a live stream of container(s) resource usage statistics',
    aliasesHelp: ['container stats', 'stats'], run: runStats,
    flags: [
      { name: 'all', short: 'a', kind: 'bool', description: 'Show all containers (default shows just running)' },
      { name: 'format', kind: 'string', description: FORMAT_HELP },
      { name: 'no-stream', kind: 'bool', description: 'Disable streaming stats and only pull the first result' },
      { name: 'no-trunc', kind: 'bool', description: 'Do not truncate output' },
    ],
  };
}
