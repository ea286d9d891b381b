import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerRecord } from '../../core/containers/types.ts';
import { containerSummary } from './containers.ts';
import { SummaryCache } from './summary-cache.ts';

function record(id: string, name: string): ContainerRecord {
  return {
    id, name, image: 'busybox', imageId: 'sha256:abc', path: 'sh', args: ['-c', 'echo a b'], created: '2026-01-01T00:00:00.000Z',
    config: { Labels: { a: '"Status":"x"' } }, hostConfig: { NetworkMode: 'none' }, mountPoints: [],
    state: { Status: 'exited', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 3, Error: '',
      StartedAt: '2026-01-01T00:00:01.000Z', FinishedAt: new Date(Date.now() - 5000).toISOString() },
  } as unknown as ContainerRecord;
}

test('summary cache: same JSON as a fresh summary, Status always fresh, new revision rebuilt', () => {
  const cache = new SummaryCache();
  const c = record('a'.repeat(64), '/one');
  let views = 0;
  const view = () => { views++; return undefined; };
  const first = JSON.parse(cache.body([{ rec: c, revision: '1', view }], true).toString()) as Record<string, unknown>[];
  assert.deepEqual(first, [containerSummary(c)]);
  assert.deepEqual(Object.keys(first[0]), Object.keys(containerSummary(c)), 'Docker key order');
  assert.match(String(first[0].Status), /^Exited \(3\) 5 seconds ago$/);
  // same revision: nothing rebuilt, but the status follows the clock
  c.state.FinishedAt = new Date(Date.now() - 60_000).toISOString();
  const again = JSON.parse(cache.body([{ rec: c, revision: '1', view }], true).toString()) as Record<string, unknown>[];
  assert.equal(views, 1);
  assert.match(String(again[0].Status), /^Exited \(3\) About a minute ago$/);
  // a new revision shows the change
  c.name = '/two';
  const renamed = JSON.parse(cache.body([{ rec: c, revision: '2', view }], true).toString()) as Record<string, unknown>[];
  assert.equal(views, 2);
  assert.deepEqual(renamed[0].Names, ['/two']);
  assert.deepEqual(renamed, [containerSummary(c)]);
});

test('summary cache: a complete listing drops containers that are gone, a filtered one keeps them', () => {
  const cache = new SummaryCache();
  const a = record('a'.repeat(64), '/a');
  const b = record('b'.repeat(64), '/b');
  const item = (rec: ContainerRecord) => ({ rec, revision: '1', view: () => undefined });
  assert.equal(JSON.parse(cache.body([item(a), item(b)], true).toString()).length, 2);
  assert.equal(cache.size, 2);
  cache.body([item(a)], false);
  assert.equal(cache.size, 2);
  assert.equal(cache.body([], true).toString(), '[]');
  assert.equal(cache.size, 0);
});

test('summary cache: the body is the JSON of the summaries, with multi-byte text and one item', () => {
  const cache = new SummaryCache();
  const items = Array.from({ length: 7 }, (_, i) => ({ rec: record(String(i).repeat(64), `/c${i}`), revision: '1', view: () => undefined }));
  items[3].rec.config.Labels = { 'é': 'ünïcode ☃' };
  const body = cache.body(items, true);
  assert.deepEqual(JSON.parse(body.toString()), items.map((x) => containerSummary(x.rec)));
  assert.equal(body.length, Buffer.byteLength(JSON.stringify(items.map((x) => containerSummary(x.rec)))), 'no slack at the end');
  assert.deepEqual(JSON.parse(cache.body(items.slice(0, 1), true).toString()), [containerSummary(items[0].rec)]);
});
