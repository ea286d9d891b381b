import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureInitLayer, setupInitLayer } from './init-layer.ts';

function scratch(t: { after(fn: () => void): void }): string {
  const base = mkdtempSync(join(tmpdir(), 'berth-initl-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return base;
}

function shape(p: string): string {
  const st = lstatSync(p);
  const mode = (st.mode & 0o7777).toString(8);
  if (st.isSymbolicLink()) return `link ${readlinkSync(p)}`;
  if (st.isDirectory()) return `dir ${mode}`;
  return `file ${mode} ${st.size}`;
}

test('an empty root gets all of dockerd\'s init layer', async (t) => {
  const root = join(scratch(t), 'root');
  mkdirSync(root);
  await setupInitLayer(root);
  assert.deepEqual(Object.fromEntries(['.dockerenv', 'etc', 'etc/mtab', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'dev', 'dev/console', 'dev/pts', 'dev/shm', 'proc', 'sys'].map((p) => [p, shape(join(root, p))])), {
    '.dockerenv': 'file 755 0', 'etc': 'dir 755', 'etc/mtab': 'link /proc/mounts', 'etc/hosts': 'file 755 0', 'etc/hostname': 'file 755 0',
    'etc/resolv.conf': 'file 755 0', 'dev': 'dir 755', 'dev/console': 'file 755 0', 'dev/pts': 'dir 755', 'dev/shm': 'dir 755', 'proc': 'dir 755', 'sys': 'dir 755',
  });
});

test('the image\'s files at init paths are replaced, its directories kept', async (t) => {
  const root = join(scratch(t), 'root');
  mkdirSync(join(root, 'etc/hosts'), { recursive: true });
  mkdirSync(join(root, 'dev'), { mode: 0o700 });
  writeFileSync(join(root, 'etc/mtab'), 'image mtab');
  writeFileSync(join(root, 'etc/passwd'), 'root');
  writeFileSync(join(root, '.dockerenv'), 'hello');
  writeFileSync(join(root, 'dev/shm'), 'a file');
  await setupInitLayer(root);
  assert.equal(shape(join(root, 'etc/mtab')), 'link /proc/mounts');
  assert.equal(shape(join(root, '.dockerenv')), 'file 755 0');
  assert.equal(shape(join(root, 'dev/shm')), 'dir 755');
  assert.equal(shape(join(root, 'etc/hosts')), 'dir 755', 'a directory stays where a file is wanted');
  assert.equal(shape(join(root, 'dev')), 'dir 700', 'an existing directory keeps its mode');
  assert.equal(readFileSync(join(root, 'etc/passwd'), 'utf8'), 'root');
});

test('symlinks of the image are replaced, never followed out of the root', async (t) => {
  const base = scratch(t);
  const root = join(base, 'root');
  const host = join(base, 'host');
  mkdirSync(join(host, 'dir'), { recursive: true });
  writeFileSync(join(host, 'file'), 'host file');
  mkdirSync(root);
  symlinkSync(join(host, 'dir'), join(root, 'etc')); // /etc -> a host directory
  mkdirSync(join(root, 'dev'));
  symlinkSync(join(host, 'file'), join(root, 'dev/console')); // a host file
  symlinkSync(join(host, 'made'), join(root, '.dockerenv')); // a host path that does not exist
  symlinkSync('../../..', join(root, 'proc'));
  await setupInitLayer(root);
  assert.deepEqual(readdirSync(host).sort(), ['dir', 'file']);
  assert.deepEqual(readdirSync(join(host, 'dir')), []);
  assert.equal(readFileSync(join(host, 'file'), 'utf8'), 'host file');
  assert.equal(shape(join(root, 'etc')), 'dir 755');
  assert.equal(shape(join(root, 'etc/mtab')), 'link /proc/mounts');
  assert.equal(shape(join(root, 'dev/console')), 'file 755 0');
  assert.equal(shape(join(root, '.dockerenv')), 'file 755 0');
  assert.equal(shape(join(root, 'proc')), 'dir 755');
});

test('ensureInitLayer lays the files out once: what the container removed later stays removed', async (t) => {
  const base = scratch(t);
  const [rw, root] = [join(base, 'rw'), join(base, 'root')];
  mkdirSync(rw);
  mkdirSync(root);
  await ensureInitLayer(rw, root);
  assert.equal(shape(join(root, '.dockerenv')), 'file 755 0');
  rmSync(join(root, '.dockerenv'));
  await ensureInitLayer(rw, root);
  assert.throws(() => lstatSync(join(root, '.dockerenv')), /ENOENT/);
  assert.equal(shape(join(root, 'etc/mtab')), 'link /proc/mounts');
});

test('concurrent first uses of one container wait for one set-up', async (t) => {
  const base = scratch(t);
  const [rw, root] = [join(base, 'rw'), join(base, 'root')];
  mkdirSync(rw);
  mkdirSync(root);
  await Promise.all([ensureInitLayer(rw, root), ensureInitLayer(rw, root), ensureInitLayer(rw, root)]);
  assert.equal(shape(join(root, 'etc/mtab')), 'link /proc/mounts');
  assert.equal(shape(join(root, '.dockerenv')), 'file 755 0');
});
