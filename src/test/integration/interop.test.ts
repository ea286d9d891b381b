/**
 * Interoperability: image archives cross between berthd and the real peers
 * (dockerd 20.10, podman, skopeo) with identical image IDs and diff IDs.
 *
 * Every peer works only inside a scratch directory: dockerd gets its own
 * data-root, exec-root, socket and containerd namespace, and is stopped (with
 * the containerd it started) in `after`, also when a test fails; podman runs
 * with its own root, runroot, tmpdir, vfs storage (no mounts) and a
 * containers.conf that keeps its network state inside the scratch dir.
 * A test group is skipped, with the reason, when its peer is not installed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { Daemon, busyboxRootfs, have } from './harness.ts';
import { PeerDockerd, Podman, ok, run, type Identity } from './peers.ts';

const isRoot = process.getuid?.() === 0;

function skipReason(bin: string): string | false {
  if (!have(bin)) return `${bin} is not installed`;
  if (!isRoot) return `${bin} interop needs root`;
  return false;
}

function sha256(b: Buffer): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

async function tarBuffer(entries: { name: string; data?: Buffer; type?: 'directory' | 'file' }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  const mtime = new Date('2024-01-01T00:00:00Z');
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mode: 0o755, mtime, uid: 0, gid: 0 });
    else pack.entry({ name: e.name, mode: 0o644, mtime, uid: 0, gid: 0 }, e.data ?? Buffer.alloc(0));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

interface Fixture { archive: Buffer; id: string; diffIds: string[] }

/**
 * A two-layer image written by hand as a legacy docker-archive
 * (`<id>.json`, `<n>/layer.tar`, manifest.json): the busybox rootfs, then a
 * layer that adds a directory and a file and deletes /etc/group (whiteout).
 */
async function twoLayerArchive(tag: string): Promise<Fixture> {
  const l1 = busyboxRootfs();
  const l2 = await tarBuffer([
    { name: 'app/', type: 'directory' },
    { name: 'app/hello.txt', data: Buffer.from('hello from layer two\n') },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.group' },
  ]);
  const diffIds = [sha256(l1), sha256(l2)];
  const created = '2024-01-01T00:00:00Z';
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], WorkingDir: '/app', Labels: { 'berth.test': 'interop' } },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [
      { created, created_by: 'busybox rootfs' },
      { created, created_by: 'COPY hello.txt /app/ # and remove /etc/group' },
    ],
  }));
  const id = sha256(config);
  const hex = id.slice('sha256:'.length);
  const archive = await tarBuffer([
    { name: `${hex}.json`, data: config },
    { name: 'l1/', type: 'directory' },
    { name: 'l1/layer.tar', data: l1 },
    { name: 'l2/', type: 'directory' },
    { name: 'l2/layer.tar', data: l2 },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: `${hex}.json`, RepoTags: [tag], Layers: ['l1/layer.tar', 'l2/layer.tar'] }])) },
  ]);
  return { archive, id, diffIds };
}


