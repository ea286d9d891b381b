import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { InvalidParameterError } from '../core/errors.ts';
import { FileFeed } from '../core/layers/file-feed.ts';
import { sha256, tarEntry, tarOf, tempDir, tempStore } from './test-helpers.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Append `bytes` to the feed's file in steps, announcing each, then end. */
async function feedInSteps(feed: FileFeed, bytes: Buffer, step: number): Promise<void> {
  for (let off = 0; off < bytes.length; off += step) {
    appendFileSync(feed.path, bytes.subarray(off, off + step));
    feed.grow(Math.min(off + step, bytes.length));
    await tick();
  }
  feed.end();
}

test('unpackFile: a gzip layer written while the worker reads behind unpacks like unpack()', async (t) => {
  const { store, dir } = tempStore(t);
  const big = Buffer.alloc(3 << 20, 7);
  const tar = tarOf(tarEntry({ name: 'etc/', type: '5', mode: 0o755 }), tarEntry({ name: 'etc/hello' }, 'hi\n'), tarEntry({ name: 'big.bin' }, big));
  const gz = gzipSync(tar);
  const feed = new FileFeed(join(dir, 'blob'));
  writeFileSync(feed.path, '');
  const [layer] = await Promise.all([store.unpackFile(feed), feedInSteps(feed, gz, 300 * 1024)]);
  assert.equal(layer.diffId, sha256(tar));
  assert.equal(layer.tarSize, tar.length);
  assert.equal(layer.compressed, undefined, 'the writer checks the compressed bytes');
  assert.equal(readFileSync(join(store.diffDir(layer.cacheId), 'etc/hello'), 'utf8'), 'hi\n');
  assert.equal(readFileSync(join(store.diffDir(layer.cacheId), 'big.bin')).length, big.length);
  // the original tar is reproducible from the unpacked files
  const chunks: Buffer[] = [];
  for await (const c of store.tarStream(layer.cacheId)) chunks.push(c as Buffer);
  assert.equal(sha256(Buffer.concat(chunks)), sha256(tar));
});

test('unpackFile: a plain tar gives its digest as diffId', async (t) => {
  const { store, dir } = tempStore(t);
  const tar = tarOf(tarEntry({ name: 'a' }, 'a'));
  const feed = new FileFeed(join(dir, 'blob'));
  writeFileSync(feed.path, tar);
  feed.grow(tar.length);
  feed.end();
  const layer = await store.unpackFile(feed);
  assert.equal(layer.diffId, sha256(tar));
  assert.equal(layer.compressed, undefined);
});

test('unpackFile: a failed feed, an abort or corrupt bytes reject and leave no layer directory', async (t) => {
  const { store, dir } = tempStore(t);
  const gz = gzipSync(tarOf(tarEntry({ name: 'x' }, Buffer.alloc(1 << 20, 1))));
  const staged = () => readdirSync(store.root).filter((n) => n !== 'l');

  const failing = new FileFeed(join(dir, 'f1'));
  writeFileSync(failing.path, gz.subarray(0, 1000));
  failing.grow(1000);
  const p1 = store.unpackFile(failing);
  await tick();
  failing.fail(new InvalidParameterError('the download broke'));
  await assert.rejects(p1, (e: Error) => e instanceof InvalidParameterError && /the download broke/.test(e.message));

  const idle = new FileFeed(join(dir, 'f2'));
  writeFileSync(idle.path, '');
  const ac = new AbortController();
  const p2 = store.unpackFile(idle, { signal: ac.signal });
  await tick();
  ac.abort(new Error('cancelled by the client'));
  await assert.rejects(p2, /cancelled by the client/);

  const corrupt = Buffer.from(gz);
  corrupt.fill(0x55, 100, 400);
  const bad = new FileFeed(join(dir, 'f3'));
  writeFileSync(bad.path, corrupt);
  bad.grow(corrupt.length);
  bad.end();
  await assert.rejects(store.unpackFile(bad), (e: Error) => e instanceof InvalidParameterError && /invalid gzip layer data/.test(e.message));

  assert.deepEqual(staged(), []);
  assert.ok(existsSync(bad.path), 'the feed file is the caller\'s: left in place');
});

test('unpackFile: several layers at once on the pool', async (t) => {
  const { store, dir } = tempStore(t);
  const tars = Array.from({ length: 5 }, (_, i) => tarOf(tarEntry({ name: `f${i}` }, Buffer.alloc(200_000 + i, i))));
  const layers = await Promise.all(tars.map(async (tar, i) => {
    const feed = new FileFeed(join(tempDir(t), `b${i}`));
    writeFileSync(feed.path, '');
    const [l] = await Promise.all([store.unpackFile(feed), feedInSteps(feed, gzipSync(tar), 64 * 1024)]);
    return l;
  }));
  assert.deepEqual(layers.map((l) => l.diffId), tars.map(sha256));
  assert.equal(new Set(layers.map((l) => l.cacheId)).size, 5);
  void dir;
});
