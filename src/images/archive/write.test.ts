import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import tar from 'tar-stream';
import { writeImageArchive, type SaveImage } from './write.ts';
import { configFor, FakeSink, layerTar, load, sha } from './testutil.ts';

function saveImage(tags: string[], layers: Buffer[], chunk = 1000): SaveImage {
  const config = configFor(layers);
  return {
    id: sha(config), config, repoTags: tags,
    layers: layers.map((l) => ({
      diffId: sha(l), tarSize: l.length,
      open: () => Readable.from(Array.from({ length: Math.ceil(l.length / chunk) }, (_, i) => l.subarray(i * chunk, (i + 1) * chunk)), { objectMode: false }),
    })),
  };
}

async function save(images: SaveImage[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } });
  await writeImageArchive(images, out);
  return Buffer.concat(chunks);
}

async function entries(archive: Buffer): Promise<{ name: string; type: string; mtime: number; data: Buffer }[]> {
  const out = [];
  const ex = tar.extract();
  ex.end(archive);
  for await (const e of ex) {
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    out.push({ name: e.header.name, type: String(e.header.type), mtime: e.header.mtime!.getTime(), data: Buffer.concat(parts) });
  }
  return out;
}

async function layers(n: number, tag: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(await layerTar({ [`${tag}${i}`]: `${tag}${i}`.repeat(700 * (i + 1)) }));
  return out;
}

