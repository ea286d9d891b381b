import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFor, FakeSink, layerTar, layoutEntries, load, makeTar, ociEntries, ociImage, sha } from './testutil.ts';

async function layers(n: number, tag = 'o'): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(await layerTar({ [`${tag}/${i}`]: `${tag}-${i}` }));
  return out;
}

const hostArch = process.arch === 'x64' ? 'amd64' : process.arch;

describe('readImageArchive: OCI layout archives', () => {
  it('reads the Docker 25+ layout (blobs/, index.json and manifest.json)', async () => {
    const ls = await layers(2);
    const sink = new FakeSink();
    const [img] = await load(await makeTar(ociEntries([{ tags: ['busybox:latest'], layers: ls }], { manifestJson: true })), sink);
    assert.deepEqual(img.repoTags, ['busybox:latest']);
    assert.deepEqual(img.layers.map((l) => l.diffId), ls.map((l) => sha(l)));
    assert.deepEqual(sink.discarded, []);
  });

  it('reads a pure OCI archive with gzip layers, tags from io.containerd.image.name', async () => {
    const ls = await layers(3);
    const sink = new FakeSink();
    const [img] = await load(await makeTar(ociEntries([{ tags: ['user/app:1.0'], layers: ls }], { compress: 'gzip' })), sink);
    assert.deepEqual(img.repoTags, ['user/app:1.0']);
    assert.deepEqual(img.layers.map((l) => l.diffId), ls.map((l) => sha(l)));
    assert.ok(img.layers.every((l) => l.compressed?.mediaType.endsWith('gzip')));
  });

  it('reads zstd layers', async () => {
    const ls = await layers(1);
    const [img] = await load(await makeTar(ociEntries([{ tags: ['z:1'], layers: ls }], { compress: 'zstd' })), new FakeSink());
    assert.equal(img.layers[0].diffId, sha(ls[0]));
  });

  it('takes a full reference from org.opencontainers.image.ref.name', async () => {
    const ls = await layers(1);
    const data = await makeTar(ociEntries([{ tags: ['x'], layers: ls }], { annotate: () => ({ 'org.opencontainers.image.ref.name': 'docker.io/library/busybox:1.36' }) }));
    const [img] = await load(data, new FakeSink());
    assert.deepEqual(img.repoTags, ['busybox:1.36']);
  });

  it('gives no tag for a bare ref name such as "latest"', async () => {
    const ls = await layers(1);
    const data = await makeTar(ociEntries([{ tags: ['x'], layers: ls }], { annotate: () => ({ 'org.opencontainers.image.ref.name': 'latest' }) }));
    const [img] = await load(data, new FakeSink());
    assert.deepEqual(img.repoTags, []);
  });

  it('merges index entries naming the same manifest', async () => {
    const ls = await layers(1);
    const [img, ...rest] = await load(await makeTar(ociEntries([{ tags: ['a:1', 'a:2', 'localhost:5000/b:3'], layers: ls }])), new FakeSink());
    assert.equal(rest.length, 0);
    assert.deepEqual(img.repoTags, ['a:1', 'a:2', 'localhost:5000/b:3']);
  });

  it('reads several images sharing blobs, unpacking each blob once', async () => {
    const [base, x, y] = await layers(3);
    const sink = new FakeSink();
    const imgs = await load(await makeTar(ociEntries([{ tags: ['x:1'], layers: [base, x] }, { tags: ['y:1'], layers: [base, y] }], { compress: 'gzip' })), sink);
    assert.equal(imgs.length, 2);
    assert.equal(sink.unpackedCount.n, 3);
    assert.equal(imgs[0].layers[0].cacheId, imgs[1].layers[0].cacheId);
  });

  it('follows a nested index to the platform manifest present in the archive', async () => {
    const ls = await layers(2);
    const o = ociImage({ tags: [], layers: ls }, 'gzip');
    const nested = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('absent'), size: 10, platform: { os: 'linux', architecture: 'riscv64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: o.digest, size: o.manifest.length, platform: { os: 'linux', architecture: 'arm' } },
      ],
    }));
    o.blobs.set(sha(nested), nested);
    const index = [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha(nested), size: nested.length, annotations: { 'io.containerd.image.name': 'docker.io/library/multi:1' } }];
    const [img] = await load(await makeTar(layoutEntries(o.blobs, index)), new FakeSink());
    assert.deepEqual(img.repoTags, ['multi:1']);
    assert.deepEqual(img.layers.map((l) => l.diffId), ls.map((l) => sha(l)));
  });

  it("prefers the host's platform when several are present, skipping attestations", async () => {
    const [a, b] = await layers(2);
    const other = ociImage({ tags: [], layers: [a], config: configFor([a], { architecture: 's390x' }) });
    const mine = ociImage({ tags: [], layers: [b] });
    const blobs = new Map([...other.blobs, ...mine.blobs]);
    const m = (o: typeof mine, platform: object, annotations?: object) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: o.digest, size: o.manifest.length, platform, annotations });
    const nested = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        m(other, { os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' }),
        m(other, { os: 'linux', architecture: 's390x' }),
        m(mine, { os: 'linux', architecture: hostArch }),
      ],
    }));
    blobs.set(sha(nested), nested);
    const sink = new FakeSink();
    const [img] = await load(await makeTar(layoutEntries(blobs, [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha(nested), size: nested.length }])), sink);
    assert.equal(img.layers[0].diffId, sha(b));
    assert.equal(sink.discarded.length, 1, 'the other platform\'s layer is discarded');
  });
});
