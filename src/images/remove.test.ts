import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { chainIds, shortId } from './chain.ts';
import { addImage, harness, settle, tagsOf } from './test-helpers.ts';

const NO = { force: false, noprune: false };
const FORCE = { force: true, noprune: false };
const conflict = (msg: string) => (e: unknown): boolean => {
  assert.ok(e instanceof ConflictError, `expected a ConflictError, got ${String(e)}`);
  assert.equal(e.message, msg);
  return true;
};

test('rmi: untagging one of several tags keeps the image', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['base'], tags: ['busybox:latest', 'busybox:1.36', 'mine:v1'] });
  assert.deepEqual(await h.svc.remove('busybox:1.36', NO), [{ Untagged: 'busybox:1.36' }]);
  assert.deepEqual(tagsOf(h, img.id), ['docker.io/library/busybox:latest', 'docker.io/library/mine:v1']);
  assert.deepEqual(await h.svc.remove('mine:v1', NO), [{ Untagged: 'mine:v1' }]);
  assert.equal((await h.svc.get(img.id)).id, img.id);
  await settle();
  assert.deepEqual(h.layers.removed, []);
});

test('rmi: the last tag deletes the image and its layers; default tag latest', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['l0', 'l1'], tags: ['app:latest'] });
  const chain = chainIds(img.diffIds);
  assert.deepEqual(await h.svc.remove('app', NO), [
    { Untagged: 'app:latest' }, { Deleted: img.id }, { Deleted: chain[1] }, { Deleted: chain[0] },
  ]);
  await assert.rejects(h.svc.get(img.id), NotFoundError);
  assert.equal(await h.content.has(img.id), false, 'config blob deleted');
  await settle();
  assert.deepEqual(h.layers.removed.sort(), [...img.cacheIds].sort());
});

test('rmi: by ID prefix with one tag and a digest in one repository untags all and deletes', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['only'], tags: ['busybox:latest'] });
  const digestRef = `docker.io/library/busybox@sha256:${'d'.repeat(64)}`;
  h.db.tx(() => h.db.setRef(digestRef, img.id, 'digest'));
  const out = await h.svc.remove(img.id.slice(7, 17), NO);
  assert.deepEqual(out, [
    { Untagged: 'busybox:latest' }, { Untagged: `busybox@sha256:${'d'.repeat(64)}` }, { Deleted: img.id }, { Deleted: img.diffIds[0] },
  ]);
  assert.equal(h.db.get(img.id), undefined);
});

test('rmi: by ID with two tags of one repository is a must-be-forced conflict, like dockerd', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'], tags: ['busybox:a', 'busybox:b'] });
  await assert.rejects(h.svc.remove(img.id, NO),
    conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`));
});

test('rmi: by ID with tags in two repositories must be forced; -f untags all and deletes', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'], tags: ['busybox:latest', 'other/app:1'] });
  await assert.rejects(h.svc.remove(img.id, NO),
    conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`));
  assert.equal(tagsOf(h, img.id).length, 2, 'nothing untagged by the failed attempt');
  const out = await h.svc.remove(shortId(img.id), FORCE);
  assert.deepEqual(out, [{ Untagged: 'busybox:latest' }, { Untagged: 'other/app:1' }, { Deleted: img.id }, { Deleted: img.diffIds[0] }]);
});

