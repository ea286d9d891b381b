import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { containerChanges } from './changes.ts';
import { runtimeArtifacts } from './init-paths.ts';

const asRoot = process.getuid?.() === 0;

function mk(root: string, files: Record<string, string | null>): void {
  for (const [p, content] of Object.entries(files)) {
    const full = join(root, p);
    if (content === null) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, content);
    }
  }
}

test('containerChanges: A/C/D in docker diff order', { skip: !asRoot && 'needs root (mknod, trusted xattrs)' }, (t) => {
  const base = mkdtempSync(join(tmpdir(), 'berth-changes-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const [l1, l2, up] = ['l1', 'l2', 'up'].map((d) => join(base, d));
  mk(l1, { 'bin/sh': 'sh', 'etc/passwd': 'root', 'etc/group': 'root', 'var/old/x': 'x', 'tmp': null, 'gone/deep': 'd' });
  mk(l2, { 'etc/hosts': 'localhost', '.wh.placeholder': '' });
  execFileSync('mknod', [join(l2, 'gone'), 'c', '0', '0']); // removed by the upper lower layer
  mk(up, { 'bin': null, 'etc/passwd': 'root changed', 'etc/new': 'new', 'hello': 'hi', 'tmp/t': 't', 'var/old/y': 'y', 'gone': 'back' });
  for (const p of ['bin/sh', 'etc/group']) execFileSync('mknod', [join(up, p), 'c', '0', '0']);
  execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', join(up, 'var/old')]);
  // directories only copied up keep the lower metadata; /etc itself changed
  for (const d of ['bin', 'tmp', 'var']) {
    chmodSync(join(up, d), statSync(join(l1, d)).mode & 0o7777);
    utimesSync(join(up, d), 1700000000, 1700000000);
    utimesSync(join(l1, d), 1700000000, 1700000000);
    if (statSync(join(up, d)).size !== statSync(join(l1, d)).size) return t.skip('directory sizes differ on this filesystem');
  }
  utimesSync(join(up, 'etc'), 1700000099, 1700000099);

  return containerChanges(up, [l2, l1]).then((changes) => {
    const lines = changes.map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
    assert.deepEqual(lines, [
      'C /bin', 'D /bin/sh',
      'C /etc', 'D /etc/group', 'A /etc/new', 'C /etc/passwd',
      'A /gone',
      'A /hello',
      'C /tmp', 'A /tmp/t',
      'C /var/old', 'D /var/old/x', 'A /var/old/y',
    ]);
  });
});

test('containerChanges: an empty upper dir has no changes', async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-changes-'));
  try {
    assert.deepEqual(await containerChanges(base, []), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('runtime mount targets (dockerd keeps them in its init layer) are left out', async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-changes-'));
  try {
    const [low, up] = ['low', 'up'].map((d) => join(base, d));
    mk(low, { 'etc/passwd': 'root', 'etc/hostname': 'img', 'dev': null });
    mk(up, { 'etc/hosts': '', 'etc/resolv.conf': '', 'etc/hostname': '', 'proc': null, 'sys': null, 'dev/pts': null, '.dockerenv': 'not empty' });
    utimesSync(join(up, 'etc'), 1700000099, 1700000099);
    const only = runtimeArtifacts(up);
    assert.deepEqual((await containerChanges(up, [low], only)).map((c) => `${'CAD'[c.Kind]} ${c.Path}`), [
      'A /.dockerenv',
    ], 'a non-empty file stays; an empty one over the image\'s file is the init layer\'s');
    writeFileSync(join(up, 'etc/hosts'), 'written');
    assert.deepEqual((await containerChanges(up, [low], only)).map((c) => `${'CAD'[c.Kind]} ${c.Path}`), [
      'A /.dockerenv', 'C /etc', 'A /etc/hosts',
    ], 'a written init file and the dir holding it stay');
    rmSync(join(up, 'etc/hosts'));
    rmSync(join(up, '.dockerenv'));
    assert.deepEqual(await containerChanges(up, [low], only), [], 'nothing but mount targets: no changes');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('the /etc/mtab link of the init layer is left out, over an image\'s own /etc/mtab too; another link is not', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'berth-changes-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const [low, up] = ['low', 'up'].map((d) => join(base, d));
  mk(low, { 'etc/mtab': 'image mtab', 'etc/passwd': 'root' });
  mk(up, { 'etc': null, 'dev/console': '', 'dev/shm': null });
  symlinkSync('/proc/mounts', join(up, 'etc/mtab'));
  // the copied-up /etc keeps the image's times (the comparison is by mtime: made a moment apart, they may differ)
  const lowEtc = statSync(join(low, 'etc'));
  utimesSync(join(up, 'etc'), lowEtc.atime, lowEtc.mtime);
  const only = runtimeArtifacts(up);
  assert.deepEqual(await containerChanges(up, [low], only), []);
  rmSync(join(up, 'etc/mtab'));
  symlinkSync('/proc/self/mounts', join(up, 'etc/mtab'));
  assert.deepEqual((await containerChanges(up, [low], only)).map((c) => `${'CAD'[c.Kind]} ${c.Path}`), ['C /etc', 'C /etc/mtab']);
  writeFileSync(join(up, 'dev/shm/x'), 'x');
  assert.deepEqual((await containerChanges(up, [low], only)).map((c) => `${'CAD'[c.Kind]} ${c.Path}`), [
    'A /dev', 'A /dev/shm', 'A /dev/shm/x', 'C /etc', 'C /etc/mtab',
  ], 'an init dir with a file of the container is the container\'s');
});

test('containerChanges: a symlinked directory in an image layer is not followed (onto the host or elsewhere)', async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-changes-'));
  try {
    // the "host" has outside/f; the image's layer has etc -> <outside> (absolute) and rel -> ../outside
    mk(base, { 'outside/f': 'host', 'layer/keep': 'k', 'upper/etc/f': 'new', 'upper/rel/f': 'new' });
    symlinkSync(join(base, 'outside'), join(base, 'layer/etc'));
    symlinkSync('../outside', join(base, 'layer/rel'));
    const changes = await containerChanges(join(base, 'upper'), [join(base, 'layer')]);
    // a directory over the image's symlink replaces it (C), and what is under it is new (A), never a change of the host's file
    assert.deepEqual(changes.map((c) => `${'CAD'[c.Kind]} ${c.Path}`), ['C /etc', 'A /etc/f', 'C /rel', 'A /rel/f']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