/** Every file of a (small) tar archive by name. */
async function readTar(buf: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = tar.extract();
  const done = new Promise<void>((res, rej) => { ex.on('finish', () => res()); ex.on('error', rej); });
  ex.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => { files.set(h.name.replace(/^\.\//, ''), Buffer.concat(chunks)); next(); });
  });
  ex.end(buf);
  await done;
  return files;
}

/** The config digest of the single image in an OCI archive (what its loader must use as the image ID). */
async function ociArchiveConfig(path: string): Promise<string> {
  const files = await readTar(readFileSync(path));
  const blob = (digest: string): Buffer => files.get(`blobs/sha256/${digest.slice('sha256:'.length)}`)!;
  const index = JSON.parse(files.get('index.json')!.toString());
  assert.equal(index.manifests.length, 1);
  const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
  return manifest.config.digest;
}

function berthIdentity(d: Daemon, ref: string): Identity {
  const out = ok(d.berth(['image', 'inspect', ref]), `berth image inspect ${ref}`);
  const img = JSON.parse(out)[0];
  return { id: img.Id, layers: img.RootFS.Layers };
}

describe('archives between berthd and dockerd 20.10', { skip: skipReason('dockerd') }, () => {
  const d = new Daemon('berth-it-interop-');
  const peer = new PeerDockerd();
  let two: Fixture;
  let bb: Identity;

  before(async () => {
    two = await twoLayerArchive('two:layers');
    await d.start();
    await peer.start();
  });
  after(async () => {
    try { await peer.stop(); } finally { await d.cleanup(); }
  });

  it('dockerd loads what berth saves, with the same IDs and diff IDs', () => {
    ok(d.berth(['import', '-c', 'CMD ["sh"]', '-', 'bb:1'], busyboxRootfs()), 'berth import');
    writeFileSync(join(d.dir, 'two.tar'), two.archive);
    assert.match(ok(d.berth(['load', '-i', join(d.dir, 'two.tar')]), 'berth load'), /Loaded image: two:layers/);
    bb = berthIdentity(d, 'bb:1');
    assert.deepEqual(berthIdentity(d, 'two:layers'), { id: two.id, layers: two.diffIds });
    // One archive with both images; they share the busybox layer.
    const out = join(d.dir, 'berth.tar');
    ok(d.berth(['save', '-o', out, 'bb:1', 'two:layers']), 'berth save');
    const load = ok(peer.docker(['load', '-i', out]), 'dockerd load');
    assert.match(load, /Loaded image: bb:1/);
    assert.match(load, /Loaded image: two:layers/);
    assert.deepEqual(peer.identity('bb:1'), bb);
    assert.deepEqual(peer.identity('two:layers'), { id: two.id, layers: two.diffIds });
  });

  it('dockerd loads the hand-written two-layer archive to the same ID as berth', () => {
    const out = join(d.dir, 'two.tar');
    ok(peer.docker(['rmi', 'two:layers']), 'dockerd rmi');
    ok(peer.docker(['load', '-i', out]), 'dockerd load');
    assert.deepEqual(peer.identity('two:layers'), berthIdentity(d, 'two:layers'));
  });

  it('berth loads what dockerd saves, with the same IDs and diff IDs', () => {
    const rootfs = join(d.dir, 'bb-rootfs.tar');
    writeFileSync(rootfs, busyboxRootfs());
    ok(peer.docker(['import', '-c', 'CMD ["sh"]', '-c', 'ENV A=b', '-m', 'peer', rootfs, 'peer/bb:2']), 'dockerd import');
    const own = peer.identity('peer/bb:2');
    const out = join(d.dir, 'dockerd.tar');
    ok(peer.docker(['save', '-o', out, 'peer/bb:2', 'two:layers']), 'dockerd save');
    ok(d.berth(['rmi', 'two:layers']), 'berth rmi');
    const load = ok(d.berth(['load', '-i', out]), 'berth load');
    assert.match(load, /Loaded image: peer\/bb:2/);
    assert.match(load, /Loaded image: two:layers/);
    assert.deepEqual(berthIdentity(d, 'peer/bb:2'), own);
    assert.deepEqual(berthIdentity(d, 'two:layers'), { id: two.id, layers: two.diffIds });
    // And back: berth's save of dockerd's image loads into dockerd unchanged.
    ok(peer.docker(['rmi', 'peer/bb:2']), 'dockerd rmi');
    const back = join(d.dir, 'back.tar');
    ok(d.berth(['save', '-o', back, 'peer/bb:2']), 'berth save');
    ok(peer.docker(['load', '-i', back]), 'dockerd load');
    assert.deepEqual(peer.identity('peer/bb:2'), own);
  });

  it('berth loads an untagged image dockerd saved by ID', () => {
    const out = join(d.dir, 'byid.tar');
    ok(peer.docker(['save', '-o', out, two.id]), 'dockerd save by ID');
    ok(d.berth(['rmi', 'two:layers']), 'berth rmi');
    const load = ok(d.berth(['load', '-i', out]), 'berth load');
    assert.match(load, new RegExp(`Loaded image ID: ${two.id}`));
    assert.deepEqual(berthIdentity(d, two.id), { id: two.id, layers: two.diffIds });
  });
});

describe('archives between berthd and podman', { skip: skipReason('podman') }, () => {
  const d = new Daemon('berth-it-interop-');
  let podman: Podman;
  let two: Fixture;
  let bb: Identity;

  before(async () => {
    two = await twoLayerArchive('two:layers');
    await d.start();
    podman = new Podman(d.dir);
    ok(d.berth(['import', '-c', 'CMD ["sh"]', '-', 'bb:1'], busyboxRootfs()), 'berth import');
    writeFileSync(join(d.dir, 'two.tar'), two.archive);
    ok(d.berth(['load', '-i', join(d.dir, 'two.tar')]), 'berth load');
    bb = berthIdentity(d, 'bb:1');
  });
  after(() => d.cleanup());

  it('podman loads what berth saves, with the same IDs and diff IDs', () => {
    const out = join(d.dir, 'berth.tar');
    ok(d.berth(['save', '-o', out, 'bb:1', 'two:layers']), 'berth save');
    ok(podman.run(['load', '-i', out]), 'podman load');
    assert.deepEqual(podman.identity('bb:1'), bb);
    assert.deepEqual(podman.identity('two:layers'), { id: two.id, layers: two.diffIds });
  });

  for (const format of ['docker-archive', 'oci-archive'] as const) {
    it(`berth loads podman save --format ${format}`, async () => {
      const out = join(d.dir, `podman-${format}.tar`);
      ok(podman.run(['save', '--format', format, '-o', out, 'two:layers']), `podman save ${format}`);
      // podman stored two:layers with a Docker schema 2 manifest (it came from a docker-archive);
      // writing OCI it converts the config, so the ID to expect is the one in its archive.
      const id = format === 'oci-archive' ? await ociArchiveConfig(out) : two.id;
      ok(d.berth(['rmi', '-f', two.id]), 'berth rmi');
      const load = ok(d.berth(['load', '-i', out]), `berth load (${format})`);
      // podman names images it loaded from a multi-image archive localhost/NAME.
      assert.match(load, /Loaded image: (localhost\/)?two:layers\n/);
      assert.deepEqual(berthIdentity(d, id), { id, layers: two.diffIds });
      if (id !== two.id) ok(d.berth(['rmi', '-f', id]), 'berth rmi');
      ok(d.berth(['load', '-i', join(d.dir, 'two.tar')]), 'berth load');
    });
  }

  it('berth loads a multi-image podman docker-archive', () => {
    const out = join(d.dir, 'podman-multi.tar');
    ok(podman.run(['save', '-m', '--format', 'docker-archive', '-o', out, 'bb:1', 'two:layers']), 'podman save -m');
    ok(d.berth(['rmi', '-f', bb.id, two.id]), 'berth rmi');
    const load = ok(d.berth(['load', '-i', out]), 'berth load');
    assert.match(load, /Loaded image: (localhost\/)?bb:1\n/);
    assert.match(load, /Loaded image: (localhost\/)?two:layers\n/);
    assert.deepEqual(berthIdentity(d, bb.id), bb);
    assert.deepEqual(berthIdentity(d, two.id), { id: two.id, layers: two.diffIds });
  });
});

describe('archives between berthd and skopeo', { skip: skipReason('skopeo') }, () => {
  const d = new Daemon('berth-it-interop-');
  let two: Fixture;
  const env = (): NodeJS.ProcessEnv => ({ TMPDIR: join(d.dir, 'skopeo-tmp') });

  before(async () => {
    two = await twoLayerArchive('two:layers');
    await d.start();
    mkdirSync(join(d.dir, 'skopeo-tmp'));
    writeFileSync(join(d.dir, 'two.tar'), two.archive);
    ok(d.berth(['load', '-i', join(d.dir, 'two.tar')]), 'berth load');
    ok(d.berth(['save', '-o', join(d.dir, 'berth.tar'), 'two:layers']), 'berth save');
  });
  after(() => d.cleanup());

  it('docker-archive → OCI layout → docker-archive keeps the config digest and diff IDs', () => {
    const oci = join(d.dir, 'oci');
    ok(run('skopeo', ['copy', '-q', `docker-archive:${join(d.dir, 'berth.tar')}`, `oci:${oci}:x`], env()), 'skopeo copy to oci');
    const manifest = JSON.parse(ok(run('skopeo', ['inspect', '--raw', `oci:${oci}:x`], env()), 'skopeo inspect'));
    const config = JSON.parse(ok(run('skopeo', ['inspect', '--config', '--raw', `oci:${oci}:x`], env()), 'skopeo inspect --config'));
    assert.deepEqual(config.rootfs.diff_ids, two.diffIds);
    const s = join(d.dir, 's.tar');
    ok(run('skopeo', ['copy', '-q', `oci:${oci}:x`, `docker-archive:${s}:skopeo/x:1`], env()), 'skopeo copy to docker-archive');
    assert.match(ok(d.berth(['load', '-i', s]), 'berth load'), /Loaded image: skopeo\/x:1/);
    assert.deepEqual(berthIdentity(d, 'skopeo/x:1'), { id: manifest.config.digest, layers: two.diffIds });
  });

  it("reads berth's archive as an OCI archive without changing the config", () => {
    const s = join(d.dir, 's2.tar');
    ok(run('skopeo', ['copy', '-q', `oci-archive:${join(d.dir, 'berth.tar')}:layers`, `docker-archive:${s}:skopeo/y:1`], env()), 'skopeo copy oci-archive');
    ok(d.berth(['load', '-i', s]), 'berth load');
    assert.deepEqual(berthIdentity(d, 'skopeo/y:1'), { id: two.id, layers: two.diffIds });
    // An OCI archive written by skopeo (gzip layers, ref name only) loads with the same ID.
    const s3 = join(d.dir, 's3.tar');
    ok(run('skopeo', ['copy', '-q', `oci-archive:${join(d.dir, 'berth.tar')}:layers`, `oci-archive:${s3}:z`], env()), 'skopeo copy to oci-archive');
    ok(d.berth(['rmi', '-f', two.id]), 'berth rmi');
    assert.equal(d.berth(['image', 'inspect', two.id]).code, 1, 'the image is gone before the load');
    ok(d.berth(['load', '-i', s3]), 'berth load oci-archive');
    assert.deepEqual(berthIdentity(d, two.id), { id: two.id, layers: two.diffIds });
  });
});
