import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Daemon } from './harness.ts';

describe('Engine API basics', () => {
  const d = new Daemon();
  before(() => d.start());
  after(() => d.cleanup());

  it('answers /_ping with the headers the docker CLI needs', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await d.http(method, '/_ping');
      assert.equal(r.status, 200);
      assert.equal(r.headers['api-version'], '1.50');
      assert.equal(r.headers['ostype'], 'linux');
      assert.equal(r.headers['docker-experimental'], 'false');
      assert.ok(r.headers['builder-version']);
      assert.equal(r.body, method === 'GET' ? 'OK' : '');
    }
  });

  it('creates the socket with mode 0660', () => {
    assert.equal(statSync(d.sock).mode & 0o777, 0o660);
  });

  it('serves every path with and without a version prefix, within 1.24-1.50', async () => {
    for (const p of ['/version', '/v1.24/version', '/v1.50/version']) {
      const r = await d.http('GET', p);
      assert.equal(r.status, 200, p);
      assert.equal(JSON.parse(r.body).ApiVersion, '1.50');
    }
    const tooNew = await d.http('GET', '/v1.51/version');
    assert.equal(tooNew.status, 400);
    assert.match(JSON.parse(tooNew.body).message, /client version 1.51 is too new/);
    const tooOld = await d.http('GET', '/v1.12/version');
    assert.equal(tooOld.status, 400);
    assert.match(JSON.parse(tooOld.body).message, /too old. Minimum supported API version is 1.24/);
  });

  it('sends errors as {"message"} with Content-Type application/json', async () => {
    const r = await d.http('GET', '/images/nosuch/json');
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), { message: 'No such image: nosuch:latest' });
    const nf = await d.http('GET', '/no/such/route');
    assert.equal(nf.status, 404);
    assert.equal(nf.headers['content-type'], 'application/json');
    const badFilter = await d.http('GET', '/images/json?filters=%7Bnot-json');
    assert.equal(badFilter.status, 400);
  });

  it('answers swarm mode\'s endpoints as a node outside a swarm (503), for the docker CLI too', async () => {
    for (const path of ['/swarm', '/services', '/tasks/x', '/nodes', '/secrets', '/configs/y']) {
      const r = await d.http('GET', `/v1.50${path}`);
      assert.equal(r.status, 503, path);
      assert.match(JSON.parse(r.body).message, /^This node is not a swarm manager\. Use "docker swarm init" or "docker swarm join"/);
    }
    assert.equal((await d.http('POST', '/v1.50/swarm/init', '{}')).status, 501);
    const ls = d.docker(['service', 'ls']);
    assert.equal(ls.code, 1);
    assert.match(ls.stderr, /Error response from daemon: This node is not a swarm manager/);
  });

  it('has no managed plugins: an empty list, a named one not found, installs not supported', async () => {
    const ls = await d.http('GET', '/v1.50/plugins');
    assert.deepEqual([ls.status, JSON.parse(ls.body)], [200, []]);
    const one = await d.http('GET', '/v1.50/plugins/foo/json');
    assert.deepEqual([one.status, JSON.parse(one.body).message], [404, 'plugin "foo" not found']);
    assert.equal((await d.http('POST', '/v1.50/plugins/pull?remote=foo', '[]')).status, 501);
    const cli = d.docker(['plugin', 'ls']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^ID\s+NAME\s+DESCRIPTION\s+ENABLED\n$/);
    assert.match(d.docker(['plugin', 'rm', 'foo']).stderr, /Error response from daemon: plugin "foo" not found/);
  });

  it('reports the daemon settings in /info', async () => {
    const info = JSON.parse((await d.http('GET', '/info')).body);
    assert.equal(info.Driver, 'overlay2');
    assert.equal(info.DockerRootDir, d.dataRoot);
    assert.equal(info.CgroupDriver, 'cgroupfs');
    assert.ok(['1', '2'].includes(info.CgroupVersion));
    assert.ok(info.RegistryConfig.InsecureRegistryCIDRs.includes('127.0.0.0/8'));
    assert.equal(typeof info.Images, 'number');
    const cli = d.docker(['info', '--format', '{{.Driver}} {{.DockerRootDir}}']);
    assert.equal(cli.stdout.trim(), `overlay2 ${d.dataRoot}`);
    // what is there, by dockerd's names: drivers that exist, the filesystem under the data root
    assert.deepEqual(info.Plugins.Log, ['json-file', 'local']);
    assert.deepEqual(info.Plugins.Network, ['bridge', 'host', 'null']);
    assert.equal(info.DriverStatus[0][0], 'Backing Filesystem');
    const magic = spawnSync('stat', ['-f', '-c', '%t', d.dataRoot]).stdout.toString().trim();
    const known: Record<string, string> = { ef53: 'extfs', '58465342': 'xfs', '1021994': 'tmpfs', '9123683e': 'btrfs', '2fc12fc1': 'zfs' };
    assert.equal(info.DriverStatus[0][1], known[magic] ?? '<unknown>', `statfs magic ${magic}`);
  });

  it('streams events with since/until and filters', async () => {
    const start = Math.floor(Date.now() / 1000) - 1;
    await d.http('POST', '/images/create?fromSrc=-&repo=ev&tag=1', emptyTar());
    await d.http('POST', '/images/ev:1/tag?repo=ev&tag=2');
    const until = Math.floor(Date.now() / 1000) + 1;
    const r = await d.http('GET', `/events?since=${start}&until=${until}&filters=${encodeURIComponent('{"type":{"image":true},"event":{"tag":true}}')}`);
    const events = r.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.Actor.Attributes.name), ['ev:1', 'ev:2']);
    assert.ok(events.every((e) => e.Type === 'image' && e.Action === 'tag' && typeof e.timeNano === 'number'));
    const cli = d.docker(['events', '--since', String(start), '--until', String(until), '--filter', 'event=import']);
    assert.match(cli.stdout, /image import sha256:[a-f0-9]{64}/);
  });
});

/** An empty tar: two zero blocks. */
function emptyTar(): Buffer {
  return Buffer.alloc(1024);
}
