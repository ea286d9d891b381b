import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { berth, containerClient, frame } from './containers-fakes.ts';
import { naturalLess } from './shared.ts';

const PORTS = {
  '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '53/udp': null,
  '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '4443' }], '9/tcp': [{ HostIp: '0.0.0.0', HostPort: '9' }],
};

function daemon(tty = false) {
  return containerClient((c) => {
    if (c.path === '/containers/c1/json') return { json: { Id: 'c1full', Config: { Tty: tty }, NetworkSettings: { Ports: PORTS } } };
    if (c.path === '/containers/c1full/logs') return { body: tty ? 'raw\r\n' : Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]) };
    if (c.path === '/containers/c1/top') return { json: { Titles: ['UID', 'PID', 'CMD'], Processes: [['root', '1', 'sleep 1000']] } };
    if (c.path === '/containers/c1/changes') return { json: [{ Path: '/etc', Kind: 0 }, { Path: '/etc/x', Kind: 1 }, { Path: '/tmp/y', Kind: 2 }] };
    if (c.path === '/commit') return { json: { Id: 'sha256:1234' } };
    if (c.path === '/containers/c1/update') return { json: { Warnings: ['w1'] } };
    if (c.path === '/containers/prune') return { json: { ContainersDeleted: ['a1', 'b2'], SpaceReclaimed: 12345 } };
    if (c.path === '/containers/c1/export') return { body: 'tar bytes' };
    if (c.path.startsWith('/containers/nope')) return { error: [404, 'No such container: nope'] };
    return undefined;
  });
}

test('logs: the container ID from inspect, docker\'s query, frames split to stdout/stderr (raw with a TTY)', async () => {
  const client = daemon();
  const r = await berth(['logs', '-f', '-n', '5', '-t', '--details', '--since', '2024-01-01T00:00:00Z', '--until', '1700000000', 'c1'], client);
  assert.deepEqual([r.code, r.out, r.err], [0, 'out\n', 'err\n']);
  assert.deepEqual(client.calls[1].query, {
    stdout: true, stderr: true, since: '1704067200.000000000', until: '1700000000', timestamps: true, follow: true, tail: '5', details: true,
  });
  assert.equal((await berth(['logs', 'c1'], daemon(true))).out, 'raw\r\n');
  const bad = await berth(['logs', '--since', 'bogus', 'c1'], client);
  assert.deepEqual([bad.code, bad.err], [1, 'invalid value for "since": failed to parse value as time or duration: "bogus"\n']);
});

test('top, diff and port print like docker', async () => {
  const client = daemon();
  const top = await berth(['top', 'c1', 'aux', '-o', 'pid'], client);
  assert.equal(top.out, 'UID                 PID                 CMD\nroot                1                   sleep 1000\n');
  assert.deepEqual(client.calls[0].query, { ps_args: 'aux -o pid' });
  assert.equal((await berth(['diff', 'c1'], client)).out, 'C /etc\nA /etc/x\nD /tmp/y\n');
  assert.equal((await berth(['port', 'c1'], client)).out, '9/tcp -> 0.0.0.0:9\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n443/tcp -> 127.0.0.1:4443\n');
  assert.equal((await berth(['port', 'c1', '80'], client)).out, '0.0.0.0:8080\n[::]:8080\n');
  const none = await berth(['port', 'c1', '53/udp'], client);
  assert.deepEqual([none.code, none.err], [1, "Error: No public port '53/udp' published for c1\n"]);
  assert.equal(naturalLess('9/tcp', '10/tcp'), true);
});

test('commit: docker\'s query (full repository name, empty strings kept, pause only when off)', async () => {
  const client = daemon();
  const r = await berth(['commit', '-m', 'msg', '-a', 'me', '-c', 'ENV A=1', '-c', 'CMD x', '-p=false', 'c1', 'repo:tag'], client);
  assert.deepEqual([r.code, r.out], [0, 'sha256:1234\n']);
  assert.deepEqual(client.calls[0].query, {
    container: 'c1', repo: 'docker.io/library/repo', tag: 'tag', comment: 'msg', author: 'me', changes: ['ENV A=1', 'CMD x'], pause: false,
  });
  await berth(['commit', 'c1'], client);
  assert.deepEqual(client.calls[1].query, { container: 'c1', repo: '', tag: '', comment: '', author: '', changes: [] });
});

test('update: the UpdateConfig body; no flags is an error', async () => {
  const client = daemon();
  const r = await berth(['update', '--restart', 'on-failure:2', '--pids-limit', '5', '--memory-swap', '-1', '-m', '1g', '--cpus', '2', 'c1'], client);
  assert.deepEqual([r.code, r.out], [0, 'c1\nw1\n']);
  const b = client.calls[0].body as Record<string, unknown>;
  assert.deepEqual([b.Memory, b.MemorySwap, b.NanoCpus, b.PidsLimit, b.MemorySwappiness, b.RestartPolicy],
    [1073741824, -1, 2e9, 5, null, { Name: 'on-failure', MaximumRetryCount: 2 }]);
  assert.deepEqual((await berth(['update', 'c1'], client)).err, 'you must provide one or more flags when using this command\n');
});

test('container prune, export and container inspect', async (t) => {
  const client = daemon();
  const p = await berth(['container', 'prune', '-f', '--filter', 'until=1h'], client);
  assert.equal(p.out, 'Deleted Containers:\na1\nb2\n\nTotal reclaimed space: 12.35kB\n');
  assert.deepEqual(client.calls[0].query, { filters: '{"until":{"1h":true}}' });
  const ask = await berth(['container', 'prune'], client);
  assert.equal(ask.out, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
  assert.equal((await berth(['export', 'c1'], client)).out, 'tar bytes');
  const exportDir = mkdtempSync(join(tmpdir(), 'berth-export-'));
  t.after(() => rmSync(exportDir, { recursive: true, force: true }));
  const file = join(exportDir, 'c1.tar');
  await berth(['export', '-o', file, 'c1'], client);
  assert.equal(readFileSync(file, 'utf8'), 'tar bytes');
  const ins = await berth(['container', 'inspect', '-s', '-f', '{{.Id}}', 'c1', 'nope'], client);
  assert.deepEqual([ins.code, ins.out, ins.err], [1, 'c1full\n', 'Error response from daemon: No such container: nope\n']);
  assert.deepEqual(client.calls.at(-2)?.query, { size: true });
});
