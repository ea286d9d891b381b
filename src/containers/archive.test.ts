import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { archiveContainerPath, exportRootfs, goFileMode, rebaseTransform, statContainerPath } from './archive.ts';

function rootfs(t: TestContext): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-archive-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc/sub'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  writeFileSync(join(root, 'etc/sub/deep'), 'deep');
  writeFileSync(join(root, 'hello'), 'hello\n');
  utimesSync(join(root, 'hello'), 1700000000.5, 1700000000.5);
  symlinkSync('/etc', join(root, 'absetc'));
  symlinkSync('../../..', join(root, 'up'));
  return root;
}

async function tarList(fn: (out: PassThrough) => Promise<void>): Promise<string[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await fn(out);
  out.end();
  return execFileSync('tar', ['-tP'], { input: Buffer.concat(chunks) }).toString().split('\n').filter(Boolean);
}

const signal = new AbortController().signal;

test('goFileMode matches Go', () => {
  assert.equal(goFileMode(0o100644), 0o644);
  assert.equal(goFileMode(0o040755), 2 ** 31 + 0o755);
  assert.equal(goFileMode(0o120777), 2 ** 27 + 0o777);
  assert.equal(goFileMode(0o041777), 2 ** 31 + 2 ** 20 + 0o777);
  assert.equal(goFileMode(0o104755), 2 ** 23 + 0o755);
  assert.equal(goFileMode(0o020666), 2 ** 26 + 2 ** 21 + 0o666);
});

test('statContainerPath: lstat of the path, symlink targets resolved inside the root', async (t) => {
  const root = rootfs(t);
  const hello = (await statContainerPath(root, 'hello', 'c')).stat;
  assert.deepEqual(hello, { name: 'hello', size: 6, mode: 0o644, mtime: '2023-11-14T22:13:20.5Z', linkTarget: '' });
  const link = (await statContainerPath(root, '/absetc', 'c')).stat;
  assert.equal(link.mode, 2 ** 27 + 0o777);
  assert.equal(link.linkTarget, '/etc');
  assert.equal((await statContainerPath(root, '/up/etc/passwd', 'c')).stat.name, 'passwd');
  assert.ok((await statContainerPath(root, '/absetc/', 'c')).stat.mode >= 2 ** 31, 'a directory');
  assert.equal((await statContainerPath(root, '/', 'c')).stat.name, '/');
  await assert.rejects(statContainerPath(root, '/nope', 'web'), { message: 'Could not find the file /nope in container web', kind: 'not-found' });
  // a file named as a directory: dockerd's lstat of "file/" fails, so `docker cp X c:/file/` says "no such directory"
  await assert.rejects(statContainerPath(root, '/hello/', 'c'), { message: 'lstat /hello/: not a directory', kind: 'system' });
  await assert.rejects(statContainerPath(root, '/hello/x', 'c'), { message: 'lstat /hello/x: not a directory', kind: 'system' });
  await assert.rejects(statContainerPath(root, '/hello/.', 'c'), { message: 'lstat /hello/.: not a directory', kind: 'system' });
});

test('archiveContainerPath: entries named after the requested path', async (t) => {
  const root = rootfs(t);
  const list = async (p: string): Promise<string[]> => {
    const r = await statContainerPath(root, p, 'c');
    return tarList((out) => archiveContainerPath(root, r, out, signal));
  };
  assert.deepEqual(await list('/etc'), ['etc/', 'etc/passwd', 'etc/sub/', 'etc/sub/deep']);
  assert.deepEqual(await list('/absetc/'), ['absetc/', 'absetc/passwd', 'absetc/sub/', 'absetc/sub/deep']);
  assert.deepEqual(await list('/etc/.'), ['./', './passwd', './sub/', './sub/deep']);
  assert.deepEqual(await list('/absetc'), ['absetc'], 'a symlink is archived as itself');
  assert.deepEqual(await list('/up/hello'), ['hello']);
  const all = await list('/');
  assert.deepEqual([all[0], all.includes('/etc/passwd')], ['/', true], 'the root rebased to "/" as dockerd does');
  assert.equal(rebaseTransform('a.b', 'x&y'), '--transform=flags=rh;s|^a\\.b|x\\&y|');
});

test('exportRootfs: the whole tree without a "./" prefix', async (t) => {
  const root = rootfs(t);
  const names = await tarList((out) => exportRootfs(root, out, signal));
  assert.deepEqual(names, ['absetc', 'etc/', 'etc/passwd', 'etc/sub/', 'etc/sub/deep', 'hello', 'up']);
});
