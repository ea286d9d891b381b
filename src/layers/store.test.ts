import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { newShortId } from './store.ts';
import { chunked, collect, tarEntry, tarOf, tempDir, tempStore } from './test-helpers.ts';

const layerTar = (name: string) => tarOf(tarEntry({ name }, `content of ${name}`));

test('store: commit links layers like overlay2 and lowerDirs lists the chain topmost first', async (t) => {
  const { store } = tempStore(t);
  const ids: string[] = [];
  for (const n of ['base', 'mid', 'top']) {
    const layer = await store.unpack(chunked(layerTar(n)));
    await store.commit(layer.cacheId, ids.at(-1) ?? null);
    ids.push(layer.cacheId);
  }
  const shorts = ids.map((id) => readFileSync(join(store.root, id, 'link'), 'utf8'));
  for (const [i, s] of shorts.entries()) {
    assert.match(s, /^[A-Z0-9]{26}$/);
    assert.equal(readlinkSync(join(store.root, 'l', s)), `../${ids[i]}/diff`);
  }
  assert.ok(!existsSync(join(store.root, ids[0], 'lower')));
  assert.equal(readFileSync(join(store.root, ids[2], 'lower'), 'utf8'), `l/${shorts[1]}:l/${shorts[0]}`);
  assert.equal(await store.lowerDirs(ids[0]), `l/${shorts[0]}`);
  assert.equal(await store.lowerDirs(ids[2]), `l/${shorts[2]}:l/${shorts[1]}:l/${shorts[0]}`);
  // the lowerdir string resolves relative to the root, and each entry is the layer's files
  for (const [i, p] of (await store.lowerDirs(ids[2])).split(':').entries()) {
    assert.ok(existsSync(join(store.root, p, ['top', 'mid', 'base'][i])));
  }
  await store.commit(ids[2], ids[1]); // idempotent
  assert.equal(readFileSync(join(store.root, ids[2], 'link'), 'utf8'), shorts[2]);
  // lowerDirs is remembered, but not past the layer's removal
  await store.remove(ids[2]);
  await assert.rejects(store.lowerDirs(ids[2]), NotFoundError);
  assert.equal(await store.lowerDirs(ids[1]), `l/${shorts[1]}:l/${shorts[0]}`);
});

test('store: commit and lowerDirs refuse missing or uncommitted layers', async (t) => {
  const { store } = tempStore(t);
  const layer = await store.unpack(chunked(layerTar('a')));
  const other = await store.unpack(chunked(layerTar('b')));
  await assert.rejects(store.lowerDirs(layer.cacheId), NotFoundError);
  await assert.rejects(store.commit(layer.cacheId, other.cacheId), NotFoundError);
  await assert.rejects(store.commit('f'.repeat(64), null), NotFoundError);
  await assert.rejects(store.commit('../../etc', null), InvalidParameterError);
  assert.throws(() => store.diffDir('../x'), InvalidParameterError);
  assert.throws(() => store.tarStream('ABC'), InvalidParameterError);
  await assert.rejects(collect(store.tarStream('e'.repeat(64))), NotFoundError);
});

test('store: remove deletes the directory and its short link, missing is fine', async (t) => {
  const { store } = tempStore(t);
  const layer = await store.unpack(chunked(layerTar('a')));
  await store.commit(layer.cacheId, null);
  const short = readFileSync(join(store.root, layer.cacheId, 'link'), 'utf8');
  await store.remove(layer.cacheId);
  assert.deepEqual(readdirSync(store.root), ['l']);
  assert.deepEqual(readdirSync(join(store.root, 'l')), []);
  await store.remove(layer.cacheId);
  assert.ok(short.length === 26);
});

test('store: remove never follows symlinks out of the layer', async (t) => {
  const { store } = tempStore(t);
  const outside = join(tempDir(t), 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'keep'), 'keep');
  const tar = tarOf(tarEntry({ name: 'out', type: '2', linkname: outside }), tarEntry({ name: 'dir/', type: '5', mode: 0 }));
  const layer = await store.unpack(chunked(tar));
  symlinkSync(outside, join(store.diffDir(layer.cacheId), 'planted'));
  await store.remove(layer.cacheId);
  assert.equal(readFileSync(join(outside, 'keep'), 'utf8'), 'keep');
});

