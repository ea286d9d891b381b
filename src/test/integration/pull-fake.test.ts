import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeRegistry } from '../registry/fake.ts';
import { dockerAsync } from '../registry/run.ts';
import { Daemon, daemonWithFakeRegistry } from './harness.ts';

/** Nothing may appear that was not there before (removals of earlier images may still be under way). */
function assertNothingNew(now: ReturnType<typeof leftovers>, before: ReturnType<typeof leftovers>): void {
  assert.deepEqual(now.layers.filter((x) => !before.layers.includes(x)), []);
  assert.deepEqual(now.blobs.filter((x) => !before.blobs.includes(x)), []);
  assert.deepEqual(now.ingest, []);
}

/** Layer directories and blobs the daemon keeps (nothing may stay behind a failed pull). */
function leftovers(d: Daemon): { layers: string[]; blobs: string[]; ingest: string[] } {
  const ls = (p: string) => (existsSync(p) ? readdirSync(p) : []);
  return {
    layers: ls(join(d.dataRoot, 'overlay2')).filter((n) => n !== 'l'),
    blobs: ls(join(d.dataRoot, 'content', 'blobs', 'sha256')),
    ingest: ls(join(d.dataRoot, 'content', 'ingest')),
  };
}

describe('pull from a fault-injecting registry double', () => {
  const { d, reg } = daemonWithFakeRegistry();

  it('follows a Docker Hub–style token challenge and pulls gzip, zstd and plain layers', async () => {
    reg.token = true;
    const img = reg.addImage('lib/mixed', 'v1', [
      { files: { 'a.txt': 'gzip layer\n' }, compression: 'gzip' },
      { files: { 'b.txt': 'zstd layer\n' }, compression: 'zstd' },
      { files: { 'c.txt': 'plain layer\n' }, compression: 'none' },
    ]);
    const r = await dockerAsync(d, ['pull', `${reg.host}/lib/mixed:v1`]);
    reg.token = false;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /v1: Pulling from lib\/mixed/);
    assert.equal((r.stdout.match(/Pull complete/g) ?? []).length, 3);
    const inspect = JSON.parse((await dockerAsync(d, ['image', 'inspect', `${reg.host}/lib/mixed:v1`])).stdout)[0];
    assert.equal(inspect.Id, img.configDigest);
    assert.deepEqual(inspect.RootFS.Layers, img.diffIds);
    assert.deepEqual(inspect.RepoDigests, [`${reg.host}/lib/mixed@${img.manifestDigest}`]);
    const tokenReq = reg.log.find((l) => l.url.startsWith('/token'));
    assert.ok(tokenReq, 'a token was requested');
    assert.match(decodeURIComponent(tokenReq.url), /scope=repository:lib\/mixed:pull/);
    assert.ok(reg.log.some((l) => l.url.includes('/manifests/') && /^Bearer tok-/.test(l.headers.authorization ?? '')));
    // the compressed blobs are kept for a later push, the plain tar is not duplicated
    const { blobs } = leftovers(d);
    assert.ok(blobs.includes(img.layerDigests[0].slice(7)));
    assert.ok(blobs.includes(img.layerDigests[1].slice(7)));
  });

  it('selects the platform from an index (--platform, default linux/amd64) and skips present layers', async () => {
    const base = { files: { 'base.txt': 'shared base\n' }, compression: 'gzip' as const };
    const amd = reg.addImage('multi', null, [base, { files: { 'arch.txt': 'amd64\n' }, compression: 'gzip' }], { arch: 'amd64' });
    const arm = reg.addImage('multi', null, [base, { files: { 'arch.txt': 'arm64\n' }, compression: 'gzip' }], { arch: 'arm64' });
    const index = reg.addIndex('multi', 'latest', [{ digest: arm.manifestDigest, arch: 'arm64' }, { digest: amd.manifestDigest, arch: 'amd64' }]);
    const r1 = await dockerAsync(d, ['pull', `${reg.host}/multi`]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal((await dockerAsync(d, ['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/multi`])).stdout.trim(), amd.configDigest);
    assert.match(r1.stdout, new RegExp(`Digest: ${index}`));
    const r2 = await dockerAsync(d, ['pull', '--platform', 'linux/arm64', `${reg.host}/multi`]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, new RegExp(`${arm.layerDigests[0].slice(7, 19)}: Already exists`));
    assert.match(r2.stdout, new RegExp(`${arm.layerDigests[1].slice(7, 19)}: Pull complete`));
    assert.equal((await dockerAsync(d, ['image', 'inspect', '-f', '{{.Architecture}}', `${reg.host}/multi`])).stdout.trim(), 'arm64');
    const r3 = await dockerAsync(d, ['pull', '--platform', 'linux/s390x', `${reg.host}/multi`]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
  });

  it('retries 429 (Retry-After) and 500 answers, and resumes a truncated blob with Range', async () => {
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    const img = reg.addImage('flaky', 'latest', [{ files: { 'big.bin': big.toString('latin1') }, compression: 'none' }]);
    const layer = img.layerDigests[0];
    reg.faults = [
      (req, res, n) => {
        if (!req.url?.includes('/manifests/') || n > 1) return false;
        res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
        return true;
      },
      (req, res, n) => {
        if (!req.url?.includes(`/blobs/${img.configDigest}`) || n > 2) return false;
        res.writeHead(500);
        res.end();
        return true;
      },
      (req, res, n) => {
        if (!req.url?.includes(`/blobs/${layer}`) || n > 1) return false;
        const blob = reg.blobs.get(layer)!;
        res.writeHead(200, { 'Content-Length': blob.length });
        res.write(blob.subarray(0, 100_000));
        setTimeout(() => res.destroy(), 50);
        return true;
      },
    ];
    const t0 = Date.now();
    const r = await dockerAsync(d, ['pull', `${reg.host}/flaky`]);
    reg.faults = [];
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 900, 'Retry-After was honoured');
    const ranged = reg.log.filter((l) => l.url.includes(`/blobs/${layer}`) && l.headers.range);
    assert.deepEqual(ranged.map((l) => l.headers.range), ['bytes=100000-']);
    assert.equal((await dockerAsync(d, ['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/flaky`])).stdout.trim(), img.configDigest);
  });

  it('fails on a digest mismatch or a short blob and keeps nothing', async () => {
    await dockerAsync(d, ['rmi', '-f', `${reg.host}/lib/mixed:v1`, `${reg.host}/multi`, `${reg.host}/flaky`]);
    const rm = await dockerAsync(d, ['images', '-q']);
    for (const id of rm.stdout.trim().split('\n').filter(Boolean)) await dockerAsync(d, ['rmi', '-f', id]);
    const before = leftovers(d);
    const img = reg.addImage('bad', 'latest', [
      { files: { 'ok.txt': 'fine\n' }, compression: 'gzip' },
      { files: { 'evil.txt': 'original\n' }, compression: 'gzip' },
    ]);
    const good = reg.blobs.get(img.layerDigests[1])!;
    const tampered = Buffer.from(good);
    tampered[tampered.length - 5] ^= 0xff;
    reg.blobs.set(img.layerDigests[1], tampered);
    const r = await dockerAsync(d, ['pull', `${reg.host}/bad`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`filesystem layer verification failed for digest ${img.layerDigests[1]}`));
    assertNothingNew(leftovers(d), before);
    // a blob that stays short after every retry
    reg.blobs.set(img.layerDigests[1], good.subarray(0, good.length - 10));
    const short = await dockerAsync(d, ['pull', `${reg.host}/bad`]);
    assert.equal(short.code, 1);
    assertNothingNew(leftovers(d), before);
    assert.equal((await dockerAsync(d, ['images', '-q'])).stdout.trim(), '');
    reg.blobs.set(img.layerDigests[1], good);
    const ok = await dockerAsync(d, ['pull', `${reg.host}/bad`]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('does not send the Authorization header along a redirect to another host', async () => {
    const store = new FakeRegistry();
    await store.start();
    try {
      for (const [k, v] of reg.blobs) store.blobs.set(k, v);
      const img = reg.addImage('redirected', 'latest', [{ files: { 'r.txt': 'redirected\n' }, compression: 'gzip' }]);
      for (const [k, v] of reg.blobs) store.blobs.set(k, v);
      reg.token = true;
      reg.redirectBlobsTo = store.url;
      const r = await dockerAsync(d, ['pull', `${reg.host}/redirected`]);
      assert.equal(r.code, 0, r.stderr);
      const got = store.log.filter((l) => l.url.startsWith('/blobstore/'));
      assert.ok(got.some((l) => l.url.includes(img.layerDigests[0].slice(7))));
      for (const l of got) assert.equal(l.headers.authorization, undefined);
    } finally {
      reg.token = false;
      reg.redirectBlobsTo = undefined;
      await store.stop();
    }
  });

  it('pulls every tag with -a', async () => {
    const a = reg.addImage('tagged', 'one', [{ files: { '1.txt': '1\n' }, compression: 'gzip' }]);
    const b = reg.addImage('tagged', 'two', [{ files: { '2.txt': '2\n' }, compression: 'gzip' }]);
    const r = await dockerAsync(d, ['pull', '-a', `${reg.host}/tagged`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /one: Pulling from tagged/);
    assert.match(r.stdout, /two: Pulling from tagged/);
    assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${reg.host}/tagged\n`));
    const tags = (await dockerAsync(d, ['images', '--format', '{{.Tag}} {{.ID}}', `${reg.host}/tagged`])).stdout.trim().split('\n').sort();
    assert.deepEqual(tags, [`one ${a.configDigest.slice(7, 19)}`, `two ${b.configDigest.slice(7, 19)}`]);
  });

  it('searches a registry that answers /v1/search, with filters and limit', async () => {
    reg.searchResults = [
      { name: 'busybox', description: 'tiny', star_count: 3000, is_official: true, is_automated: false },
      { name: 'someone/busybox-x', description: 'fork', star_count: 3, is_official: false, is_automated: false },
    ];
    const r = await dockerAsync(d, ['search', `${reg.host}/busybox`]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL/);
    assert.equal(lines.length, 3);
    const f = await dockerAsync(d, ['search', '--filter', 'stars=10', '--format', '{{.Name}} {{.StarCount}} {{.IsOfficial}}', `${reg.host}/busybox`]);
    assert.equal(f.stdout.trim(), 'busybox 3000 [OK]');
    const l = await dockerAsync(d, ['search', '--limit', '1', '--format', '{{.Name}}', `${reg.host}/busybox`]);
    assert.equal(l.stdout.trim(), 'busybox');
    const bad = await dockerAsync(d, ['search', '--filter', 'stars=x', `${reg.host}/busybox`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid filter 'stars=x'/);
  });
});
