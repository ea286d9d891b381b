import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { configFor, FakeSink, layerTar, legacyEntries, load, makeTar, podmanEntries, sha } from './testutil.ts';

const hasXz = spawnSync('xz', ['--version']).status === 0;

async function layers(n: number, tag = 'l'): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(await layerTar({ [`${tag}${i}.txt`]: `content ${tag} ${i}\n`.repeat(i + 1) }));
  return out;
}

describe('readImageArchive: manifest.json archives', () => {
  it('reads the dockerd legacy layout (<id>/layer.tar, json, VERSION)', async () => {
    const ls = await layers(3);
    const sink = new FakeSink();
    const [img, ...rest] = await load(await makeTar(legacyEntries([{ tags: ['busybox:latest'], layers: ls }])), sink);
    assert.equal(rest.length, 0);
    assert.deepEqual(img.repoTags, ['busybox:latest']);
    assert.equal(img.id, sha(img.config));
    assert.deepEqual(img.config, configFor(ls));
    assert.deepEqual(img.layers.map((l) => l.diffId), ls.map((l) => sha(l)));
    assert.equal(sink.live.size, 3);
    assert.deepEqual(sink.discarded, []);
  });

  it('follows the symlink dockerd writes for a repeated layer', async () => {
    const [a, b] = await layers(2);
    const sink = new FakeSink();
    const [img] = await load(await makeTar(legacyEntries([{ tags: ['x:1'], layers: [a, b, a] }])), sink);
    assert.deepEqual(img.layers.map((l) => l.diffId), [sha(a), sha(b), sha(a)]);
    assert.equal(sink.unpackedCount.n, 2, 'a symlinked layer is not unpacked twice');
    assert.equal(img.layers[0].cacheId, img.layers[2].cacheId, 'without duplicateLayer the same layer is returned');
  });

  it('asks the sink for a copy when one layer sits at two chain positions', async () => {
    const [a, b] = await layers(2);
    const sink = new FakeSink({ duplicates: true });
    const [img] = await load(await makeTar(legacyEntries([{ tags: ['x:1'], layers: [a, b, a] }])), sink);
    assert.notEqual(img.layers[0].cacheId, img.layers[2].cacheId);
    assert.equal(img.layers[2].diffId, sha(a));
    assert.equal(sink.live.size, 3);
  });

  it('reads the podman/skopeo layout (<hex>.tar files)', async () => {
    const ls = await layers(2);
    const sink = new FakeSink();
    const [img] = await load(await makeTar(podmanEntries([{ tags: ['localhost/app:v1'], layers: ls }])), sink);
    assert.deepEqual(img.repoTags, ['localhost/app:v1']);
    assert.deepEqual(img.layers.map((l) => l.diffId), ls.map((l) => sha(l)));
  });

  it('unpacks a layer shared by two images once and returns it for both', async () => {
    const [base, x, y] = await layers(3);
    const sink = new FakeSink();
    const imgs = await load(await makeTar(podmanEntries([
      { tags: ['one:latest'], layers: [base, x] },
      { tags: ['two:latest', 'two:v2'], layers: [base, y] },
    ])), sink);
    assert.equal(imgs.length, 2);
    assert.equal(sink.unpackedCount.n, 3);
    assert.equal(imgs[0].layers[0].cacheId, imgs[1].layers[0].cacheId);
    assert.deepEqual(imgs[1].repoTags, ['two:latest', 'two:v2']);
    assert.deepEqual(sink.discarded, []);
  });

  it('accepts "./" names, hard links and directory entries', async () => {
    const [a] = await layers(1);
    const config = configFor([a, a]);
    const sink = new FakeSink();
    const [img] = await load(await makeTar([
      { name: './', type: 'directory' },
      { name: './aaa/', type: 'directory' },
      { name: './aaa/layer.tar', data: a },
      { name: './bbb/layer.tar', type: 'link', linkname: './aaa/layer.tar' },
      { name: './cfg.json', data: config },
      { name: './manifest.json', data: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['a:b'], Layers: ['aaa/layer.tar', './bbb/layer.tar'] }]) },
    ]), sink);
    assert.deepEqual(img.layers.map((l) => l.diffId), [sha(a), sha(a)]);
    assert.equal(sink.unpackedCount.n, 1);
  });

  it('discards layers no manifest uses', async () => {
    const [a, stray] = await layers(2);
    const entries = podmanEntries([{ tags: ['a:1'], layers: [a] }]);
    entries.unshift({ name: 'stray.tar', data: stray });
    const sink = new FakeSink();
    const [img] = await load(await makeTar(entries), sink);
    assert.equal(sink.discarded.length, 1);
    assert.deepEqual([...sink.live.keys()], [img.layers[0].cacheId]);
  });

  it('returns untagged images with no tags and merges entries for the same config', async () => {
    const [a] = await layers(1);
    const entries = podmanEntries([{ tags: [], layers: [a] }]);
    const m = entries.find((e) => e.name === 'manifest.json')!;
    const parsed = JSON.parse(String(m.data));
    parsed[0].RepoTags = null;
    m.data = JSON.stringify([parsed[0], { ...parsed[0], RepoTags: ['late:tag'] }]);
    const [img, ...rest] = await load(await makeTar(entries), new FakeSink());
    assert.equal(rest.length, 0);
    assert.deepEqual(img.repoTags, ['late:tag']);
  });

  it('unpacks an empty layer file as an empty tar stream', async () => {
    const [a] = await layers(1);
    const empty = Buffer.alloc(0);
    const sink = new FakeSink();
    const [img] = await load(await makeTar(podmanEntries([{ tags: ['e:1'], layers: [a, empty] }])), sink);
    assert.equal(img.layers[1].diffId, sha(empty));
    assert.equal(sink.live.size, 2);
  });

  it('accepts compressed layer.tar files (gzip, zstd)', async () => {
    const [a, b] = await layers(2);
    const config = configFor([a, b]);
    const sink = new FakeSink();
    const [img] = await load(await makeTar([
      { name: 'a.tar', data: zlib.gzipSync(a) },
      { name: 'b.tar', data: zlib.zstdCompressSync(b) },
      { name: 'c.json', data: config },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: ['z:1'], Layers: ['a.tar', 'b.tar'] }]) },
    ]), sink);
    assert.deepEqual(img.layers.map((l) => l.diffId), [sha(a), sha(b)]);
    assert.equal(img.layers[0].compressed?.digest, sha(zlib.gzipSync(a)));
  });

  for (const kind of ['gzip', 'zstd', 'xz'] as const) {
    it(`reads a whole archive compressed with ${kind}`, { skip: kind === 'xz' && !hasXz }, async () => {
      const ls = await layers(2);
      const plain = await makeTar(podmanEntries([{ tags: ['c:1'], layers: ls }]));
      const data = kind === 'gzip' ? zlib.gzipSync(plain) : kind === 'zstd' ? zlib.zstdCompressSync(plain)
        : spawnSync('xz', ['-c'], { input: plain }).stdout;
      const [img] = await load(data, new FakeSink());
      assert.deepEqual(img.layers.map((l) => l.diffId), ls.map((l) => sha(l)));
    });
  }

  it('streams a layer to the sink before the archive has been read to its end', async () => {
    const big = await layerTar({ 'big.bin': 'x'.repeat(4 * 1024 * 1024) });
    const archive = await makeTar(podmanEntries([{ tags: ['big:1'], layers: [big] }]));
    let fedAll = false;
    let sawEarly = false;
    async function* input() {
      for (let i = 0; i < archive.length; i += 65536) yield archive.subarray(i, i + 65536);
      fedAll = true;
    }
    const sink = new FakeSink();
    const orig = sink.unpackLayer.bind(sink);
    sink.unpackLayer = (s) => { s.once('data', () => { sawEarly = !fedAll; }); return orig(s); };
    const { Readable } = await import('node:stream');
    const { readImageArchive } = await import('./read.ts');
    await readImageArchive(Readable.from(input(), { objectMode: false }), sink);
    assert.ok(sawEarly);
  });
});
