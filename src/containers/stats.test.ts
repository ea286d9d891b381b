import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { StatsJSON } from '../core/containers/stats-types.ts';
import { NotFoundError } from '../core/errors.ts';
import { ContainerStatsService, parseBlkioV1, parseIoStatV2, parseNetDev, parseProcStat, sampleContainer, zeroStats } from './stats.ts';

const ID = 'ab'.repeat(32);
const PROC_STAT = 'cpu  100 5 50 1000 10 1 2 7 0 0\ncpu0 50 2 25 500 5 0 1 3 0 0\ncpu1 50 3 25 500 5 1 1 4 0 0\nintr 1 2 3\n';
const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
  eth0:    5338      36    1    2    0     0          0         0      648       8    3    4    0     0       0          0
`;

const tmp = mkdtempSync(join(tmpdir(), 'berth-stats-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmp, 'root-'));
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), t);
  }
  return root;
}

function record(over: Partial<ContainerRecord['state']> = {}): ContainerRecord {
  return {
    id: ID, name: '/web', hostConfig: { NetworkMode: 'bridge' }, config: { Labels: {} },
    state: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 42, ExitCode: 0, Error: '', StartedAt: '', FinishedAt: '', ...over },
  } as unknown as ContainerRecord;
}

const v1Files = (): Record<string, string> => {
  const d = (c: string, f: string): string => `cg/${c}/berth/${ID}/${f}`;
  return {
    'cg/cpu/cgroup.procs': '', // marks the root as v1 (no cgroup.controllers)
    [d('cpuacct', 'cpuacct.usage')]: '123456789\n',
    [d('cpuacct', 'cpuacct.usage_percpu')]: '100000000 23456789 \n',
    [d('cpuacct', 'cpuacct.stat')]: 'user 7\nsystem 3\n',
    [d('cpu', 'cpu.stat')]: 'nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n',
    [d('memory', 'memory.usage_in_bytes')]: '4194304\n',
    [d('memory', 'memory.max_usage_in_bytes')]: '8388608\n',
    [d('memory', 'memory.limit_in_bytes')]: '67108864\n',
    [d('memory', 'memory.failcnt')]: '0\n',
    [d('memory', 'memory.stat')]: 'cache 1024\nrss 2048\nshmem 0\ninactive_file 512\nhierarchical_memory_limit 67108864\ntotal_cache 1024\ntotal_rss 2048\ntotal_inactive_file 512\n',
    [d('pids', 'pids.current')]: '3\n',
    [d('pids', 'pids.max')]: 'max\n',
    [d('blkio', 'blkio.throttle.io_service_bytes_recursive')]: '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\nTotal 12288\n',
    [d('blkio', 'blkio.throttle.io_serviced_recursive')]: '8:0 Read 1\n8:0 Write 2\nTotal 3\n',
    'proc/stat': PROC_STAT,
    'proc/42/net/dev': NET_DEV,
  };
};

describe('stats parsers', () => {
  it('sums user..softirq of /proc/stat in ns and counts the CPUs', () => {
    assert.deepEqual(parseProcStat(PROC_STAT), { systemUsage: (100 + 5 + 50 + 1000 + 10 + 1 + 2) * 10_000_000, onlineCpus: 2 });
  });
  it('reads net/dev per interface without lo', () => {
    assert.deepEqual(parseNetDev(NET_DEV), {
      eth0: { rx_bytes: 5338, rx_packets: 36, rx_errors: 1, rx_dropped: 2, tx_bytes: 648, tx_packets: 8, tx_errors: 3, tx_dropped: 4 },
    });
  });
  it('parses blkio v1 lines and io.stat (v2)', () => {
    assert.deepEqual(parseBlkioV1('8:0 Read 4096\nTotal 4096\n'), [{ major: 8, minor: 0, op: 'Read', value: 4096 }]);
    assert.equal(parseBlkioV1(undefined), null);
    assert.deepEqual(parseIoStatV2('259:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n'), [
      { major: 259, minor: 0, op: 'read', value: 10 }, { major: 259, minor: 0, op: 'write', value: 20 },
    ]);
  });
  it('zeroed stats are what dockerd sends for a stopped container', () => {
    assert.equal(JSON.stringify(zeroStats({ id: ID, name: '/web' })),
      '{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null,'
      + '"io_serviced_recursive":null,"io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,'
      + '"io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},"num_procs":0,"storage_stats":{},'
      + '"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},'
      + '"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},'
      + `"memory_stats":{},"name":"/web","id":"${ID}"}`);
  });
});

describe('sampleContainer', () => {
  it('reads a cgroup v1 container', async () => {
    const root = tree(v1Files());
    const s = (await sampleContainer(record(), { cgroupRoot: join(root, 'cg'), procRoot: join(root, 'proc') }))!;
    assert.match(s.read, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/, "Go's RFC3339Nano");
    assert.equal(s.preread, '0001-01-01T00:00:00Z');
    assert.deepEqual(s.pids_stats, { current: 3 });
    assert.deepEqual(s.blkio_stats.io_service_bytes_recursive, [
      { major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 8192 }, { major: 8, minor: 0, op: 'Sync', value: 0 },
    ]);
    assert.equal(s.blkio_stats.io_serviced_recursive!.length, 2);
    assert.deepEqual(s.blkio_stats.io_queue_recursive, [], 'v1: dockerd sends every blkio list, empty where the throttle files say nothing');
    assert.deepEqual(s.cpu_stats, {
      cpu_usage: { total_usage: 123456789, percpu_usage: [100000000, 23456789], usage_in_kernelmode: 30_000_000, usage_in_usermode: 70_000_000 },
      throttling_data: { periods: 10, throttled_periods: 2, throttled_time: 5000 },
      system_cpu_usage: 11_680_000_000, online_cpus: 2,
    });
    assert.deepEqual(Object.keys(s.cpu_stats), ['cpu_usage', 'system_cpu_usage', 'online_cpus', 'throttling_data']);
    assert.deepEqual(s.memory_stats, {
      usage: 4194304, max_usage: 8388608, limit: 67108864,
      stats: { cache: 1024, total_cache: 1024, rss: 2048, total_rss: 2048, inactive_file: 512, total_inactive_file: 512, hierarchical_memory_limit: 67108864 },
    });
    assert.deepEqual(Object.keys(s), ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id', 'networks']);
    assert.deepEqual(Object.keys(s.networks!), ['eth0']);
    assert.equal(s.name, '/web');
  });

  it('caps an unlimited memory limit at the machine memory, leaves out networks with host networking', async () => {
    const files = v1Files();
    files[`cg/memory/berth/${ID}/memory.limit_in_bytes`] = '9223372036854771712\n';
    const root = tree(files);
    const c = record();
    c.hostConfig.NetworkMode = 'host';
    const s = (await sampleContainer(c, { cgroupRoot: join(root, 'cg'), procRoot: join(root, 'proc') }))!;
    assert.equal(s.memory_stats.limit, totalmem());
    assert.equal(s.networks, undefined);
  });

  it('reads a cgroup v2 container', async () => {
    const d = (f: string): string => `cg/berth/${ID}/${f}`;
    const root = tree({
      'cg/cgroup.controllers': 'cpu memory pids io\n',
      [d('cpu.stat')]: 'usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 30\n',
      [d('memory.current')]: '1048576\n',
      [d('memory.max')]: '33554432\n',
      [d('memory.stat')]: 'anon 4096\nfile 8192\ninactive_file 100\n',
      [d('pids.current')]: '2\n',
      [d('pids.max')]: '100\n',
      [d('io.stat')]: '8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n',
      'proc/stat': PROC_STAT,
    });
    const s = (await sampleContainer(record({ Pid: 0 }), { cgroupRoot: join(root, 'cg'), procRoot: join(root, 'proc') }))!;
    assert.deepEqual(s.cpu_stats.cpu_usage, { total_usage: 2_000_000, usage_in_kernelmode: 500_000, usage_in_usermode: 1_500_000 });
    assert.deepEqual(s.cpu_stats.throttling_data, { periods: 4, throttled_periods: 1, throttled_time: 30_000 });
    assert.deepEqual(s.memory_stats, { usage: 1048576, stats: { anon: 4096, file: 8192, inactive_file: 100 }, limit: 33554432 });
    assert.deepEqual(s.pids_stats, { current: 2, limit: 100 });
    assert.equal(s.blkio_stats.io_service_bytes_recursive!.length, 2);
  });

  it('is null when the cgroup is gone', async () => {
    const root = tree({ 'cg/cpu/cgroup.procs': '', 'proc/stat': PROC_STAT });
    assert.equal(await sampleContainer(record(), { cgroupRoot: join(root, 'cg'), procRoot: join(root, 'proc') }), null);
  });
});

describe('ContainerStatsService.stats', () => {
  const root = tree(v1Files());
  const paths = { cgroupRoot: join(root, 'cg'), procRoot: join(root, 'proc') };
  const make = (c: ContainerRecord, present = () => true): ContainerStatsService => new ContainerStatsService({
    db: {
      resolve: (id: string) => { if (id !== 'web' && id !== ID) throw new NotFoundError(`No such container: ${id}`); return c; },
      byId: () => (present() ? c : undefined),
      save: () => undefined,
    },
    events: { publish: () => undefined }, attrs: () => ({}), applyResources: async () => undefined, paths, intervalMs: 20,
  });
  const collect = async (it: AsyncIterable<StatsJSON>): Promise<StatsJSON[]> => {
    const out: StatsJSON[] = [];
    for await (const s of it) out.push(s);
    return out;
  };

  it('throws NotFound before any sample', async () => {
    await assert.rejects(make(record()).stats('nope', { stream: false, oneShot: false }, new AbortController().signal), /No such container: nope/);
  });

  it('stream=false waits a cycle and fills precpu_stats', async () => {
    const t0 = Date.now();
    const out = await collect(await make(record()).stats('web', { stream: false, oneShot: false }, new AbortController().signal));
    assert.equal(out.length, 1);
    assert.ok(Date.now() - t0 >= 15);
    assert.equal(out[0].precpu_stats.cpu_usage.total_usage, 123456789);
    assert.notEqual(out[0].preread, '0001-01-01T00:00:00Z');
  });

  it('one-shot sends one sample at once with empty precpu', async () => {
    const out = await collect(await make(record()).stats('web', { stream: false, oneShot: true }, new AbortController().signal));
    assert.equal(out.length, 1);
    assert.equal(out[0].precpu_stats.cpu_usage.total_usage, 0);
    assert.equal(out[0].memory_stats.usage, 4194304);
  });

  it('a stopped container gets zeroed stats', async () => {
    const out = await collect(await make(record({ Running: false, Status: 'exited', Pid: 0 })).stats('web', { stream: false, oneShot: false }, new AbortController().signal));
    assert.deepEqual(out, [zeroStats({ id: ID, name: '/web' })]);
  });

  it('streams until the client goes away, then until the container is removed', async () => {
    const ac = new AbortController();
    const got: StatsJSON[] = [];
    for await (const s of await make(record()).stats('web', { stream: true, oneShot: false }, ac.signal)) {
      got.push(s);
      if (got.length === 3) ac.abort();
    }
    assert.equal(got.length, 3);
    assert.equal(got[0].precpu_stats.cpu_usage.total_usage, 0);
    assert.equal(got[1].precpu_stats.cpu_usage.total_usage, 123456789);
    assert.equal(got[2].preread, got[1].read);
    let n = 0;
    const c = record({ Running: false, Status: 'exited' });
    const out = await collect(await make(c, () => ++n <= 2).stats('web', { stream: true, oneShot: false }, new AbortController().signal));
    assert.equal(out.length, 2, 'zeroed samples while the stopped container exists');
    assert.equal(out[0].read, '0001-01-01T00:00:00Z');
  });
});
