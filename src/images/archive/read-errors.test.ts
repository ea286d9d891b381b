import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../core/errors.ts';
import { readImageArchive } from './read.ts';
import { configFor, FakeSink, layerTar, legacyEntries, load, makeTar, ociEntries, podmanEntries, sha, type Entry } from './testutil.ts';

async function twoLayers(): Promise<Buffer[]> {
  return [await layerTar({ 'a.txt': 'a'.repeat(3000) }), await layerTar({ 'b.txt': 'b'.repeat(5000) })];
}

/** Load must fail with InvalidParameterError matching `re`, leaving no layer behind. */
async function rejects(data: Buffer | Readable, re: RegExp, opts: { maxMetadataSize?: number; sink?: FakeSink } = {}): Promise<FakeSink> {
  const sink = opts.sink ?? new FakeSink();
  const p = Buffer.isBuffer(data) ? load(data, sink, opts) : readImageArchive(data, sink, opts);
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, `expected InvalidParameterError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
  assert.equal(sink.live.size, 0, 'every unpacked layer was discarded');
  return sink;
}

function edit(entries: Entry[], name: string, f: (v: any) => unknown): Entry[] {
  const e = entries.find((x) => x.name === name)!;
  e.data = JSON.stringify(f(JSON.parse(String(e.data))));
  return entries;
}

describe('readImageArchive: errors', () => {
  it('rejects an archive with neither manifest.json nor index.json', async () => {
    const entries = podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]).filter((e) => e.name !== 'manifest.json');
    const sink = await rejects(await makeTar(entries), /neither manifest\.json nor index\.json/);
    assert.equal(sink.discarded.length, 2);
  });

  it('rejects a diffID mismatch between config and layers', async () => {
    const [a, b] = await twoLayers();
    const config = configFor([a, a]);
    const sink = await rejects(await makeTar(podmanEntries([{ tags: ['a:1'], layers: [a, b], config }])), /invalid diffID for layer 1: expected "sha256:[0-9a-f]+", got "sha256:/);
    assert.equal(sink.discarded.length, 2);
  });

  it('rejects a layer count mismatch', async () => {
    const [a, b] = await twoLayers();
    await rejects(await makeTar(podmanEntries([{ tags: ['a:1'], layers: [a, b], config: configFor([a]) }])), /layers length mismatch/);
  });

  it('rejects an archive truncated inside a layer, without hanging', async () => {
    const data = await makeTar(podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]));
    await rejects(data.subarray(0, 512 + 2000), /Unexpected end of data/);
    await rejects(data.subarray(0, 512 * 4 + 3000), /Unexpected end of data/);
  });

  it('rejects an archive cut off before its metadata', async () => {
    const entries = legacyEntries([{ tags: ['a:1'], layers: await twoLayers() }]);
    const full = await makeTar(entries);
    const cut = await makeTar(entries.slice(0, -2));
    await rejects(full.subarray(0, cut.length - 1024 + 700), /Unexpected end of data/);
    await rejects(cut, /neither manifest\.json nor index\.json/);
  });

  it('rejects a manifest.json path that is not in the archive', async () => {
    const entries = edit(podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]), 'manifest.json', (m) => {
      m[0].Layers[1] = 'nope/layer.tar';
      return m;
    });
    const sink = await rejects(await makeTar(entries), /layer 1 of image 0 .*"nope\/layer\.tar" is not in the archive/);
    assert.equal(sink.discarded.length, 2);
  });

  it('rejects a missing config', async () => {
    const entries = edit(podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]), 'manifest.json', (m) => [{ ...m[0], Config: 'gone.json' }]);
    await rejects(await makeTar(entries), /config of image 0 .*"gone\.json" is not in the archive/);
  });

  it('rejects garbage bytes', async () => {
    const garbage = Buffer.alloc(5000, 'not a tar archive at all ');
    await rejects(garbage, /Invalid tar header/);
    await rejects(Buffer.from('short garbage'), /Unexpected end of data/);
  });

  it('rejects an empty input', async () => {
    await rejects(Buffer.alloc(0), /neither manifest\.json nor index\.json/);
  });

  it('rejects metadata larger than the cap', async () => {
    const layers = await twoLayers();
    const entries = edit(podmanEntries([{ tags: ['a:1'], layers }]), 'manifest.json', (m) => [{ ...m[0], Padding: 'x'.repeat(5000) }]);
    await rejects(await makeTar(entries), /manifest "manifest\.json" is larger than 4096 bytes/, { maxMetadataSize: 4096 });
    const big = configFor(layers, { padding: 'y'.repeat(5000) });
    await rejects(await makeTar(podmanEntries([{ tags: ['a:1'], layers, config: big }])), /config of image 0 .* is larger than 4096 bytes/, { maxMetadataSize: 4096 });
  });

  it('rejects manifest.json that is not valid JSON or not a list', async () => {
    const entries = podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]);
    entries.find((e) => e.name === 'manifest.json')!.data = '[{"Config": ';
    await rejects(await makeTar(entries), /manifest "manifest\.json" is not valid JSON/);
    entries.find((e) => e.name === 'manifest.json')!.data = '{"Config": "x"}';
    await rejects(await makeTar(entries), /manifest\.json: not a JSON array/);
  });

  it('rejects a config referenced as a layer and a layer referenced as config', async () => {
    const entries = edit(podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]), 'manifest.json', (m) => [{ ...m[0], Layers: [m[0].Config, m[0].Layers[1]] }]);
    await rejects(await makeTar(entries), /is not a tar archive/);
    const swapped = edit(podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]), 'manifest.json', (m) => [{ ...m[0], Config: m[0].Layers[0] }]);
    await rejects(await makeTar(swapped), /is a tar stream, not a JSON document/);
  });

  it('rejects a symlink loop', async () => {
    const [a] = await twoLayers();
    await rejects(await makeTar([
      { name: 'x/layer.tar', type: 'symlink', linkname: '../y/layer.tar' },
      { name: 'y/layer.tar', type: 'symlink', linkname: '../x/layer.tar' },
      { name: 'c.json', data: configFor([a]) },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', Layers: ['x/layer.tar'] }]) },
    ]), /too many levels of links/);
  });

  it('rejects an invalid repo tag', async () => {
    await rejects(await makeTar(podmanEntries([{ tags: ['Bad Tag'], layers: await twoLayers() }])), /invalid tag "Bad Tag"/);
  });

  it('discards earlier layers when the sink fails on a later one', async () => {
    const [a] = await twoLayers();
    const notTar = Buffer.concat([a.subarray(0, 512), Buffer.from('odd tail')]);
    const sink = await rejects(await makeTar([{ name: 'a.tar', data: a }, { name: 'b.tar', data: notTar }]), /fake sink: not a tar stream/);
    assert.equal(sink.discarded.length, 1);
  });

  it('rejects an OCI layer whose descriptor digest does not match the blob', async () => {
    const layers = await twoLayers();
    const entries = ociEntries([{ tags: ['a:1'], layers }], { compress: 'gzip' });
    const blob = entries.find((e) => e.name.startsWith('blobs/sha256/') && Buffer.isBuffer(e.data) && e.data[0] === 0x1f)!;
    const other = entries.find((e) => e !== blob && e.name.startsWith('blobs/sha256/') && Buffer.isBuffer(e.data) && e.data[0] === 0x1f)!;
    [blob.data, other.data] = [other.data, blob.data];
    await rejects(await makeTar(entries), /layer [01] of manifest sha256:[0-9a-f]+: digest mismatch/);
  });

  it('rejects an OCI config blob whose content does not match its digest', async () => {
    const layers = await twoLayers();
    const entries = ociEntries([{ tags: ['a:1'], layers }]);
    const cfg = entries.find((e) => e.name === `blobs/sha256/${sha(configFor(layers)).slice(7)}`)!;
    cfg.data = configFor(layers, { tampered: true });
    await rejects(await makeTar(entries), /config of manifest sha256:[0-9a-f]+: blob sha256:[0-9a-f]+ has digest sha256:/);
  });

  it('rejects an OCI index whose manifest blob is missing', async () => {
    const entries = ociEntries([{ tags: ['a:1'], layers: await twoLayers() }]);
    edit(entries, 'index.json', (i) => ({ ...i, manifests: [{ ...i.manifests[0], digest: sha('missing') }] }));
    const sink = await rejects(await makeTar(entries), /manifest sha256:[0-9a-f]+ "blobs\/sha256\/[0-9a-f]+" is not in the archive/);
    assert.equal(sink.discarded.length, 2);
  });

  it('rejects an OCI layer whose descriptor size is wrong', async () => {
    const entries = ociEntries([{ tags: ['a:1'], layers: await twoLayers() }], { compress: 'gzip' });
    const m = entries.find((e) => e.name.startsWith('blobs/') && String(e.data).includes('image.manifest.v1'))!;
    const manifest = JSON.parse(String(m.data));
    manifest.layers[0].size += 1;
    m.data = JSON.stringify(manifest);
    m.name = `blobs/sha256/${sha(m.data).slice(7)}`;
    edit(entries, 'index.json', (i) => ({ ...i, manifests: [{ ...i.manifests[0], digest: sha(String(m.data)), size: Buffer.byteLength(String(m.data)) }] }));
    await rejects(await makeTar(entries), /layer 0 of manifest .*: size mismatch/);
  });

  it('limits the total size of metadata kept in memory', async () => {
    const layers = await twoLayers();
    const entries = podmanEntries([{ tags: ['a:1'], layers }]);
    for (let i = 0; i < 20; i++) entries.unshift({ name: `junk${i}.json`, data: `{"pad":"${'p'.repeat(900)}"}` });
    await rejects(await makeTar(entries), /more than 16384 bytes of metadata/, { maxMetadataSize: 1024 });
  });

  it('rejects a sink that does not read a layer to its end', async () => {
    const [a] = await twoLayers();
    const sink = new FakeSink();
    sink.unpackLayer = async (s) => { s.read(0); return { cacheId: 'lazy', diffId: sha(a), size: 0, tarSize: 0 }; };
    sink.live.set('lazy', a);
    await rejects(await makeTar(podmanEntries([{ tags: ['a:1'], layers: [a] }])), /was not read to its end/, { sink });
  });

  it('stops and discards on abort', async () => {
    const data = await makeTar(podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]));
    const ac = new AbortController();
    const sink = new FakeSink();
    const orig = sink.unpackLayer.bind(sink);
    sink.unpackLayer = async (s) => { const l = await orig(s); ac.abort(new Error('client went away')); return l; };
    await assert.rejects(load(data, sink, { signal: ac.signal }), /client went away/);
    assert.equal(sink.live.size, 0);
  });

  it('errors (does not hang) when the input stream fails', async () => {
    const data = await makeTar(podmanEntries([{ tags: ['a:1'], layers: await twoLayers() }]));
    async function* failing() { yield data.subarray(0, 3000); throw new Error('connection reset'); }
    await rejects(Readable.from(failing(), { objectMode: false }), /connection reset/);
  });
});
