import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { parseFilters } from '../core/filters.ts';
import { chainIds } from './chain.ts';
import { IMAGE_LIST_FILTERS } from './filter.ts';
import { IMAGE_PRUNE_FILTERS } from './remove.ts';
import { addImage, harness, settle, type Harness } from './test-helpers.ts';

const listFilters = (f: Record<string, string[]>) => parseFilters(JSON.stringify(f), IMAGE_LIST_FILTERS);
const pruneFilters = (f: Record<string, string[]>) => parseFilters(JSON.stringify(f), IMAGE_PRUNE_FILTERS);

async function ids(h: Harness, f: Record<string, string[]>, all = false): Promise<string[]> {
  return (await h.svc.list({ all, filters: listFilters(f) })).map((r) => r.id);
}

/** old (day 1, tagged busybox + alpine), mid (day 2, untagged, labelled), young (day 3, tagged app). */
async function three(h: Harness) {
  const old = await addImage(h, { layers: ['o'], day: 1, tags: ['busybox:1.36', 'busybox:latest', 'alpine:3'], labels: { tier: 'base' } });
  const mid = await addImage(h, { layers: ['m'], day: 2, labels: { tier: 'app', extra: '' } });
  const young = await addImage(h, { layers: ['y'], day: 3, tags: ['localhost:5000/team/app:v1'], labels: { tier: 'app' } });
  return { old: old.id, mid: mid.id, young: young.id };
}

test('list: newest first; dangling=true/false', async (t) => {
  const h = await harness(t);
  const { old, mid, young } = await three(h);
  assert.deepEqual(await ids(h, {}), [young, mid, old]);
  assert.deepEqual(await ids(h, { dangling: ['true'] }), [mid]);
  assert.deepEqual(await ids(h, { dangling: ['false'] }), [young, old]);
});

test('list: reference filter returns only images with a matching tag, and only those tags', async (t) => {
  const h = await harness(t);
  const { old, young } = await three(h);
  const byRef = async (p: string[]) => (await h.svc.list({ all: false, filters: listFilters({ reference: p }) })).map((r) => [r.id, r.repoTags]);
  assert.deepEqual(await byRef(['busybox']), [[old, ['docker.io/library/busybox:1.36', 'docker.io/library/busybox:latest']]]);
  assert.deepEqual(await byRef(['busybox:1.*']), [[old, ['docker.io/library/busybox:1.36']]]);
  assert.deepEqual(await byRef(['alpine', 'busybox:latest']), [[old, ['docker.io/library/alpine:3', 'docker.io/library/busybox:latest']]]);
  assert.deepEqual(await byRef(['localhost:5000/*/app']), [[young, ['localhost:5000/team/app:v1']]]);
  assert.deepEqual(await byRef(['nothing*']), []);
  // an image known only by digest matches by its name, and keeps only its matching references
  const digest = `sha256:${'d'.repeat(64)}`;
  h.db.setRef(`docker.io/library/redis@${digest}`, young, 'digest');
  const withDigests = async (p: string[]) => (await h.svc.list({ all: false, filters: listFilters({ reference: p }) })).map((r) => [r.id, r.repoTags, r.repoDigests]);
  assert.deepEqual(await withDigests(['redis']), [[young, [], [`docker.io/library/redis@${digest}`]]]);
  assert.deepEqual(await withDigests(['redis:7']), []);
  assert.deepEqual(await withDigests(['*/team/app']), [[young, ['localhost:5000/team/app:v1'], []]]);
});

test('list: label filters; label! is no list filter (dockerd 28 with its own image store)', async (t) => {
  const h = await harness(t);
  const { old, mid, young } = await three(h);
  assert.deepEqual(await ids(h, { label: ['tier=app'] }), [young, mid]);
  assert.deepEqual(await ids(h, { label: ['tier'] }), [young, mid, old]);
  assert.deepEqual(await ids(h, { label: ['extra'] }), [mid]);
  assert.deepEqual(await ids(h, { label: ['tier=app', 'extra'] }), [mid]);
  assert.throws(() => listFilters({ 'label!': ['extra'] }), (e: unknown) => e instanceof InvalidParameterError && e.message === "invalid filter 'label!'");
});

test('list: before/since another image, and until', async (t) => {
  const h = await harness(t);
  const { old, mid, young } = await three(h);
  assert.deepEqual(await ids(h, { before: ['localhost:5000/team/app:v1'] }), [mid, old]);
  assert.deepEqual(await ids(h, { since: ['busybox'] }), [young, mid]);
  assert.deepEqual(await ids(h, { since: [old.slice(7, 19)], before: [young] }), [mid]);
  assert.deepEqual(await ids(h, { until: ['2024-01-03T00:00:00Z'] }), [old]);
  await assert.rejects(ids(h, { before: ['nope'] }), (e: unknown) => e instanceof NotFoundError && e.message === 'No such image: nope:latest');
});

