import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { resolveImage } from './resolve.ts';
import { addImage, harness, type Harness } from './test-helpers.ts';

const notFound = (msg: string) => (e: unknown): boolean => {
  assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${String(e)}`);
  assert.equal(e.message, msg);
  return true;
};

/** Two images whose IDs start with the same hex character. */
async function twoWithSharedPrefix(h: Harness): Promise<[string, string]> {
  const seen = new Map<string, string>();
  for (let i = 0; ; i++) {
    const { id } = await addImage(h, { layers: [], comment: `n${i}` });
    const c = id[7];
    const other = seen.get(c);
    if (other) return [other, id];
    seen.set(c, id);
  }
}

test('resolve: full ID, present and missing', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['a'] });
  assert.deepEqual(resolveImage(h.db, img.id), { id: img.id });
  const missing = `sha256:${'0'.repeat(64)}`;
  assert.throws(() => resolveImage(h.db, missing), notFound(`No such image: ${missing}`));
});

test('resolve: names, with the default tag and in every spelling', async (t) => {
  const h = await harness(t);
  const latest = await addImage(h, { layers: ['a'], tags: ['busybox:latest'], comment: '1' });
  const one = await addImage(h, { layers: ['a'], tags: ['busybox:1', 'localhost:5000/org/app:v2'], comment: '2' });
  const ref = 'docker.io/library/busybox:latest';
  assert.deepEqual(resolveImage(h.db, 'busybox'), { id: latest.id, ref });
  assert.deepEqual(resolveImage(h.db, 'busybox:latest'), { id: latest.id, ref });
  assert.deepEqual(resolveImage(h.db, 'library/busybox'), { id: latest.id, ref });
  assert.deepEqual(resolveImage(h.db, 'docker.io/library/busybox'), { id: latest.id, ref });
  assert.deepEqual(resolveImage(h.db, 'index.docker.io/library/busybox:1'), { id: one.id, ref: 'docker.io/library/busybox:1' });
  assert.deepEqual(resolveImage(h.db, 'localhost:5000/org/app:v2'), { id: one.id, ref: 'localhost:5000/org/app:v2' });
  assert.throws(() => resolveImage(h.db, 'localhost:5000/org/app'), notFound('No such image: localhost:5000/org/app:latest'));
});

test('resolve: digest references', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['a'] });
  const digest = `sha256:${'d'.repeat(64)}`;
  h.db.tx(() => h.db.setRef(`docker.io/library/busybox@${digest}`, img.id, 'digest'));
  assert.deepEqual(resolveImage(h.db, `busybox@${digest}`), { id: img.id, ref: `docker.io/library/busybox@${digest}` });
  const other = `sha256:${'e'.repeat(64)}`;
  assert.throws(() => resolveImage(h.db, `busybox@${other}`), notFound(`No such image: busybox@${other}`));
});

test('resolve: ID prefixes, with or without sha256:', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['a'] });
  const hex = img.id.slice(7);
  for (const p of [hex.slice(0, 1), hex.slice(0, 5), hex.slice(0, 12), hex, `sha256:${hex.slice(0, 8)}`]) {
    assert.deepEqual(resolveImage(h.db, p), { id: img.id }, p);
  }
});

test('resolve: an ambiguous ID prefix is not found', async (t) => {
  const h = await harness(t);
  const [a, b] = await twoWithSharedPrefix(h);
  const c = a[7];
  assert.throws(() => resolveImage(h.db, c), notFound(`No such image: ${c}:latest`));
  // a longer prefix that tells them apart works
  let n = 1;
  while (a.slice(7, 7 + n) === b.slice(7, 7 + n)) n++;
  assert.deepEqual(resolveImage(h.db, a.slice(7, 7 + n)), { id: a });
});

test('resolve: a name wins over an ID prefix', async (t) => {
  const h = await harness(t);
  const y = await addImage(h, { layers: ['y'], comment: 'y' });
  const x = await addImage(h, { layers: ['x'], comment: 'x' });
  const name = y.id.slice(7, 11);
  await h.svc.tag(x.id, name, 'latest');
  assert.deepEqual(resolveImage(h.db, name), { id: x.id, ref: `docker.io/library/${name}:latest` });
  assert.deepEqual(resolveImage(h.db, y.id.slice(7, 12)), { id: y.id });
});

test('resolve: missing names report the name with its default tag', async (t) => {
  const h = await harness(t);
  await addImage(h, { layers: ['a'], tags: ['busybox:latest'] });
  assert.throws(() => resolveImage(h.db, 'x'), notFound('No such image: x:latest'));
  assert.throws(() => resolveImage(h.db, 'x:1'), notFound('No such image: x:1'));
  assert.throws(() => resolveImage(h.db, 'busybox:2'), notFound('No such image: busybox:2'));
  await assert.rejects(h.svc.get('nothing'), notFound('No such image: nothing:latest'));
});

test('resolve: an invalid reference is an invalid-parameter error, as in dockerd', async (t) => {
  const h = await harness(t);
  assert.throws(() => resolveImage(h.db, 'Not_Valid'), (e: unknown) => e instanceof InvalidParameterError
    && e.message === 'invalid reference format: repository name (library/Not_Valid) must be lowercase');
});
