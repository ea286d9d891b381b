import assert from 'node:assert/strict';
import { test } from 'node:test';
import { berth, containerClient } from './containers-fakes.ts';
import { displayablePorts, renderContainers, type ContainerSummary } from './containers-list.ts';
import { cpuPercent, memoryUsage, renderStats, statsEntry } from './containers-stats.ts';

process.env.TZ = 'UTC';
const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
const sec = (ms: number) => Math.floor(ms / 1000);

const WEB: ContainerSummary = {
  Id: 'a'.repeat(64), Names: ['/web', '/other/alias'], Image: `nginx@sha256:${'b'.repeat(64)}`, ImageID: `sha256:${'c'.repeat(64)}`,
  Command: "/docker-entrypoint.sh nginx -g 'daemon off;'", Created: sec(NOW) - 3600,
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { PrivatePort: 443, Type: 'tcp' }, { PrivatePort: 444, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' },
  ],
  Labels: { b: '2', a: '1' }, State: 'running', Status: 'Up About an hour', SizeRw: 12, SizeRootFs: 2_000_000,
  NetworkSettings: { Networks: { bridge: {} } }, Mounts: [{ Name: 'd'.repeat(64), Source: '/var/lib/x', Driver: 'local' }],
};
const EXITED: ContainerSummary = {
  Id: 'e'.repeat(64), Names: ['/exited'], Image: `sha256:${'f'.repeat(64)}`, ImageID: `sha256:${'f'.repeat(64)}`, Command: 'sh',
  Created: sec(NOW) - 100, Ports: [], Labels: {}, State: 'exited', Status: 'Exited (0) 3 seconds ago',
};

test('ps table: 12-char IDs, familiar images, quoted commands cut at 20, grouped ports, first plain name', () => {
  const text = renderContainers([WEB, EXITED], { format: 'table', quiet: false, size: false, noTrunc: false, now: NOW });
  assert.equal(text,
    'CONTAINER ID   IMAGE          COMMAND                  CREATED              STATUS                     PORTS                                                          NAMES\n' +
    'aaaaaaaaaaaa   nginx          "/docker-entrypoint.…"   About an hour ago    Up About an hour           53/udp, 443-444/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp   web\n' +
    'eeeeeeeeeeee   ffffffffffff   "sh"                     About a minute ago   Exited (0) 3 seconds ago                                                                  exited\n');
  const full = renderContainers([WEB], { format: '{{.ID}} {{.Names}} {{.Image}} {{.Size}} {{.Label "a"}} {{.Labels}} {{.Mounts}} {{.LocalVolumes}}', quiet: false, size: false, noTrunc: true, now: NOW });
  assert.equal(full, `${WEB.Id} web,other/alias ${WEB.Image} 12B (virtual 2MB) 1 a=1,b=2 ${'d'.repeat(64)} 1\n`);
  assert.equal(renderContainers([WEB], { format: 'table', quiet: false, size: true, noTrunc: false, now: NOW }).split('\n')[0].endsWith('NAMES     SIZE'), true);
  assert.equal(displayablePorts([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 80, Type: 'tcp' }, { IP: '0.0.0.0', PrivatePort: 81, PublicPort: 81, Type: 'tcp' }]),
    '0.0.0.0:80-81->80-81/tcp');
});

test('ps --format json: docker\'s fields, sorted, HTML-escaped', () => {
  const line = renderContainers([EXITED], { format: 'json', quiet: false, size: false, noTrunc: false, now: NOW });
  assert.equal(line, '{"Command":"\\"sh\\"","CreatedAt":"2024-01-01 11:58:20 +0000 UTC","ID":"eeeeeeeeeeee","Image":"ffffffffffff","Labels":"",' +
    '"LocalVolumes":"0","Mounts":"","Names":"exited","Networks":"","Platform":null,"Ports":"","RunningFor":"About a minute ago","Size":"0B",' +
    '"State":"exited","Status":"Exited (0) 3 seconds ago"}\n');
});

test('ps query: -a, -n/-l limits, sorted filters, size only when the template needs it; -q prints IDs', async () => {
  const client = containerClient(() => ({ json: [WEB] }));
  await berth(['ps', '-a', '-n', '3', '-f', 'status=exited', '-f', 'label=b', '-f', 'label=a'], client);
  assert.deepEqual(client.calls[0].query, { all: true, limit: 3, filters: '{"label":{"a":true,"b":true},"status":{"exited":true}}' });
  await berth(['ps', '-l'], client);
  assert.deepEqual(client.calls[1].query, { limit: 1 });
  await berth(['ps', '--format', '{{.Size}}'], client);
  assert.deepEqual(client.calls[2].query, { size: true });
  const q = await berth(['container', 'ls', '-q', '--format', '{{.Names}}'], client);
  assert.deepEqual([q.out, q.err], ['aaaaaaaaaaaa\n', 'WARNING: Ignoring custom format, because both --format and --quiet are set.\n']);
  assert.equal((await berth(['ps', 'x'], client)).code, 1);
});

const STATS = {
  id: 'a'.repeat(64), name: '/web', pids_stats: { current: 3 },
  cpu_stats: { cpu_usage: { total_usage: 200_000_000, percpu_usage: [1, 1] }, system_cpu_usage: 2_000_000_000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 100_000_000 }, system_cpu_usage: 1_000_000_000 },
  memory_stats: { usage: 10_485_760, limit: 1_073_741_824, stats: { inactive_file: 1_048_576, total_inactive_file: 2_097_152 } },
  networks: { eth0: { rx_bytes: 1000, tx_bytes: 2000 }, eth1: { rx_bytes: 500, tx_bytes: 0 } },
  blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 4096 }, { op: 'Write', value: 8192 }, { op: 'read', value: 1 }] },
};

test('stats: CPU from the deltas, memory without inactive files, summed I/O, docker\'s columns', () => {
  assert.equal(cpuPercent(STATS), 20);
  assert.equal(memoryUsage(STATS.memory_stats), 8 * 1024 * 1024);
  assert.equal(memoryUsage({ usage: 100, stats: { inactive_file: 30 } }), 70);
  const text = renderStats([statsEntry('web', STATS)], 'table', true);
  assert.equal(text,
    'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O       BLOCK I/O        PIDS\n' +
    'aaaaaaaaaaaa   web       20.00%    8MiB / 1GiB         0.78%     1.5kB / 2kB   4.1kB / 8.19kB   3\n');
});

test('stats --no-stream: stream=0 per container (short IDs when listed), errors for named ones', async () => {
  const client = containerClient((c) => {
    if (c.path === '/containers/json') return { json: [{ Id: 'a'.repeat(64) }] };
    if (c.path === '/containers/nope/stats') return { error: [404, 'No such container: nope'] };
    return { json: STATS };
  });
  const r = await berth(['stats', '--no-stream', '--format', '{{.Container}} {{.Name}} {{.CPUPerc}}'], client);
  assert.deepEqual([r.code, r.out], [0, 'aaaaaaaaaaaa web 20.00%\n']);
  assert.deepEqual([client.calls[1].path, client.calls[1].query], ['/containers/aaaaaaaaaaaa/stats', { stream: false }]);
  const bad = await berth(['stats', '--no-stream', 'web', 'nope'], client);
  assert.deepEqual([bad.code, bad.err], [1, 'Error response from daemon: No such container: nope\n']);
});
