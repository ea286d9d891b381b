import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { chainIds } from './chain.ts';
import { addImage, harness, sha256, tagsOf } from './test-helpers.ts';

test('register: stores the config, layers bottom-up with parents, and the image row', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['l0', 'l11', 'l222'], day: 3, labels: { a: '1' } });
  assert.equal(img.isNew, true);
  const chain = chainIds(img.diffIds);
  assert.deepEqual(h.layers.commits, [[img.cacheIds[0], null], [img.cacheIds[1], img.cacheIds[0]], [img.cacheIds[2], img.cacheIds[1]]]);
  assert.equal(img.id, sha256(await h.content.read(img.id)), 'image ID is the digest of the stored config');
  const rec = await h.svc.get(img.id);
  assert.equal(rec.created, Date.UTC(2024, 0, 4) / 1000);
  assert.equal(rec.size, 2 + 3 + 4);
  assert.equal(rec.topChain, chain[2]);
  assert.equal(rec.parent, '');
  assert.deepEqual(rec.config.config?.Labels, { a: '1' });
  assert.deepEqual(rec.repoTags, []);
  assert.deepEqual((await h.svc.layersOf(rec)).map((l) => [l.chainId, l.parent, l.cacheId]),
    [[chain[0], null, img.cacheIds[0]], [chain[1], chain[0], img.cacheIds[1]], [chain[2], chain[1], img.cacheIds[2]]]);
  assert.equal(await h.svc.layersSize(), 9);
});

test('register: the same config again is not new and adds nothing', async (t) => {
  const h = await harness(t);
  const a = await addImage(h, { layers: ['x'] });
  const b = await addImage(h, { layers: ['x'] });
  assert.equal(b.id, a.id);
  assert.equal(b.isNew, false);
  assert.deepEqual(h.layers.removed, [b.cacheIds[0]], 'the second unpack of the layer is discarded');
  assert.equal(h.db.all().length, 1);
  assert.deepEqual([...h.db.allCacheIds()], [a.cacheIds[0]]);
});

test('register: layers must match the config', async (t) => {
  const h = await harness(t);
  const l = await h.layers.unpack(Readable.from([Buffer.from('real')]));
  const cfg = (diffIds: string[]): Buffer => Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
  const wrong = sha256('other');
  await assert.rejects(h.svc.registrar.register(cfg([wrong]), [l]), (e: unknown) => e instanceof InvalidParameterError
    && e.message === `invalid diffID for layer 0: expected "${wrong}", got "${l.diffId}"`);
  await assert.rejects(h.svc.registrar.register(cfg([l.diffId, l.diffId]), [l]),
    (e: unknown) => e instanceof InvalidParameterError && e.message === 'invalid image: config lists 2 layers, 1 given');
  const invalidConfig = (msg: RegExp) => (e: unknown): boolean => e instanceof InvalidParameterError && msg.test(e.message);
  await assert.rejects(h.svc.registrar.register(Buffer.from('{"rootfs":{}}'), []), invalidConfig(/^invalid image config: missing rootfs.diff_ids$/));
  await assert.rejects(h.svc.registrar.register(cfg(['sha256:xyz']), [l]), invalidConfig(/^invalid image config: bad diff_id "sha256:xyz"$/));
  await assert.rejects(h.svc.registrar.register(Buffer.from('not json'), []), invalidConfig(/^invalid image config: /));
  assert.equal(h.db.all().length, 0);
  // the queue keeps working after failures
  assert.equal((await h.svc.registrar.register(cfg([l.diffId]), [l])).isNew, true);
});

test('tag: names are normalised, default tag latest, and an event is published', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'] });
  h.events.length = 0;
  await h.svc.tag(img.id, 'busybox', '');
  await h.svc.tag(img.id.slice(7, 15), 'localhost:5000/org/app', 'v1');
  await h.svc.tag('busybox', 'user/repo', '2');
  assert.deepEqual(tagsOf(h, img.id), ['docker.io/library/busybox:latest', 'docker.io/user/repo:2', 'localhost:5000/org/app:v1']);
  assert.deepEqual(h.events.map((e) => [e.Type, e.Action, e.Actor.ID, e.Actor.Attributes.name]), [
    ['image', 'tag', img.id, 'busybox:latest'],
    ['image', 'tag', img.id, 'localhost:5000/org/app:v1'],
    ['image', 'tag', img.id, 'user/repo:2'],
  ]);
  const rec = await h.svc.get('user/repo:2');
  assert.deepEqual(rec.repoTags, ['docker.io/library/busybox:latest', 'docker.io/user/repo:2', 'localhost:5000/org/app:v1']);
  assert.ok(rec.metadata.lastTagTime && !Number.isNaN(Date.parse(rec.metadata.lastTagTime)));
});

test('tag: moving a tag to another image', async (t) => {
  const h = await harness(t);
  const a = await addImage(h, { layers: ['a'], tags: ['app:latest'] });
  const b = await addImage(h, { layers: ['b'] });
  await h.svc.tag(b.id, 'app', 'latest');
  assert.deepEqual(tagsOf(h, a.id), []);
  assert.equal((await h.svc.get('app')).id, b.id);
});

test('tag: errors', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['a'] });
  await assert.rejects(h.svc.tag('missing', 'x', 'y'), (e: unknown) => e instanceof NotFoundError && e.message === 'No such image: missing:latest');
  await assert.rejects(h.svc.tag(img.id, 'Upper', 'x'), InvalidParameterError);
  await assert.rejects(h.svc.tag(img.id, 'x', 'bad tag'), InvalidParameterError);
  await assert.rejects(h.svc.tag(img.id, `x@sha256:${'a'.repeat(64)}`, ''),
    (e: unknown) => e instanceof InvalidParameterError && e.message === 'refusing to create a tag with a digest reference');
  assert.deepEqual(tagsOf(h, img.id), []);
});

test('graphDriverData: overlay2 directories, topmost first; null without layers', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['a', 'b', 'c'] });
  const [c0, c1, c2] = img.cacheIds;
  assert.deepEqual(await h.svc.graphDriverData(await h.svc.get(img.id)), {
    LowerDir: `/layers/${c1}/diff:/layers/${c0}/diff`,
    MergedDir: `/layers/${c2}/merged`,
    UpperDir: `/layers/${c2}/diff`,
    WorkDir: `/layers/${c2}/work`,
  });
  const one = await addImage(h, { layers: ['solo'] });
  assert.equal((await h.svc.graphDriverData(await h.svc.get(one.id)))?.LowerDir, undefined);
  const empty = await addImage(h, { layers: [] });
  assert.equal(await h.svc.graphDriverData(await h.svc.get(empty.id)), null);
});

test('recover: LayerFiles.cleanup keeps exactly the recorded layers', async (t) => {
  const h = await harness(t);
  const a = await addImage(h, { layers: ['a', 'b'] });
  await h.layers.unpack(Readable.from([Buffer.from('orphan')]));
  const removed = await h.svc.recover();
  assert.deepEqual([...h.layers.cleanups[0]].sort(), [...a.cacheIds].sort());
  assert.deepEqual(removed, ['cache0003']);
});

test('containerCounts comes from ImageUsage', async (t) => {
  const h = await harness(t);
  h.usage.use('sha256:x', 'c1', true);
  h.usage.use('sha256:x', 'c2', false);
  assert.deepEqual([...(await h.svc.containerCounts())], [['sha256:x', 2]]);
});
