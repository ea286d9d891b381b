import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ContainerRecord } from '../core/containers/types.ts';
import { isMounted, mergedDir, mountRootfs, unmountRootfs } from '../layers/rootfs.ts';
import { RootfsAccess } from './fs-access.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (overlay mounts)' : false;

function setup(t: TestContext): { c: ContainerRecord; access: RootfsAccess; running: { value: boolean }; merged: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fsaccess-'));
  const c = { id: 'c'.repeat(64), rwDir: join(dir, 'rw') } as ContainerRecord;
  t.after(async () => {
    await unmountRootfs(c.rwDir).catch(() => execFileSync('umount', ['-l', mergedDir(c.rwDir)]));
    rmSync(dir, { recursive: true, force: true });
  });
  const running = { value: false };
  const access = new RootfsAccess({ layersRoot: dir, lowerDirs: async () => '', isRunning: () => running.value });
  return { c, access, running, merged: mergedDir(c.rwDir) };
}

test('RootfsAccess mounts a stopped container for the work and unmounts after, also on failure', { skip }, async (t) => {
  const { c, access, merged } = setup(t);
  await access.with(c, async (root) => {
    assert.equal(root, merged);
    assert.equal(await isMounted(merged), true);
    writeFileSync(join(root, 'f'), 'x');
  });
  assert.equal(await isMounted(merged), false);
  assert.equal(readFileSync(join(c.rwDir, 'diff/f'), 'utf8'), 'x', 'writes went to the upper dir');
  await assert.rejects(access.with(c, async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await isMounted(merged), false);
  assert.equal(access.held, 0);
});

test('RootfsAccess shares one mount between concurrent users', { skip }, async (t) => {
  const { c, access, merged } = setup(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const first = access.with(c, () => gate);
  const second = await access.with(c, async (root) => existsSync(root) && isMounted(merged));
  assert.equal(second, true);
  assert.equal(await isMounted(merged), true, 'still held by the first user');
  release();
  await first;
  assert.equal(await isMounted(merged), false);
});

test('RootfsAccess never unmounts a running container', { skip }, async (t) => {
  const { c, access, running, merged } = setup(t);
  await mountRootfs(join(c.rwDir, '..'), '', c.rwDir);
  running.value = true;
  await access.with(c, async (root) => assert.equal(root, merged));
  assert.equal(await isMounted(merged), true, 'a running container keeps its rootfs');
  await unmountRootfs(c.rwDir);
  running.value = false;
  // started while we held our own mount: it is the container's now
  await access.with(c, async () => { running.value = true; });
  assert.equal(await isMounted(merged), true);
});

test('RootfsAccess: a failed mount leaves nothing held', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fsaccess-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const c = { id: 'd'.repeat(64), rwDir: join(dir, 'rw') } as ContainerRecord;
  const access = new RootfsAccess({ layersRoot: dir, lowerDirs: async () => { throw new Error('no image'); }, isRunning: () => false });
  await assert.rejects(access.with(c, async () => 'never'), /no image/);
  assert.equal(access.held, 0);
});

test('RootfsAccess: a user that comes while the last one unmounts gets a mounted rootfs', { skip }, async (t) => {
  const { c, access, merged } = setup(t);
  let second: Promise<void> | undefined;
  await access.with(c, async (root) => {
    writeFileSync(join(root, 'first'), '1');
    // the next request starts right as this one finishes (the unmount is then under way)
    setImmediate(() => {
      second = access.with(c, async (r2) => {
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(await isMounted(merged), true, 'mounted while in use');
        assert.equal(readFileSync(join(r2, 'first'), 'utf8'), '1');
        writeFileSync(join(r2, 'second'), '2');
      });
    });
  });
  for (let i = 0; i < 100 && !second; i++) await new Promise((r) => setImmediate(r));
  await second;
  assert.equal(readFileSync(join(c.rwDir, 'diff/second'), 'utf8'), '2', 'the write reached the upper dir');
  assert.equal(await isMounted(merged), false);
});
