import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { diffDir, isMounted, mountRootfs, unmountRootfs } from './rootfs.ts';
import { OverlayLayerFiles } from './store.ts';
import { chunked, tarEntry, tarOf } from './test-helpers.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/busybox-rootfs.sh', import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root (overlay mounts)' : !existsSync('/bin/busybox') ? 'busybox-static is not installed' : false;

let busybox: Buffer | undefined;
function busyboxTar(): Buffer {
  busybox ??= spawnSync('bash', [SCRIPT], { maxBuffer: 1 << 28 }).stdout;
  return busybox;
}

/** A temp dir whose rw layers are unmounted before it is removed, pass or fail. */
function workDir(t: TestContext): { dir: string; rwDirs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-rootfs-'));
  const rwDirs: string[] = [];
  t.after(async () => {
    for (const rw of rwDirs) await unmountRootfs(rw).catch(() => execFileSync('umount', ['-l', join(rw, 'merged')]));
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, rwDirs };
}

async function layerStore(dir: string, tars: Buffer[]): Promise<{ store: OverlayLayerFiles; top: string }> {
  const store = new OverlayLayerFiles(join(dir, 'overlay2'));
  let parent: string | null = null;
  for (const tar of tars) {
    const layer = await store.unpack(chunked(tar, 1 << 20));
    await store.commit(layer.cacheId, parent);
    parent = layer.cacheId;
  }
  return { store, top: parent! };
}

test('rootfs: mounts a busybox image, writes go to diff/, unmount is idempotent and the changes stay', { skip }, async (t) => {
  const { dir, rwDirs } = workDir(t);
  const { store, top } = await layerStore(dir, [busyboxTar()]);
  const rw = join(dir, 'containers', 'c1');
  rwDirs.push(rw);
  const merged = await mountRootfs(store.root, await store.lowerDirs(top), rw);
  assert.equal(merged, join(rw, 'merged'));
  assert.ok(await isMounted(merged));
  assert.ok(statSync(join(merged, 'bin/busybox')).isFile());
  assert.equal((statSync(merged).mode & 0o7777), 0o755);
  // mounting again is a no-op
  assert.equal(await mountRootfs(store.root, await store.lowerDirs(top), rw), merged);
  assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === merged).length, 1);

  writeFileSync(join(merged, 'etc/new-file'), 'hi');
  rmSync(join(merged, 'etc/group'));
  assert.equal(readFileSync(join(diffDir(rw), 'etc/new-file'), 'utf8'), 'hi');
  assert.ok(existsSync(join(store.diffDir(top), 'etc/group')), 'the image layer is untouched');
  assert.ok(!existsSync(join(store.diffDir(top), 'etc/new-file')));

  await unmountRootfs(rw);
  assert.ok(!(await isMounted(merged)));
  assert.deepEqual(readdirSync(merged), []);
  await unmountRootfs(rw); // not mounted: fine
  await unmountRootfs(join(dir, 'never-made'));

  await mountRootfs(store.root, await store.lowerDirs(top), rw);
  assert.equal(readFileSync(join(merged, 'etc/new-file'), 'utf8'), 'hi');
  assert.ok(!existsSync(join(merged, 'etc/group')), 'the deletion persists as a whiteout');
  await unmountRootfs(rw);
});

test('rootfs: layers stack topmost first and whiteouts hide lower files', { skip }, async (t) => {
  const { dir, rwDirs } = workDir(t);
  const upper = tarOf(
    tarEntry({ name: 'etc/', type: '5', mode: 0o755 }),
    tarEntry({ name: 'etc/.wh.passwd' }),
    tarEntry({ name: 'etc/motd' }, 'layer two\n'),
  );
  const { store, top } = await layerStore(dir, [busyboxTar(), upper]);
  const rw = join(dir, 'c2');
  rwDirs.push(rw);
  const merged = await mountRootfs(store.root, await store.lowerDirs(top), rw);
  assert.equal(readFileSync(join(merged, 'etc/motd'), 'utf8'), 'layer two\n');
  assert.ok(!existsSync(join(merged, 'etc/passwd')));
  assert.ok(existsSync(join(merged, 'etc/group')));
  assert.ok(existsSync(join(merged, 'bin/sh')));
});

test('rootfs: an image without layers mounts an empty, writable root', { skip }, async (t) => {
  const { dir, rwDirs } = workDir(t);
  const root = join(dir, 'overlay2');
  await new OverlayLayerFiles(root).init();
  const rw = join(dir, 'scratch');
  rwDirs.push(rw);
  const merged = await mountRootfs(root, '', rw);
  assert.deepEqual(readdirSync(merged), []);
  writeFileSync(join(merged, 'x'), 'y');
  assert.equal(readFileSync(join(diffDir(rw), 'x'), 'utf8'), 'y');
});

test('rootfs: mount failures are reported and leave nothing mounted', { skip }, async (t) => {
  const { dir } = workDir(t);
  const rw = join(dir, 'bad');
  await assert.rejects(mountRootfs(dir, 'l/DOESNOTEXIST', rw), /mounting the container's root filesystem failed/);
  assert.ok(!(await isMounted(join(rw, 'merged'))));
  await assert.rejects(mountRootfs(dir, '', join(dir, 'a,b')), /must not contain/);
});
