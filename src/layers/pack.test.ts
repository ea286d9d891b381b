import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseGetfattr, unquoteGetfattr } from './overlay-xattrs.ts';
import { devNumbers, packUpperDir } from './pack.ts';
import { collect, sh, sha256, tempDir, tempStore } from './test-helpers.ts';

const asRoot = process.getuid?.() === 0;
const CAP_NET_RAW = '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=';
const LONG = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(40)}`;

/** An overlay upper dir as a container leaves it: changes, whiteouts, an opaque dir. */
function upperDir(t: TestContext): string {
  const up = join(tempDir(t, 'berth-pack-'), 'diff');
  mkdirSync(join(up, 'a'), { recursive: true });
  writeFileSync(join(up, 'a/f'), 'content\n');
  linkSync(join(up, 'a/f'), join(up, 'a/f2'));
  symlinkSync('f', join(up, 'a/s'));
  mkdirSync(join(up, 'op'));
  writeFileSync(join(up, 'op/new'), 'new');
  mkdirSync(join(up, LONG), { recursive: true });
  writeFileSync(join(up, LONG, 'file'), 'long');
  writeFileSync(join(up, 'capped'), 'ping');
  sh(`mknod '${join(up, 'gone')}' c 0 0 && mknod '${join(up, 'a/gone2')}' c 0 0 && mkfifo '${join(up, 'fifo')}'`);
  sh(`setfattr -n trusted.overlay.opaque -v y '${join(up, 'op')}' && setfattr -n security.capability -v ${CAP_NET_RAW} '${join(up, 'capped')}'`);
  for (const p of ['a/f', 'capped', 'op/new', 'a', 'op', 'gone', 'a/gone2', 'fifo', '.']) utimesSync(join(up, p), 1700000000, 1700000000);
  return up;
}

test('devNumbers and getfattr output parsing', () => {
  assert.deepEqual(devNumbers((1 << 8) | 3), { major: 1, minor: 3 });
  assert.deepEqual(devNumbers((259 << 8) + 0x12 + 0x34500 * 4096), { major: 259, minor: 0x34512 });
  assert.ok(unquoteGetfattr(Buffer.from('a\\012b\\134c')).equals(Buffer.from('a\nb\\c')));
  const out = Buffer.from('# file: /up/op\ntrusted.overlay.opaque=0x79\n\n# file: /up/x\\040y\nsecurity.capability=0x0102\n\n# file: /other\ntrusted.overlay.opaque=0x79\n\n');
  const m = parseGetfattr(out, '/up');
  assert.deepEqual([...m.keys()], ['op', 'x y']);
  assert.equal(m.get('op')?.opaque, true);
  assert.deepEqual(m.get('x y')?.capability, Buffer.from([1, 2]));
});

test('packUpperDir: docker layer form, deterministic order', { skip: !asRoot && 'needs root (mknod, trusted xattrs)' }, async (t) => {
  const up = upperDir(t);
  const tar = await collect(packUpperDir(up));
  assert.ok(tar.equals(await collect(packUpperDir(up))), 'same tree, same bytes');
  const names = execFileSync('tar', ['-t'], { input: tar }).toString().trim().split('\n');
  assert.deepEqual(names, [
    'a/', 'a/f', 'a/f2', 'a/.wh.gone2', 'a/s', 'capped', `${LONG.split('/')[0]}/`, `${LONG.split('/').slice(0, 2).join('/')}/`,
    `${LONG}/`, `${LONG}/file`, 'fifo', '.wh.gone', 'op/', 'op/.wh..wh..opq', 'op/new',
  ]);
  const verbose = execFileSync('tar', ['-tv', '--numeric-owner'], { input: tar }).toString();
  assert.match(verbose, /^hrw-r--r-- 0\/0 +0 2023-11-14 22:13 a\/f2 link to a\/f$/m);
  assert.match(verbose, /^-rw------- 0\/0 +0 2023-11-14 22:13 \.wh\.gone$/m);
  assert.match(verbose, /^lrwxrwxrwx 0\/0 +0 .* a\/s -> f$/m);
  assert.match(verbose, /^prw-r--r-- 0\/0 +0 .* fifo$/m);
});

test('packUpperDir → unpack: whiteouts, opaque dirs, hard links and capabilities come back', { skip: !asRoot && 'needs root (mknod, trusted xattrs)' }, async (t) => {
  const up = upperDir(t);
  const { store } = tempStore(t);
  const tar = await collect(packUpperDir(up));
  const layer = await store.unpack(packUpperDir(up));
  assert.equal(layer.diffId, sha256(tar));
  const diff = store.diffDir(layer.cacheId);
  const wo = lstatSync(join(diff, 'gone'));
  assert.ok(wo.isCharacterDevice() && wo.rdev === 0);
  assert.ok(lstatSync(join(diff, 'a/gone2')).isCharacterDevice());
  assert.match(sh(`getfattr --absolute-names -n trusted.overlay.opaque '${join(diff, 'op')}'`), /trusted.overlay.opaque="y"/);
  assert.match(sh(`getfattr --absolute-names -e base64 -n security.capability '${join(diff, 'capped')}'`), /AQAAAgAgAAAAAAAAAAAAAAAAAAA=/);
  assert.equal(statSync(join(diff, 'a/f')).ino, statSync(join(diff, 'a/f2')).ino);
  assert.equal(readFileSync(join(diff, LONG, 'file'), 'utf8'), 'long');
  assert.ok((await collect(store.tarStream(layer.cacheId))).equals(tar), 'tar-split replays the packed bytes');
});

test('packUpperDir of an empty upper dir is the empty tar', async (t) => {
  const up = tempDir(t, 'berth-pack-empty-');
  const tar = await collect(packUpperDir(up));
  assert.ok(tar.equals(Buffer.alloc(1024)));
  assert.equal(sha256(tar), 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef');
});
