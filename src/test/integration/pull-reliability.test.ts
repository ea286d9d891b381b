import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dockerAsync } from '../registry/run.ts';
import { daemonWithFakeRegistry } from './harness.ts';

const ls = (p: string): string[] => (existsSync(p) ? readdirSync(p) : []);

describe('pull reliability', () => {
  const { d, reg } = daemonWithFakeRegistry();

  it('survives SIGKILL in the middle of a pull: nothing half-written stays, the next pull completes', async () => {
    const big = Buffer.alloc(2_000_000, 'x').toString();
    const img = reg.addImage('killme', 'latest', [
      { files: { 'small.txt': 'small\n' }, compression: 'gzip' },
      { files: { 'big.txt': big }, compression: 'none' },
    ]);
    let stalled = false;
    reg.faults = [(req, res) => {
      if (!req.url?.includes(`/blobs/${img.layerDigests[1]}`)) return false;
      const blob = reg.blobs.get(img.layerDigests[1])!;
      res.writeHead(200, { 'Content-Length': blob.length });
      res.write(blob.subarray(0, 1_000_000));
      stalled = true; // and never finish
      return true;
    }];
    const pulling = dockerAsync(d, ['pull', `${reg.host}/killme`]);
    for (let i = 0; i < 200 && !stalled; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(stalled, 'the download started');
    await new Promise((r) => setTimeout(r, 300));
    await d.stop('SIGKILL');
    await pulling;
    reg.faults = [];
    await d.start();
    assert.deepEqual(ls(join(d.dataRoot, 'content', 'ingest')), []);
    assert.deepEqual(ls(join(d.dataRoot, 'overlay2')).filter((n) => n !== 'l'), []);
    assert.deepEqual(ls(join(d.dataRoot, 'content', 'blobs', 'sha256')), []);
    const again = await dockerAsync(d, ['pull', `${reg.host}/killme`]);
    assert.equal(again.code, 0, again.stderr);
    const inspect = JSON.parse((await dockerAsync(d, ['image', 'inspect', `${reg.host}/killme`])).stdout)[0];
    assert.equal(inspect.Id, img.configDigest);
    assert.deepEqual(inspect.RootFS.Layers, img.diffIds);
    // the layer's files are all there: save reproduces the exact layer tar
    const layers = ls(join(d.dataRoot, 'overlay2')).filter((n) => n !== 'l');
    assert.equal(layers.length, 2);
  });

  it('two concurrent pulls of one image download each layer once', async () => {
    const img = reg.addImage('twice', 'latest', [
      { files: { 'one.txt': 'one\n' }, compression: 'gzip' },
      { files: { 'two.txt': 'two\n' }, compression: 'zstd' },
    ]);
    reg.faults = [(req, res) => {
      if (!req.url?.includes('/blobs/') || req.url.includes(img.configDigest)) return false;
      const digest = req.url.split('/blobs/')[1];
      setTimeout(() => reg.sendBlob(req, res, digest), 400);
      return true;
    }];
    const before = reg.log.length;
    const [a, b] = await Promise.all([dockerAsync(d, ['pull', `${reg.host}/twice`]), dockerAsync(d, ['pull', `${reg.host}/twice`])]);
    reg.faults = [];
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const gets = reg.log.slice(before).filter((l) => l.method === 'GET' && l.url.includes('/blobs/'));
    for (const digest of img.layerDigests) {
      assert.equal(gets.filter((l) => l.url.endsWith(digest)).length, 1, `layer ${digest} fetched once`);
    }
    assert.equal((await dockerAsync(d, ['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/twice`])).stdout.trim(), img.configDigest);
  });
});
