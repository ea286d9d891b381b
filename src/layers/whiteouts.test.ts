import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chunked, collect, sh, sha256, tarEntry, tarOf, tempStore } from './test-helpers.ts';

function isWhiteout(path: string): boolean {
  const st = lstatSync(path);
  return st.isCharacterDevice() && st.rdev === 0;
}

function opaque(dir: string): string {
  return sh(`getfattr --absolute-names --only-values -n trusted.overlay.opaque '${dir}' 2>/dev/null || true`);
}

test('whiteouts: .wh.<name> becomes a 0/0 character device, .wh..wh..opq an opaque directory', async (t) => {
  const tar = tarOf(
    tarEntry({ name: 'etc/', type: '5', mode: 0o755 }),
    tarEntry({ name: 'etc/.wh.passwd' }),
    tarEntry({ name: 'etc/kept' }, 'kept'),
    tarEntry({ name: 'var/cache/', type: '5', mode: 0o755 }),
    tarEntry({ name: 'var/cache/.wh..wh..opq' }),
    tarEntry({ name: 'var/cache/new' }, 'fresh'),
    tarEntry({ name: '.wh.toplevel' }),
    tarEntry({ name: 'plain/', type: '5', mode: 0o755 }),
  );
  const { store } = tempStore(t);
  const layer = await store.unpack(chunked(tar));
  const diff = store.diffDir(layer.cacheId);
  assert.ok(isWhiteout(join(diff, 'etc', 'passwd')));
  assert.match(sh(`stat -c '%F %t:%T %a' '${join(diff, 'etc', 'passwd')}'`), /^character special file 0:0 0\n$/);
  assert.ok(isWhiteout(join(diff, 'toplevel')));
  assert.ok(!existsSync(join(diff, 'etc', '.wh.passwd')));
  assert.ok(!existsSync(join(diff, '.wh.toplevel')));
  assert.ok(!existsSync(join(diff, 'var', 'cache', '.wh..wh..opq')));
  assert.equal(opaque(join(diff, 'var', 'cache')), 'y');
  assert.equal(opaque(join(diff, 'plain')), '');
  assert.equal(readFileSync(join(diff, 'var', 'cache', 'new'), 'utf8'), 'fresh');
  assert.deepEqual(readdirSync(join(diff, 'etc')).sort(), ['kept', 'passwd']);
  assert.ok((await collect(store.tarStream(layer.cacheId))).equals(tar));
});

test('whiteouts: names with quotes, spaces, newlines and non-UTF-8 bytes are converted safely', async (t) => {
  const odd = ["it's here", 'two  spaces', 'new\nline', '$(touch pwned)', '`id`', 'x;rm -rf ~'];
  const raw = Buffer.concat([Buffer.from('d/.wh.bin-'), Buffer.from([0xff, 0xfe])]);
  const tar = tarOf(
    tarEntry({ name: 'd/', type: '5', mode: 0o755 }),
    ...odd.map((n) => tarEntry({ name: `d/.wh.${n}` })),
    tarEntry({ name: raw }),
    tarEntry({ name: "q'uote/", type: '5', mode: 0o755 }),
    tarEntry({ name: "q'uote/.wh..wh..opq" }),
  );
  const { store, dir } = tempStore(t);
  const layer = await store.unpack(chunked(tar));
  const diff = store.diffDir(layer.cacheId);
  for (const n of odd) assert.ok(isWhiteout(join(diff, 'd', n)), n);
  const rawTarget = lstatSync(Buffer.concat([Buffer.from(`${diff}/d/bin-`), Buffer.from([0xff, 0xfe])]));
  assert.ok(rawTarget.isCharacterDevice() && rawTarget.rdev === 0);
  assert.equal(readdirSync(join(diff, 'd')).length, odd.length + 1);
  assert.equal(opaque(join(diff, "q'uote").replace(/'/g, "'\\''")), 'y');
  assert.ok(!existsSync(join(diff, 'pwned')) && !existsSync(join(dir, 'pwned')) && !existsSync('pwned'));
  assert.equal(sha256(await collect(store.tarStream(layer.cacheId))), layer.diffId);
});

test('whiteouts: other .wh..wh.* metadata entries are dropped; whiteouts with content still replay', async (t) => {
  const tar = tarOf(
    tarEntry({ name: '.wh..wh.plnk/', type: '5', mode: 0o700 }),
    tarEntry({ name: '.wh..wh.plnk/123.456' }, 'aufs hardlink store'),
    tarEntry({ name: '.wh..wh.aufs' }),
    tarEntry({ name: 'x/.wh.y' }, 'odd: a whiteout with a payload'),
    tarEntry({ name: 'x/.wh..wh.orph/deep/file' }, 'inside a metadata dir without its own entry'),
  );
  const { store } = tempStore(t);
  const layer = await store.unpack(chunked(tar));
  const diff = store.diffDir(layer.cacheId);
  assert.deepEqual(readdirSync(diff).sort(), ['x']);
  assert.deepEqual(readdirSync(join(diff, 'x')), ['y']);
  assert.ok(isWhiteout(join(diff, 'x', 'y')));
  assert.ok((await collect(store.tarStream(layer.cacheId))).equals(tar));
});

test('whiteouts: a whiteout next to a real entry of the same name keeps the entry', async (t) => {
  const tar = tarOf(tarEntry({ name: '.wh.f' }), tarEntry({ name: 'f' }, 'real'));
  const { store } = tempStore(t);
  const layer = await store.unpack(chunked(tar));
  assert.equal(readFileSync(join(store.diffDir(layer.cacheId), 'f'), 'utf8'), 'real');
});
