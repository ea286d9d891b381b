/** Archives written by another tool (skopeo), and ours read by it. Skipped without skopeo. */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readImageArchive } from './read.ts';
import { configFor, FakeSink, hex, layerTar, ociImage, sha } from './testutil.ts';
import { writeImageArchive } from './write.ts';

const SKOPEO = '/usr/bin/skopeo';
const hasSkopeo = spawnSync(SKOPEO, ['--version']).status === 0;
const run = promisify(execFile);

function skopeo(...args: string[]): Promise<unknown> {
  return run(SKOPEO, ['--insecure-policy', ...args]);
}

describe('archives made by skopeo', { skip: !hasSkopeo && 'skopeo not installed' }, () => {
  let dir = '';
  let layers: Buffer[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-archive-'));
    layers = [await layerTar({ 'etc/hostname': 'box\n' }), await layerTar({ 'bin/tool': 'x'.repeat(10000) })];
    // An OCI layout directory with gzip layers, tagged "latest".
    const o = ociImage({ tags: [], layers }, 'gzip');
    await mkdir(join(dir, 'layout/blobs/sha256'), { recursive: true });
    for (const [d, b] of o.blobs) await writeFile(join(dir, 'layout/blobs/sha256', hex(d)), b);
    await writeFile(join(dir, 'layout/oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(dir, 'layout/index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: o.digest, size: o.manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
    }));
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  async function readFileArchive(name: string, sink = new FakeSink()) {
    return { images: await readImageArchive(createReadStream(join(dir, name)), sink), sink };
  }

  it('reads a skopeo docker-archive (symlinked layer.tar, full-name RepoTags)', async () => {
    await skopeo('copy', `oci:${join(dir, 'layout')}:latest`, `docker-archive:${join(dir, 'da.tar')}:busybox:latest`);
    const { images: [img], sink } = await readFileArchive('da.tar');
    assert.deepEqual(img.repoTags, ['busybox:latest']);
    assert.equal(img.id, sha(configFor(layers)));
    assert.deepEqual(img.layers.map((l) => l.diffId), layers.map((l) => sha(l)));
    assert.deepEqual(sink.discarded, []);
  });

  it('reads a skopeo oci-archive (gzip layers, ref name "name:tag")', async () => {
    await skopeo('copy', `oci:${join(dir, 'layout')}:latest`, `oci-archive:${join(dir, 'oa.tar')}:localhost:5000/app:v1`);
    const { images: [img] } = await readFileArchive('oa.tar');
    assert.deepEqual(img.repoTags, ['localhost:5000/app:v1']);
    assert.deepEqual(img.layers.map((l) => l.diffId), layers.map((l) => sha(l)));
    assert.ok(img.layers.every((l) => l.compressed?.mediaType.includes('gzip')));
  });

  it('writes archives that skopeo reads as docker-archive and as oci-archive', async () => {
    const config = configFor(layers);
    const image = {
      id: sha(config), config, repoTags: ['busybox:latest'],
      layers: layers.map((l) => ({ diffId: sha(l), tarSize: l.length, open: () => Readable.from([l], { objectMode: false }) })),
    };
    await writeImageArchive([image], createWriteStream(join(dir, 'ours.tar')));
    for (const ref of [`docker-archive:${join(dir, 'ours.tar')}`, `oci-archive:${join(dir, 'ours.tar')}:latest`]) {
      const { stdout } = await run(SKOPEO, ['inspect', '--config', ref]) as { stdout: string };
      assert.deepEqual(JSON.parse(stdout).rootfs.diff_ids, layers.map((l) => sha(l)), ref);
    }
    // Converted by skopeo into its own docker-archive, and read back.
    await skopeo('copy', `docker-archive:${join(dir, 'ours.tar')}`, `docker-archive:${join(dir, 'again.tar')}:busybox:latest`);
    const { images: [img] } = await readFileArchive('again.tar');
    assert.equal(img.id, image.id);
    assert.deepEqual(img.repoTags, ['busybox:latest']);
  });
});