test('list: untagged parents are hidden unless all', async (t) => {
  const h = await harness(t);
  const parent = await addImage(h, { layers: ['p'], day: 1 });
  const child = await addImage(h, { layers: ['p', 'c'], day: 2, parent: parent.id, tags: ['child:1'] });
  assert.deepEqual(await ids(h, {}), [child.id]);
  assert.deepEqual(await ids(h, {}, true), [child.id, parent.id]);
});

test('list: dangling=true leaves out intermediate images with children', async (t) => {
  const h = await harness(t);
  const parent = await addImage(h, { layers: ['p'], day: 1 });
  await addImage(h, { layers: ['p', 'c'], day: 2, parent: parent.id, tags: ['child:1'] });
  assert.deepEqual(await ids(h, { dangling: ['true'] }), []);
});

test('prune: dangling images only by default; the space of released layers is reported', async (t) => {
  const h = await harness(t);
  const tagged = await addImage(h, { layers: ['base', 'top-a'], tags: ['keep:1'] });
  const dangling = await addImage(h, { layers: ['base', 'dangling-top'] });
  const res = await h.svc.prune({ filters: pruneFilters({}) });
  assert.deepEqual(res.ImagesDeleted, [{ Deleted: dangling.id }, { Deleted: chainIds(dangling.diffIds)[1] }]);
  assert.equal(res.SpaceReclaimed, 'dangling-top'.length, 'the shared base layer stays');
  assert.ok(h.db.get(tagged.id));
  assert.equal(h.db.get(dangling.id), undefined);
  await settle();
  assert.ok(h.layers.removed.includes(dangling.cacheIds[1]));
  assert.ok(!h.layers.removed.includes(tagged.cacheIds[0]));
});

test('prune dangling=false removes unused tagged images and keeps used ones and parents of kept children', async (t) => {
  const h = await harness(t);
  const used = await addImage(h, { layers: ['u'], tags: ['used:1'] });
  const unused = await addImage(h, { layers: ['n'], tags: ['unused:1', 'unused:2'] });
  const parent = await addImage(h, { layers: ['p'] });
  const child = await addImage(h, { layers: ['p', 'c'], parent: parent.id, tags: ['child:1'] });
  h.usage.use(used.id, 'a'.repeat(64), false);
  h.usage.use(child.id, 'b'.repeat(64), true);
  const res = await h.svc.prune({ filters: pruneFilters({ dangling: ['false'] }) });
  assert.deepEqual(res.ImagesDeleted, [{ Untagged: 'unused:1' }, { Untagged: 'unused:2' }, { Deleted: unused.id }, { Deleted: unused.diffIds[0] }]);
  assert.equal(res.SpaceReclaimed, 1);
  assert.ok(h.db.get(used.id));
  assert.ok(h.db.get(parent.id));
  assert.ok(h.db.get(child.id));
});

test('prune: label filters', async (t) => {
  const h = await harness(t);
  const a = await addImage(h, { layers: ['a'], labels: { env: 'dev' } });
  const b = await addImage(h, { layers: ['b'], labels: { env: 'prod' } });
  const res = await h.svc.prune({ filters: pruneFilters({ 'label!': ['env=prod'] }) });
  assert.deepEqual(res.ImagesDeleted, [{ Deleted: a.id }, { Deleted: a.diffIds[0] }]);
  assert.ok(h.db.get(b.id));
  const res2 = await h.svc.prune({ filters: pruneFilters({ label: ['env=prod'] }) });
  assert.deepEqual(res2.ImagesDeleted, [{ Deleted: b.id }, { Deleted: b.diffIds[0] }]);
  assert.equal(h.db.all().length, 0);
});

test('prune publishes untag and delete events and one prune event', async (t) => {
  const h = await harness(t);
  await addImage(h, { layers: ['x'], tags: ['gone:1'] });
  h.events.length = 0;
  await h.svc.prune({ filters: pruneFilters({ dangling: ['false'] }) });
  assert.deepEqual(h.events.map((e) => e.Action), ['untag', 'delete', 'prune']);
  assert.equal(h.events[2].Actor.Attributes.reclaimed, '1');
});

test('list: dangling and until values as dockerd reads them', async (t) => {
  const h = await harness(t);
  await three(h);
  const invalid = (msg: string) => (e: unknown): boolean => e instanceof InvalidParameterError && e.message === msg;
  await assert.rejects(ids(h, { dangling: ['TRUE'] }), invalid("invalid filter 'dangling=[TRUE]'"));
  await assert.rejects(ids(h, { dangling: ['yes'] }), invalid("invalid filter 'dangling=[yes]'"));
  await assert.rejects(ids(h, { dangling: ['true', 'false'] }), invalid("invalid filter 'dangling=[true false]'"));
  await assert.rejects(ids(h, { until: ['2000-13-01'] }), invalid('parsing time "2000-13-01": month out of range'));
});

