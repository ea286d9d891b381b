import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { absContainerPath, goBase, resolveInRoot, resolvePath } from './scoped-path.ts';

function rootfs(t: TestContext): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-scope-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  symlinkSync('usr/bin', join(root, 'bin'));
  symlinkSync('/', join(root, 'toroot'));
  symlinkSync('../../../../../../..', join(root, 'up'));
  symlinkSync('/etc', join(root, 'absetc'));
  symlinkSync('/etc/passwd', join(root, 'etc/pw'));
  symlinkSync('loop2', join(root, 'loop1'));
  symlinkSync('loop1', join(root, 'loop2'));
  return root;
}

test('resolveInRoot: symlinks resolve inside the root, never above it', async (t) => {
  const root = rootfs(t);
  assert.equal(await resolveInRoot(root, '/bin/sh'), '/usr/bin/sh');
  assert.equal(await resolveInRoot(root, '/toroot/etc/passwd'), '/etc/passwd');
  assert.equal(await resolveInRoot(root, '/up/etc'), '/etc');
  assert.equal(await resolveInRoot(root, '../../..'), '/');
  assert.equal(await resolveInRoot(root, '/absetc/pw'), '/etc/passwd');
  assert.equal(await resolveInRoot(root, '/missing/a/../b'), '/missing/b');
  assert.equal(await resolveInRoot(root, 'etc/'), '/etc');
  await assert.rejects(resolveInRoot(root, '/loop1/x'), /too many links/);
});

test('resolvePath keeps the last element; absContainerPath and goBase follow Go', async (t) => {
  const root = rootfs(t);
  assert.deepEqual(await resolvePath(root, '/absetc'), { resolved: '/absetc', abs: '/absetc' });
  assert.deepEqual(await resolvePath(root, '/absetc/'), { resolved: '/etc', abs: '/absetc/' });
  assert.deepEqual(await resolvePath(root, 'toroot/etc/pw'), { resolved: '/etc/pw', abs: '/toroot/etc/pw' });
  assert.deepEqual(await resolvePath(root, '/etc/.'), { resolved: '/etc', abs: '/etc/.' });
  assert.deepEqual(await resolvePath(root, '/'), { resolved: '/', abs: '/' });
  assert.equal(absContainerPath('a//b/../c/'), '/a/c/');
  assert.equal(absContainerPath('/..'), '/');
  assert.equal(goBase('/etc/'), 'etc');
  assert.equal(goBase('/etc/.'), '.');
  assert.equal(goBase('/'), '/');
});