test('rmi: a stopped container blocks deletion by ID unless forced', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'], tags: ['busybox:latest'] });
  const cid = 'f'.repeat(64);
  h.usage.use(img.id, cid, false);
  await assert.rejects(h.svc.remove(img.id, NO),
    conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is being used by stopped container ${cid.slice(0, 12)}`));
  assert.deepEqual(tagsOf(h, img.id), ['docker.io/library/busybox:latest']);
  const out = await h.svc.remove(img.id, FORCE);
  assert.deepEqual(out.map((r) => Object.keys(r)[0]), ['Untagged', 'Deleted', 'Deleted']);
});

test('rmi: a running container blocks deletion even with -f', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'], tags: ['busybox:latest'] });
  const cid = 'e'.repeat(64);
  h.usage.use(img.id, cid, true);
  const msg = `conflict: unable to delete ${shortId(img.id)} (cannot be forced) - image is being used by running container ${cid.slice(0, 12)}`;
  await assert.rejects(h.svc.remove(img.id, NO), conflict(msg));
  await assert.rejects(h.svc.remove(img.id, FORCE), conflict(msg));
  assert.deepEqual(tagsOf(h, img.id), ['docker.io/library/busybox:latest']);
});

test('rmi: removing the only reference of an image a container uses must be forced', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'], tags: ['busybox:latest'] });
  const cid = 'c'.repeat(64);
  h.usage.use(img.id, cid, false);
  await assert.rejects(h.svc.remove('busybox', NO), conflict(
    `conflict: unable to remove repository reference "busybox" (must force) - container ${cid.slice(0, 12)} is using its referenced image ${shortId(img.id)}`));
  assert.deepEqual(tagsOf(h, img.id), ['docker.io/library/busybox:latest']);
  // with another repository's tag the reference can go
  await h.svc.tag(img.id, 'keep', 'me');
  assert.deepEqual(await h.svc.remove('busybox', NO), [{ Untagged: 'busybox:latest' }]);
  // -f on the last reference with a stopped container deletes the image (dockerd: soft conflict)
  const out = await h.svc.remove('keep:me', FORCE);
  assert.deepEqual(out, [{ Untagged: 'keep:me' }, { Deleted: img.id }, { Deleted: img.diffIds[0] }]);
});

test('rmi: a reference can go while another tag of the same repository remains, even with a container', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'], tags: ['busybox:a', 'busybox:b'] });
  h.usage.use(img.id, 'c'.repeat(64), false);
  assert.deepEqual(await h.svc.remove('busybox:a', NO), [{ Untagged: 'busybox:a' }]);
});

test('rmi -f of the last tag with a running container only untags (dockerd deletes quietly)', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'], tags: ['busybox:latest'] });
  h.usage.use(img.id, 'e'.repeat(64), true);
  assert.deepEqual(await h.svc.remove('busybox', FORCE), [{ Untagged: 'busybox:latest' }]);
  assert.ok(h.db.get(img.id), 'image kept, now dangling');
});

test('rmi of the last tag of an image with children only untags it', async (t) => {
  const h = await harness(t);
  const parent = await addImage(h, { layers: ['p'], tags: ['base:latest'] });
  await addImage(h, { layers: ['p', 'c'], parent: parent.id });
  assert.deepEqual(await h.svc.remove('base', NO), [{ Untagged: 'base:latest' }]);
  assert.ok(h.db.get(parent.id));
});

test('rmi: images with children cannot be deleted; deleting the child prunes untagged parents', async (t) => {
  const h = await harness(t);
  const parent = await addImage(h, { layers: ['p'] });
  const child = await addImage(h, { layers: ['p', 'c'], parent: parent.id, tags: ['child:latest'] });
  const msg = `conflict: unable to delete ${shortId(parent.id)} (cannot be forced) - image has dependent child images`;
  await assert.rejects(h.svc.remove(parent.id, NO), conflict(msg));
  await assert.rejects(h.svc.remove(parent.id, FORCE), conflict(msg));
  const chain = chainIds(child.diffIds);
  assert.deepEqual(await h.svc.remove('child', NO), [
    { Untagged: 'child:latest' }, { Deleted: child.id }, { Deleted: chain[1] }, { Deleted: parent.id }, { Deleted: chain[0] },
  ]);
});

test('rmi --no-prune keeps the untagged parent', async (t) => {
  const h = await harness(t);
  const parent = await addImage(h, { layers: ['p'] });
  const child = await addImage(h, { layers: ['p', 'c'], parent: parent.id });
  const out = await h.svc.remove(child.id, { force: false, noprune: true });
  assert.deepEqual(out, [{ Deleted: child.id }, { Deleted: chainIds(child.diffIds)[1] }]);
  assert.ok(h.db.get(parent.id));
});

test('rmi: a layer shared with another image is kept and not removed from disk', async (t) => {
  const h = await harness(t);
  const a = await addImage(h, { layers: ['shared-base', 'only-a'], tags: ['a:1'] });
  const b = await addImage(h, { layers: ['shared-base', 'only-b'], tags: ['b:1'] });
  const [base, aTop] = chainIds(a.diffIds);
  const bTop = chainIds(b.diffIds)[1];
  // b's copy of the base layer was a duplicate unpack: discarded at registration
  assert.deepEqual(h.layers.removed, [b.cacheIds[0]]);
  h.layers.removed.length = 0;
  assert.deepEqual(await h.svc.remove('a:1', NO), [{ Untagged: 'a:1' }, { Deleted: a.id }, { Deleted: aTop }]);
  await settle();
  assert.deepEqual(h.layers.removed, [a.cacheIds[1]]);
  assert.ok(h.db.getLayer(base), 'base layer still recorded');
  assert.deepEqual(await h.svc.remove('b:1', NO), [{ Untagged: 'b:1' }, { Deleted: b.id }, { Deleted: bTop }, { Deleted: base }]);
  await settle();
  assert.deepEqual(h.layers.removed, [a.cacheIds[1], b.cacheIds[1], a.cacheIds[0]]);
  assert.equal(h.db.allCacheIds().size, 0);
});

test('rmi: an image whose whole chain another image uses deletes no layers', async (t) => {
  const h = await harness(t);
  const a = await addImage(h, { layers: ['l'], tags: ['a:1'], comment: 'a' });
  const b = await addImage(h, { layers: ['l'], tags: ['b:1'], comment: 'b' });
  assert.notEqual(a.id, b.id);
  const removedBefore = [...h.layers.removed];
  assert.deepEqual(await h.svc.remove('a:1', NO), [{ Untagged: 'a:1' }, { Deleted: a.id }]);
  await settle();
  assert.deepEqual(h.layers.removed, removedBefore);
  assert.ok(h.db.getLayer(b.diffIds[0]));
});

test('rmi: events untag then delete, with the image ID as actor', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['x'], tags: ['busybox:latest'] });
  h.events.length = 0;
  await h.svc.remove('busybox', NO);
  assert.deepEqual(h.events.map((e) => [e.Type, e.Action, e.Actor.ID]), [['image', 'untag', img.id], ['image', 'delete', img.id]]);
});