test('list: before/since/until compare creation times below the second', async (t) => {
  const h = await harness(t);
  const a = await addImage(h, { layers: ['a'], created: '2024-01-01T00:00:00.100Z', tags: ['a:1'] });
  const b = await addImage(h, { layers: ['b'], created: '2024-01-01T00:00:00.200Z', tags: ['b:1'] });
  const c = await addImage(h, { layers: ['c'], created: '2024-01-01T00:00:00.300Z', tags: ['c:1'] });
  const sorted = async (f: Record<string, string[]>) => (await ids(h, f)).sort();
  assert.deepEqual(await sorted({ since: ['a:1'] }), [b.id, c.id].sort());
  assert.deepEqual(await sorted({ before: ['c:1'] }), [a.id, b.id].sort());
  assert.deepEqual(await sorted({ since: ['a:1', 'b:1'] }), [c.id], 'the newest of several since');
  assert.deepEqual(await sorted({ before: ['c:1', 'b:1'] }), [a.id], 'the oldest of several before');
  assert.deepEqual(await sorted({ until: ['2024-01-01T00:00:00.25Z'] }), [a.id, b.id].sort());
});

test('list: dangling=false keeps an image known only by digest; a tagged pattern finds digests of its repository', async (t) => {
  const h = await harness(t);
  const img = await addImage(h, { layers: ['r'] });
  h.db.setRef(`docker.io/library/redis@sha256:${'e'.repeat(64)}`, img.id, 'digest');
  assert.deepEqual(await ids(h, { dangling: ['false'] }), [img.id]);
  assert.deepEqual(await ids(h, { dangling: ['true'] }), [img.id], 'no tag: dangling too, as dockerd shows it');
  const refs = async (p: string[]) => (await h.svc.list({ all: false, filters: listFilters({ reference: p }) })).map((r) => r.repoDigests);
  assert.deepEqual(await refs(['redis:7']), [], 'every pattern tagged and no tag matched: the digest is left out');
  assert.deepEqual(await refs(['redis:7', 'redis']), [[`docker.io/library/redis@sha256:${'e'.repeat(64)}`]]);
});

test('prune -a: an unused image with children is untagged; the rest of its tags go when a container uses it', async (t) => {
  const h = await harness(t);
  const base = await addImage(h, { layers: ['p'], tags: ['base:1'] });
  const child = await addImage(h, { layers: ['p', 'c'], parent: base.id, tags: ['child:1'] });
  const used = await addImage(h, { layers: ['u'], tags: ['used:1', 'used:2'] });
  h.usage.use(used.id, 'a'.repeat(64), true);
  const res = await h.svc.prune({ filters: pruneFilters({ dangling: ['false'] }) });
  const untagged = res.ImagesDeleted.flatMap((d) => d.Untagged ?? []).sort();
  assert.deepEqual(untagged, ['base:1', 'child:1', 'used:1'], 'the last tag of a used image stays (rmi conflict)');
  assert.equal(h.db.get(child.id), undefined);
  assert.equal(h.db.get(base.id), undefined, 'gone once its child is');
  assert.deepEqual(h.db.get(used.id)?.refs.map((r) => r.name), ['docker.io/library/used:2']);
});

test('prune: filter values as dockerd reads them', async (t) => {
  const h = await harness(t);
  const invalid = (msg: string) => (e: unknown): boolean => e instanceof InvalidParameterError && e.message === msg;
  await assert.rejects(h.svc.prune({ filters: pruneFilters({ dangling: ['maybe'] }) }), invalid("invalid filter 'dangling=[maybe]'"));
  await assert.rejects(h.svc.prune({ filters: pruneFilters({ until: ['1h', '2h'] }) }), invalid('more than one until filter specified'));
  await assert.rejects(h.svc.prune({ filters: pruneFilters({ until: ['2000-01-01T25:00'] }) }), invalid('parsing time "2000-01-01T25:00": hour out of range'));
});

test('prune: label! leaves out only images with all of its labels', async (t) => {
  const h = await harness(t);
  const a = await addImage(h, { layers: ['a'], labels: { env: 'dev' } });
  const b = await addImage(h, { layers: ['b'], labels: { env: 'dev', keep: '1' } });
  await h.svc.prune({ filters: pruneFilters({ 'label!': ['env=dev', 'keep'] }) });
  assert.equal(h.db.get(a.id), undefined);
  assert.ok(h.db.get(b.id));
});
