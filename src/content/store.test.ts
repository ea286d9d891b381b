import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { FsContentStore } from './store.ts';

async function tempStore(t: TestContext): Promise<{ store: FsContentStore; root: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-content-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'content');
  const store = new FsContentStore(root);
  await store.init();
  return { store, root };
}

const digestOf = (data: Buffer | string, alg = 'sha256'): string => `${alg}:${createHash(alg).update(data).digest('hex')}`;
const ls = (dir: string): string[] => readdirSync(dir).sort();

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const isInvalid = (e: unknown): boolean => e instanceof InvalidParameterError && /^invalid digest: /.test(e.message);

test('content: put, has, read, size, stream, list, delete', async (t) => {
  const { store, root } = await tempStore(t);
  const data = Buffer.from('hello world');
  const d = digestOf(data);
  assert.equal(await store.has(d), false);
  assert.equal(await store.put(data), d);
  assert.equal(await store.has(d), true);
  assert.deepEqual(await store.read(d), data);
  assert.equal(await store.size(d), data.length);
  assert.deepEqual(await collect(store.stream(d)), data);
  assert.deepEqual(await collect(store.stream(d, { start: 6 })), Buffer.from('world'));
  assert.equal(store.path(d), join(root, 'blobs', 'sha256', d.slice(7)));
  assert.equal(await store.put(data, d), d, 'put of existing content is fine');
  assert.deepEqual(await store.list(), [d]);
  await store.delete(d);
  assert.equal(await store.has(d), false);
  assert.deepEqual(await store.list(), []);
  await store.delete(d); // missing is not an error
  await assert.rejects(store.read(d), (e: unknown) => e instanceof NotFoundError && e.message === `content ${d}: not found`);
  assert.deepEqual(ls(join(root, 'ingest')), []);
});

test('content: sha512 content via an expected digest', async (t) => {
  const { store, root } = await tempStore(t);
  const data = Buffer.from('five hundred and twelve');
  const d = digestOf(data, 'sha512');
  assert.equal(await store.put(data, d), d);
  assert.deepEqual(await store.read(d), data);
  assert.ok(existsSync(join(root, 'blobs', 'sha512', d.slice(7))));
  const streamed = Buffer.from('streamed sha512');
  const w = await store.write(Readable.from(chunks(streamed, 4)), digestOf(streamed, 'sha512'));
  assert.deepEqual(w, { digest: digestOf(streamed, 'sha512'), size: streamed.length });
  assert.deepEqual((await store.list()).sort(), [d, w.digest].sort());
});

test('content: put with a wrong expected digest stores nothing', async (t) => {
  const { store, root } = await tempStore(t);
  const wrong = digestOf('something else');
  await assert.rejects(store.put(Buffer.from('data'), wrong),
    (e: unknown) => e instanceof InvalidParameterError && e.message === `digest mismatch: expected ${wrong}, got ${digestOf('data')}`);
  assert.deepEqual(ls(join(root, 'blobs', 'sha256')), []);
  assert.deepEqual(ls(join(root, 'ingest')), []);
  assert.equal(await store.has(digestOf('data')), false);
});

test('content: streaming write with and without an expected digest', async (t) => {
  const { store, root } = await tempStore(t);
  const data = Buffer.alloc(3 << 20, 7);
  data.write('unique-prefix');
  const d = digestOf(data);
  assert.deepEqual(await store.write(Readable.from(chunks(data, 65536)), d), { digest: d, size: data.length });
  assert.deepEqual(await store.read(d), data);
  const other = Buffer.from('no expectation');
  assert.deepEqual(await store.write(Readable.from([other])), { digest: digestOf(other), size: other.length });
  assert.deepEqual(ls(join(root, 'ingest')), []);
});