test('store: cleanup removes what is not kept, dangling links, and spares unpacks in flight', async (t) => {
  const { store } = tempStore(t);
  const keep = await store.unpack(chunked(layerTar('keep')));
  await store.commit(keep.cacheId, null);
  const gone = await store.unpack(chunked(layerTar('gone')));
  await store.commit(gone.cacheId, keep.cacheId);
  const staged = await store.unpack(chunked(layerTar('staged')));
  mkdirSync(join(store.root, 'junk-dir'));
  symlinkSync('../nothing/diff', join(store.root, 'l', newShortId()));

  const input = new PassThrough();
  const inflight = store.unpack(input);
  input.write(tarEntry({ name: 'slow' }, 'x'));
  await new Promise((r) => setTimeout(r, 50));

  const removed = await store.cleanup(new Set([keep.cacheId]));
  assert.deepEqual(removed.sort(), [gone.cacheId, staged.cacheId, 'junk-dir'].sort());
  input.end(Buffer.alloc(1024));
  const late = await inflight;
  assert.deepEqual(readdirSync(store.root).sort(), ['l', keep.cacheId, late.cacheId].sort());
  assert.deepEqual(readdirSync(join(store.root, 'l')), [readFileSync(join(store.root, keep.cacheId, 'link'), 'utf8')]);
  assert.equal(await store.lowerDirs(keep.cacheId), `l/${readdirSync(join(store.root, 'l'))[0]}`);
});

test('store: an aborted unpack kills tar and leaves nothing behind', async (t) => {
  const { store } = tempStore(t);
  const input = new PassThrough();
  const ac = new AbortController();
  const p = store.unpack(input, { signal: ac.signal });
  input.write(tarEntry({ name: 'big', size: 10_000_000 }).subarray(0, 512));
  input.write(Buffer.alloc(100_000));
  await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  assert.deepEqual(readdirSync(store.root), ['l']);
  const stray = execFileSync('sh', ['-c', `ps -eo args | grep -F -- '${store.root}' | grep -v grep || true`], { encoding: 'utf8' });
  assert.equal(stray, '');
  await assert.rejects(store.unpack(chunked(layerTar('x')), { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('store: a failing input stream fails the unpack and removes the directory', async (t) => {
  const { store } = tempStore(t);
  const input = new PassThrough();
  const p = store.unpack(input);
  input.write(tarEntry({ name: 'f' }, 'x'.repeat(600)).subarray(0, 700));
  setTimeout(() => input.destroy(new Error('connection reset')), 20);
  await assert.rejects(p, /connection reset/);
  assert.deepEqual(readdirSync(store.root), ['l']);
});

test('store: concurrent unpacks stay independent', async (t) => {
  const { store } = tempStore(t);
  const tars = Array.from({ length: 6 }, (_, i) => tarOf(tarEntry({ name: `f${i}` }, Buffer.alloc(300_000 + i, i))));
  const layers = await Promise.all(tars.map((tar) => store.unpack(chunked(tar, 65536))));
  assert.equal(new Set(layers.map((l) => l.cacheId)).size, 6);
  for (const [i, l] of layers.entries()) {
    assert.ok((await collect(store.tarStream(l.cacheId))).equals(tars[i]));
  }
});

test('store: a layer can be duplicated by unpacking its own tarStream', async (t) => {
  const { store } = tempStore(t);
  const tar = tarOf(tarEntry({ name: 'a/', type: '5', mode: 0o755 }), tarEntry({ name: 'a/.wh.b' }), tarEntry({ name: 'a/c' }, Buffer.alloc(100_000, 9)));
  const first = await store.unpack(chunked(tar));
  const copy = await store.unpack(store.tarStream(first.cacheId));
  assert.notEqual(copy.cacheId, first.cacheId);
  assert.equal(copy.diffId, first.diffId);
  assert.equal(copy.tarSize, first.tarSize);
  assert.equal(copy.size, first.size);
});

test('store: web streams (Uint8Array chunks) are accepted', async (t) => {
  const { store } = tempStore(t);
  const tar = tarOf(tarEntry({ name: 'w' }, 'web'));
  const web = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(tar.subarray(0, 700)));
      c.enqueue(new Uint8Array(tar.subarray(700)));
      c.close();
    },
  });
  const layer = await store.unpack(Readable.fromWeb(web as import('node:stream/web').ReadableStream));
  assert.equal(readFileSync(join(store.diffDir(layer.cacheId), 'w'), 'utf8'), 'web');
});