describe('writeImageArchive', () => {
  it('round-trips through readImageArchive with the same ids, diffIds and tags', async () => {
    const [base, x, y] = await layers(3, 'r');
    const images = [saveImage(['busybox:latest', 'busybox:1'], [base, x]), saveImage(['user/app:2'], [base, y]), saveImage([], [y])];
    const sink = new FakeSink();
    const read = await load(await save(images), sink);
    assert.deepEqual(read.map((i) => i.id), images.map((i) => i.id));
    assert.deepEqual(read.map((i) => i.repoTags), [['busybox:latest', 'busybox:1'], ['user/app:2'], []]);
    assert.deepEqual(read.map((i) => i.layers.map((l) => l.diffId)), images.map((i) => i.layers.map((l) => l.diffId)));
    assert.equal(sink.unpackedCount.n, 3, 'shared layers were written (and read) once');
    assert.deepEqual(sink.discarded, []);
  });

  it('writes the Docker 25+ layout', async () => {
    const ls = await layers(2, 'l');
    const img = saveImage(['busybox:latest'], ls);
    const es = await entries(await save([img]));
    const names = es.map((e) => e.name);
    const blob = (d: string) => `blobs/sha256/${d.slice(7)}`;
    assert.deepEqual(names.slice(0, 2), ['blobs/', 'blobs/sha256/']);
    assert.deepEqual(names.slice(-4), ['index.json', 'manifest.json', 'oci-layout', 'repositories']);
    assert.ok(es.every((e) => e.mtime === 0));
    assert.equal(es[0].type, 'directory');
    const get = (n: string) => es.find((e) => e.name === n)!.data;
    assert.deepEqual(get(blob(ls[0].length ? sha(ls[0]) : '')), ls[0]);
    assert.deepEqual(get(blob(img.id)), img.config);
    const index = JSON.parse(String(get('index.json')));
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(index.manifests[0].annotations, { 'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'latest' });
    const manifest = JSON.parse(String(get(blob(index.manifests[0].digest))));
    assert.equal(sha(get(blob(index.manifests[0].digest))), index.manifests[0].digest);
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(manifest.config, { mediaType: 'application/vnd.oci.image.config.v1+json', digest: img.id, size: img.config.length });
    assert.deepEqual(manifest.layers.map((l: { mediaType: string; digest: string; size: number }) => [l.mediaType, l.digest, l.size]),
      ls.map((l) => ['application/vnd.oci.image.layer.v1.tar', sha(l), l.length]));
    assert.deepEqual(JSON.parse(String(get('manifest.json'))), [{ Config: blob(img.id), RepoTags: ['busybox:latest'], Layers: ls.map((l) => blob(sha(l))) }]);
    assert.deepEqual(JSON.parse(String(get('oci-layout'))), { imageLayoutVersion: '1.0.0' });
    assert.deepEqual(JSON.parse(String(get('repositories'))), { busybox: { latest: sha(ls[1]).slice(7) } });
  });

  it('writes an untagged image without annotations and with no RepoTags', async () => {
    const img = saveImage([], await layers(1, 'u'));
    const es = await entries(await save([img]));
    const index = JSON.parse(String(es.find((e) => e.name === 'index.json')!.data));
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].annotations, undefined);
    assert.deepEqual(JSON.parse(String(es.find((e) => e.name === 'manifest.json')!.data))[0].RepoTags, []);
    assert.deepEqual(JSON.parse(String(es.find((e) => e.name === 'repositories')!.data)), {});
  });

  it('merges repeated images and tags into one entry', async () => {
    const ls = await layers(1, 'm');
    const es = await entries(await save([saveImage(['a:1', 'a:1'], ls), saveImage(['a:2'], ls)]));
    assert.deepEqual(JSON.parse(String(es.find((e) => e.name === 'manifest.json')!.data)).map((m: { RepoTags: string[] }) => m.RepoTags), [['a:1', 'a:2']]);
    assert.equal(JSON.parse(String(es.find((e) => e.name === 'index.json')!.data)).manifests.length, 2);
  });

  it('is reproducible', async () => {
    const ls = await layers(2, 'p');
    assert.deepEqual(await save([saveImage(['a:1'], ls)]), await save([saveImage(['a:1'], ls)]));
  });

  it('fails (and destroys the output) when a layer is shorter than its size', async () => {
    const ls = await layers(2, 's');
    const img = saveImage(['a:1'], ls);
    img.layers[1].tarSize += 512;
    const out = new PassThrough();
    out.resume();
    await assert.rejects(writeImageArchive([img], out), /has \d+ bytes, its recorded size is/);
    assert.ok(out.destroyed);
  });

  it('fails when a layer is longer than its size', async () => {
    const img = saveImage(['a:1'], await layers(1, 'g'));
    img.layers[0].tarSize -= 512;
    const out = new PassThrough();
    out.resume();
    await assert.rejects(writeImageArchive([img], out), /longer than its recorded size/);
  });

  it('fails when layer content does not match its diffID', async () => {
    const [a] = await layers(1, 'c');
    const img = saveImage(['a:1'], [a]);
    const changed = Buffer.from(a);
    changed[600] ^= 1;
    img.layers[0].open = () => Readable.from([changed], { objectMode: false });
    const out = new PassThrough();
    out.resume();
    await assert.rejects(writeImageArchive([img], out), /has content sha256:/);
  });

  it('fails when the layer stream errors', async () => {
    const img = saveImage(['a:1'], await layers(1, 'e'));
    img.layers[0].open = () => new Readable({ read() { this.destroy(new Error('disk read failed')); } });
    const out = new PassThrough();
    out.resume();
    await assert.rejects(writeImageArchive([img], out), /disk read failed/);
  });

  it('refuses a config that does not match the image ID or its layers', async () => {
    const [a, b] = await layers(2, 'i');
    const img = saveImage(['a:1'], [a]);
    await assert.rejects(writeImageArchive([{ ...img, id: sha('other') }], new PassThrough()), /config does not match its ID/);
    await assert.rejects(writeImageArchive([{ ...img, layers: saveImage([], [b]).layers }], new PassThrough()), /invalid diffID for layer 0/);
  });

  it('stops when the output fails', async () => {
    const img = saveImage(['a:1'], await layers(2, 'o'));
    let n = 0;
    const out = new Writable({ write(_c, _e, cb) { cb(++n > 2 ? new Error('EPIPE') : null); } });
    await assert.rejects(writeImageArchive([img], out), /EPIPE/);
  });
});