test('content: streaming write with a wrong digest leaves nothing behind', async (t) => {
  const { store, root } = await tempStore(t);
  const wrong = digestOf('expected');
  await assert.rejects(store.write(Readable.from([Buffer.from('actual bytes')]), wrong),
    (e: unknown) => e instanceof InvalidParameterError && e.message.startsWith(`digest mismatch: expected ${wrong}, got sha256:`));
  assert.deepEqual(ls(join(root, 'blobs', 'sha256')), []);
  assert.deepEqual(ls(join(root, 'ingest')), []);
});

test('content: a failing or aborted input stream leaves nothing behind', async (t) => {
  const { store, root } = await tempStore(t);
  const failing = Readable.from((async function* () {
    yield Buffer.from('partial');
    throw new Error('source broke');
  })());
  await assert.rejects(store.write(failing), /source broke/);
  const ac = new AbortController();
  const slow = Readable.from((async function* () {
    yield Buffer.from('a');
    ac.abort();
    yield Buffer.from('b');
  })());
  await assert.rejects(store.write(slow, undefined, { signal: ac.signal }), (e: unknown) => (e as Error).name === 'AbortError');
  assert.deepEqual(ls(join(root, 'blobs', 'sha256')), []);
  assert.deepEqual(ls(join(root, 'ingest')), []);
});

test('content: invalid digest strings are rejected, so no path can escape the store', async (t) => {
  const { store, root } = await tempStore(t);
  const outside = join(root, '..', 'x');
  writeFileSync(outside, 'outside');
  const bad = [
    'sha256:../../x', 'sha256:../x', '../x', 'sha256:', 'sha256', '', 'md5:d41d8cd98f00b204e9800998ecf8427e',
    `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, `sha256:${'a'.repeat(65)}`, `sha512:${'a'.repeat(64)}`,
    `sha256:${'a'.repeat(64)}/..`, ` sha256:${'a'.repeat(64)}`, `sha256:${'a'.repeat(64)}\n`,
  ];
  for (const d of bad) {
    assert.throws(() => store.path(d), isInvalid, JSON.stringify(d));
    assert.equal(await store.has(d), false, JSON.stringify(d));
    await assert.rejects(store.read(d), isInvalid, JSON.stringify(d));
    await assert.rejects(store.size(d), isInvalid);
    await assert.rejects(store.delete(d), isInvalid);
    assert.throws(() => store.stream(d), isInvalid);
    await assert.rejects(store.put(Buffer.from('x'), d), isInvalid);
    await assert.rejects(store.write(Readable.from([Buffer.from('x')]), d), isInvalid);
  }
  assert.ok(existsSync(outside), 'nothing outside the store was touched');
  assert.deepEqual(ls(join(root, 'blobs', 'sha256')), []);
  assert.deepEqual(ls(join(root, 'ingest')), []);
});

test('content: an explicit empty expected digest is invalid; undefined means no check', async (t) => {
  const { store, root } = await tempStore(t);
  await assert.rejects(store.put(Buffer.from('x'), ''), isInvalid);
  await assert.rejects(store.write(Readable.from([Buffer.from('x')]), ''), isInvalid);
  assert.deepEqual(ls(join(root, 'blobs', 'sha256')), []);
  assert.deepEqual(ls(join(root, 'ingest')), []);
  assert.equal(await store.put(Buffer.from('x'), undefined), digestOf('x'));
});

test('content: init() clears ingest leftovers and keeps committed blobs', async (t) => {
  const { store, root } = await tempStore(t);
  const d = await store.put(Buffer.from('kept'));
  writeFileSync(join(root, 'ingest', 'deadbeef'), 'half-written');
  mkdirSync(join(root, 'ingest', 'subdir'));
  writeFileSync(join(root, 'ingest', 'subdir', 'f'), 'x');
  const again = new FsContentStore(root);
  await again.init();
  assert.deepEqual(ls(join(root, 'ingest')), []);
  assert.deepEqual(await again.read(d), Buffer.from('kept'));
  assert.deepEqual(await again.list(), [d]);
});

test('content: list() on a store without blob directories is empty', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-content-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(await new FsContentStore(join(dir, 'none')).list(), []);
});
