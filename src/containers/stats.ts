/* GET /containers/{id}/stats: samples from the container's cgroup (v1 or v2), /proc/stat and its net/dev. */
import { cgroupDir, NO_PLACEMENT, placeContainer, type CgroupPlacement } from '../core/runtime/cgroup-path.ts';
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { BlkioStatEntry, BlkioStats, ContainerStatsBackend, CpuStats, MemoryStats, NetworkStats, StatsJSON, StatsOptions, UpdateRequest } from '../core/containers/stats-types.ts';
import type { EventSink } from '../core/events/types.ts';
import { CGROUP_ROOT, isCgroupV2 } from '../runtime/cgroups.ts';
import { cgroupSysInfo } from '../runtime/sysinfo.ts';
import { nowNs, rfc3339Nano } from '../core/time.ts';
import { RUNC_PATH } from '../runtime/runc.ts';
import { ZERO_TIME } from './create.ts';
import type { ContainerDb } from './store.ts';
import { runcUpdate, updateContainer, type RuncResources } from './update.ts';

export interface StatsPaths { cgroupRoot: string; procRoot: string; cgroups?: CgroupPlacement }

/** USER_HZ: cpuacct.stat and /proc/stat count in 1/100 s. */
const NS_PER_TICK = 10_000_000;
/** The memory.stat keys dockerd reports on cgroup v1. */
const V1_MEMORY_KEYS = ['cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'hierarchical_memory_limit', 'hierarchical_memsw_limit'];

const text = (p: string): Promise<string | undefined> => readFile(p, 'utf8').catch(() => undefined);

/** A number file; undefined when missing or "max". */
async function num(p: string): Promise<number | undefined> {
  const t = (await text(p))?.trim();
  return t === undefined || t === '' || t === 'max' ? undefined : Number(t);
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat). */
export function parseKeyValues(t: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of (t ?? '').split('\n')) {
    const [k, v] = l.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** blkio.throttle.* lines "8:0 Read 4096"; the "Total N" line is left out. */
export function parseBlkioV1(t: string | undefined): BlkioStatEntry[] | null {
  if (t === undefined) return null;
  const out: BlkioStatEntry[] = [];
  for (const l of t.split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(l.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
  }
  return out;
}

/** io.stat lines "8:0 rbytes=1 wbytes=2 rios=3 ..." as dockerd's read/write entries. */
export function parseIoStatV2(t: string | undefined): BlkioStatEntry[] | null {
  if (t === undefined) return null;
  const out: BlkioStatEntry[] = [];
  for (const l of t.split('\n')) {
    const m = /^(\d+):(\d+)\s+(.*)$/.exec(l.trim());
    if (!m) continue;
    const kv = Object.fromEntries(m[3].split(/\s+/).map((f) => f.split('=')).map(([k, v]) => [k, Number(v) || 0]));
    out.push({ major: Number(m[1]), minor: Number(m[2]), op: 'read', value: kv.rbytes ?? 0 },
      { major: Number(m[1]), minor: Number(m[2]), op: 'write', value: kv.wbytes ?? 0 });
  }
  return out;
}

/** /proc/stat: host CPU time in ns (user..softirq, as dockerd sums) and the number of online CPUs. */
export function parseProcStat(t: string): { systemUsage: number; onlineCpus: number } {
  let ticks = 0n;
  let cpusSeen = 0;
  for (const l of t.split('\n')) {
    const f = l.trim().split(/\s+/);
    if (f[0] === 'cpu') for (const v of f.slice(1, 8)) ticks += BigInt(v);
    else if (/^cpu\d+$/.test(f[0])) cpusSeen++;
  }
  return { systemUsage: Number(ticks * BigInt(NS_PER_TICK)), onlineCpus: cpusSeen };
}

/** /proc/<pid>/net/dev, every interface but lo. */
export function parseNetDev(t: string): Record<string, NetworkStats> {
  const out: Record<string, NetworkStats> = {};
  for (const l of t.split('\n').slice(2)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const name = l.slice(0, i).trim();
    const f = l.slice(i + 1).trim().split(/\s+/).map(Number);
    if (name === 'lo' || f.length < 12) continue;
    out[name] = { rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3], tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11] };
  }
  return out;
}

const zeroCpu = (): CpuStats => ({
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
});
const noBlkio = (): BlkioStats => ({
  io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null,
  io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
});

/** What dockerd sends for a container that is not running: only name and id are set. */
export function zeroStats(c: Pick<ContainerRecord, 'id' | 'name'>): StatsJSON {
  return {
    read: ZERO_TIME, preread: ZERO_TIME, pids_stats: {}, blkio_stats: noBlkio(), num_procs: 0, storage_stats: {},
    cpu_stats: zeroCpu(), precpu_stats: zeroCpu(), memory_stats: {}, name: c.name, id: c.id,
  };
}

type CgroupSample = Pick<StatsJSON, 'pids_stats' | 'blkio_stats' | 'cpu_stats' | 'memory_stats'>;

/** Go's encoding/json writes map keys sorted. */
const sorted = <T>(m: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const capLimit = (limit: number | undefined): number => (limit === undefined || limit > totalmem() ? totalmem() : limit);
const pids = (current?: number, limit?: number): StatsJSON['pids_stats'] => ({ ...(current ? { current } : {}), ...(limit ? { limit } : {}) });

async function readV1(root: string, rel: string): Promise<CgroupSample | null> {
  const at = (ctrl: string, file: string): string => join(root, ctrl, rel, file);
  const [usage, percpu, acct, cpuStat, memUsage, memMax, memLimit, failcnt, memStat, pidsCur, pidsMax, bytesR, bytes, iosR, ios] = await Promise.all([
    num(at('cpuacct', 'cpuacct.usage')), text(at('cpuacct', 'cpuacct.usage_percpu')), text(at('cpuacct', 'cpuacct.stat')), text(at('cpu', 'cpu.stat')),
    num(at('memory', 'memory.usage_in_bytes')), num(at('memory', 'memory.max_usage_in_bytes')), num(at('memory', 'memory.limit_in_bytes')),
    num(at('memory', 'memory.failcnt')), text(at('memory', 'memory.stat')), num(at('pids', 'pids.current')), num(at('pids', 'pids.max')),
    text(at('blkio', 'blkio.throttle.io_service_bytes_recursive')), text(at('blkio', 'blkio.throttle.io_service_bytes')),
    text(at('blkio', 'blkio.throttle.io_serviced_recursive')), text(at('blkio', 'blkio.throttle.io_serviced')),
  ]);
  if (usage === undefined && memUsage === undefined) return null;
  const a = parseKeyValues(acct);
  const t = parseKeyValues(cpuStat);
  const ms = parseKeyValues(memStat);
  const stats: Record<string, number> = {};
  for (const k of V1_MEMORY_KEYS) {
    if (k in ms) stats[k] = ms[k];
    if (!k.startsWith('hierarchical') && `total_${k}` in ms) stats[`total_${k}`] = ms[`total_${k}`];
  }
  const memory: MemoryStats = { usage: memUsage ?? 0, ...(memMax ? { max_usage: memMax } : {}), stats: sorted(stats), ...(failcnt ? { failcnt } : {}), limit: capLimit(memLimit) };
  return {
    pids_stats: pids(pidsCur, pidsMax),
    // v1 (as dockerd through containerd): every list is one, empty for the counters the throttle files do not give
    blkio_stats: {
      io_service_bytes_recursive: parseBlkioV1(bytesR ?? bytes), io_serviced_recursive: parseBlkioV1(iosR ?? ios), io_queue_recursive: [], io_service_time_recursive: [],
      io_wait_time_recursive: [], io_merged_recursive: [], io_time_recursive: [], sectors_recursive: [],
    },
    cpu_stats: {
      cpu_usage: {
        total_usage: usage ?? 0,
        percpu_usage: (percpu ?? '').trim().split(/\s+/).filter(Boolean).map(Number),
        usage_in_kernelmode: (a.system ?? 0) * NS_PER_TICK,
        usage_in_usermode: (a.user ?? 0) * NS_PER_TICK,
      },
      throttling_data: { periods: t.nr_periods ?? 0, throttled_periods: t.nr_throttled ?? 0, throttled_time: t.throttled_time ?? 0 },
    },
    memory_stats: memory,
  };
}

async function readV2(root: string, rel: string): Promise<CgroupSample | null> {
  const at = (file: string): string => join(root, rel, file);
  const [cpuStat, memCur, memMax, memStat, pidsCur, pidsMax, io] = await Promise.all([
    text(at('cpu.stat')), num(at('memory.current')), num(at('memory.max')), text(at('memory.stat')), num(at('pids.current')), num(at('pids.max')), text(at('io.stat')),
  ]);
  if (cpuStat === undefined && memCur === undefined) return null;
  const c = parseKeyValues(cpuStat);
  return {
    pids_stats: pids(pidsCur, pidsMax),
    blkio_stats: { ...noBlkio(), io_service_bytes_recursive: parseIoStatV2(io) },
    cpu_stats: {
      cpu_usage: { total_usage: (c.usage_usec ?? 0) * 1000, usage_in_kernelmode: (c.system_usec ?? 0) * 1000, usage_in_usermode: (c.user_usec ?? 0) * 1000 },
      throttling_data: { periods: c.nr_periods ?? 0, throttled_periods: c.nr_throttled ?? 0, throttled_time: (c.throttled_usec ?? 0) * 1000 },
    },
    memory_stats: { usage: memCur ?? 0, stats: sorted(parseKeyValues(memStat)), limit: capLimit(memMax) },
  };
}

/** One sample of a running container (precpu_stats zeroed); null when its cgroup is gone. */
export async function sampleContainer(c: ContainerRecord, paths: StatsPaths): Promise<StatsJSON | null> {
  const rel = cgroupDir(placeContainer(c.id, c.hostConfig.CgroupParent as string | undefined, paths.cgroups ?? NO_PLACEMENT));
  const cg = isCgroupV2(paths.cgroupRoot) ? await readV2(paths.cgroupRoot, rel) : await readV1(paths.cgroupRoot, rel);
  if (!cg) return null;
  const read = rfc3339Nano(nowNs());
  const sys = parseProcStat((await text(join(paths.procRoot, 'stat'))) ?? '');
  const { cpu_usage, throttling_data } = cg.cpu_stats;
  const online = sys.onlineCpus || cpu_usage.percpu_usage?.length || 0;
  cg.cpu_stats = { cpu_usage, system_cpu_usage: sys.systemUsage, online_cpus: online, throttling_data };
  const ordered: StatsJSON = {
    read, preread: ZERO_TIME, pids_stats: cg.pids_stats, blkio_stats: cg.blkio_stats, num_procs: 0, storage_stats: {},
    cpu_stats: cg.cpu_stats, precpu_stats: zeroCpu(), memory_stats: cg.memory_stats, name: c.name, id: c.id,
  };
  if (c.hostConfig.NetworkMode !== 'host' && c.state.Pid > 0) {
    const dev = await text(join(paths.procRoot, String(c.state.Pid), 'net/dev'));
    const nets = dev ? parseNetDev(dev) : {};
    if (Object.keys(nets).length) ordered.networks = sorted(nets);
  }
  return ordered;
}

export interface StatsServiceDeps {
  db: Pick<ContainerDb, 'resolve' | 'byId' | 'save'>;
  events: EventSink;
  attrs(c: ContainerRecord): Record<string, string>;
  applyResources(id: string, res: RuncResources): Promise<void>;
  cgroups?: CgroupPlacement;
  paths?: StatsPaths;
  /** Time between samples (dockerd: 1 s). */
  intervalMs?: number;
}

const running = (c: ContainerRecord): boolean => c.state.Running && !c.state.Restarting;

/** The stats and update backend of the API. */
export class ContainerStatsService implements ContainerStatsBackend {
  private readonly d: StatsServiceDeps;
  private readonly paths: StatsPaths;
  private readonly interval: number;

  constructor(deps: StatsServiceDeps) {
    this.d = deps;
    this.paths = deps.paths ?? { cgroupRoot: CGROUP_ROOT, procRoot: '/proc', cgroups: deps.cgroups };
    this.interval = deps.intervalMs ?? 1000;
  }

  /** For the wiring: the container service's records and events, runc under `<execRoot>/runc`. */
  static of(svc: { d: { db: ContainerDb; events: EventSink; cgroups?: CgroupPlacement }; life: { attrs(c: ContainerRecord): Record<string, string> } }, execRoot: string): ContainerStatsService {
    const runcRoot = join(execRoot, 'runc');
    return new ContainerStatsService({
      db: svc.d.db, events: svc.d.events, cgroups: svc.d.cgroups, attrs: (c) => svc.life.attrs(c),
      applyResources: (id, res) => runcUpdate(RUNC_PATH, runcRoot, id, res),
    });
  }

  async stats(idOrName: string, opts: StatsOptions, signal: AbortSignal): Promise<AsyncIterable<StatsJSON>> {
    const c = this.d.db.resolve(idOrName);
    return this.samples(c, opts, signal);
  }

  private async take(c: ContainerRecord): Promise<StatsJSON> {
    return (running(c) ? await sampleContainer(c, this.paths) : null) ?? zeroStats(c);
  }

  /** dockerd's ContainerStats: zeroed for a stopped container, one-shot, one primed sample, or a stream. */
  private async *samples(c: ContainerRecord, opts: StatsOptions, signal: AbortSignal): AsyncGenerator<StatsJSON> {
    if (!running(c) && !opts.stream) {
      yield zeroStats(c);
      return;
    }
    if (opts.oneShot) {
      yield await this.take(c);
      return;
    }
    let prev: { cpu: CpuStats; read: string } | null = null;
    let primed = opts.stream;
    while (!signal.aborted && this.d.db.byId(c.id)) {
      const s = await this.take(c);
      if (prev) {
        s.precpu_stats = prev.cpu;
        s.preread = prev.read;
      }
      prev = { cpu: s.cpu_stats, read: s.read };
      if (primed) {
        yield s;
        if (!opts.stream) return;
      }
      primed = true;
      try {
        await sleep(this.interval, undefined, { signal });
      } catch {
        return;
      }
    }
  }

  update(idOrName: string, req: UpdateRequest): Promise<{ Warnings: string[] }> {
    return updateContainer({
      ...this.d,
      blkioWeight: cgroupSysInfo(this.paths.cgroupRoot).blkioWeight,
    }, idOrName, req);
  }
}
