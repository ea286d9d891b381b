import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { InvalidParameterError } from '../core/errors.ts';
import { OverlayLayerFiles } from './store.ts';
import { TarSplitWriter } from './tar-split-file.ts';
import { chunked, collect, tarEntry, tarOf, tempDir } from './test-helpers.ts';

interface Sandbox {
  root: string;
  outside: string;
  store: OverlayLayerFiles;
}

/** <root>/outside/secret is the sentinel; the store lives in <root>/overlay2. */
function sandbox(t: TestContext): Sandbox {
  const root = tempDir(t, 'berth-escape-');
  const outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'original');
  return { root, outside, store: new OverlayLayerFiles(join(root, 'overlay2')) };
}

function assertUntouched(s: Sandbox): void {
  assert.deepEqual(readdirSync(s.outside), ['secret']);
  assert.equal(readFileSync(join(s.outside, 'secret'), 'utf8'), 'original');
  assert.equal(statSync(join(s.outside, 'secret')).nlink, 1);
  assert.deepEqual(readdirSync(s.root).sort(), ['outside', 'overlay2']);
}

/** Unpack; either a clean error (layer dir gone) or a layer whose files stayed inside diff/. */
async function attempt(s: Sandbox, tar: Buffer): Promise<{ error: unknown; diff: string | null }> {
  try {
    const layer = await s.store.unpack(chunked(tar, 700));
    return { error: null, diff: s.store.diffDir(layer.cacheId) };
  } catch (error) {
    assert.deepEqual(readdirSync(join(s.root, 'overlay2')), ['l'], 'partial layer directory removed');
    return { error, diff: null };
  }
}

test('escape: "../" member names are refused', async (t) => {
  const s = sandbox(t);
  const { error } = await attempt(s, tarOf(tarEntry({ name: '../../../outside/pwned' }, 'pwned')));
  assert.ok(error instanceof InvalidParameterError);
  assertUntouched(s);
});

test('escape: absolute member names land inside the layer', async (t) => {
  const s = sandbox(t);
  const { error, diff } = await attempt(s, tarOf(tarEntry({ name: `${s.outside}/pwned` }, 'pwned')));
  assert.equal(error, null);
  assert.equal(readFileSync(join(diff!, s.outside, 'pwned'), 'utf8'), 'pwned');
  assertUntouched(s);
});

test('escape: a file written through a symlink to a directory outside is contained', async (t) => {
  const s = sandbox(t);
  for (const target of [s.outside, '../../../outside']) {
    const { error, diff } = await attempt(s, tarOf(
      tarEntry({ name: 'escape', type: '2', linkname: target }),
      tarEntry({ name: 'escape/pwned' }, 'pwned'),
      tarEntry({ name: 'escape/secret' }, 'OVERWRITTEN'),
    ));
    assert.ok(error !== null || !existsSync(join(s.outside, 'pwned')), String(diff));
    assertUntouched(s);
  }
});

test('escape: a nested "a/b -> ../../../.." symlink cannot be written through', async (t) => {
  const s = sandbox(t);
  const { error } = await attempt(s, tarOf(
    tarEntry({ name: 'a/', type: '5', mode: 0o755 }),
    tarEntry({ name: 'a/b', type: '2', linkname: '../../../..' }),
    tarEntry({ name: 'a/b/outside/pwned' }, 'pwned'),
    tarEntry({ name: 'a/b/outside/secret' }, 'OVERWRITTEN'),
  ));
  assert.ok(error instanceof InvalidParameterError);
  assertUntouched(s);
});

test('escape: hard links to files outside are never made', async (t) => {
  const s = sandbox(t);
  const passwd = statSync('/etc/passwd');
  for (const target of [join(s.outside, 'secret'), '/etc/passwd']) {
    const { error, diff } = await attempt(s, tarOf(
      tarEntry({ name: 'h', type: '1', linkname: target }),
      tarEntry({ name: 'h' }, 'OVERWRITTEN'),
    ));
    if (diff) assert.notEqual(lstatSync(join(diff, 'h')).ino, statSync(target).ino);
    else assert.ok(error instanceof InvalidParameterError);
    assertUntouched(s);
  }
  const { error } = await attempt(s, tarOf(tarEntry({ name: 'h', type: '1', linkname: '../../../outside/secret' })));
  assert.ok(error instanceof InvalidParameterError);
  assertUntouched(s);
  assert.equal(statSync('/etc/passwd').nlink, passwd.nlink);
});

test('escape: tarStream refuses recorded paths that leave diff/', async (t) => {
  const s = sandbox(t);
  const layer = await s.store.unpack(chunked(tarOf(tarEntry({ name: 'f' }, 'original'))));
  const dir = join(s.root, 'overlay2', layer.cacheId);
  for (const bad of ['../../../outside/secret', `${s.outside}/secret`, 'a/../../secret', '']) {
    const w = new TarSplitWriter(join(dir, 'tar-split'));
    w.raw(Buffer.alloc(512, 1));
    w.file(Buffer.from(bad), 8);
    await w.finish();
    await assert.rejects(collect(s.store.tarStream(layer.cacheId)), /unsafe path/);
  }
});

test('escape: tarStream does not follow symlinks planted in diff/ after unpacking', async (t) => {
  const s = sandbox(t);
  const tar = tarOf(tarEntry({ name: 'd/', type: '5', mode: 0o755 }), tarEntry({ name: 'd/secret' }, 'replaced'), tarEntry({ name: 'top' }, 'original'));
  const layer = await s.store.unpack(chunked(tar));
  const diff = s.store.diffDir(layer.cacheId);
  assert.ok((await collect(s.store.tarStream(layer.cacheId))).equals(tar));

  // the directory becomes a symlink to outside, where a same-sized file sits
  renameSync(join(diff, 'd'), join(diff, 'd.orig'));
  symlinkSync(s.outside, join(diff, 'd'));
  await assert.rejects(collect(s.store.tarStream(layer.cacheId)), /outside the layer/);
  unlinkSync(join(diff, 'd'));
  renameSync(join(diff, 'd.orig'), join(diff, 'd'));

  // the file itself becomes a symlink, a fifo (opening it would block), a device (never opened)
  rmSync(join(diff, 'top'));
  symlinkSync(join(s.outside, 'secret'), join(diff, 'top'));
  await assert.rejects(collect(s.store.tarStream(layer.cacheId)), /no longer matches/);
  for (const node of ['p', 'c 1 3']) {
    rmSync(join(diff, 'top'));
    execFileSync('sh', ['-c', `mknod "$0" ${node}`, join(diff, 'top')]);
    await assert.rejects(collect(s.store.tarStream(layer.cacheId)), /no longer matches/);
  }
  assertUntouched(s);
});
