import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ContainerRecord } from '../core/containers/types.ts';
import { MetadataDb } from '../metadata/db.ts';
import { ContainerDb } from './store.ts';

const rec = (id: string, name: string, created: string): ContainerRecord =>
  ({ id: id.repeat(64), name, imageId: 'sha256:x', created, config: {}, hostConfig: {}, state: {} } as unknown as ContainerRecord);

test('container db: all() is newest first, follows inserts and deletes, and hands out copies', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cdb-'));
  const m = new MetadataDb(join(dir, 'meta.db'));
  t.after(() => { m.close(); rmSync(dir, { recursive: true, force: true }); });
  const db = new ContainerDb(m);
  db.insert(rec('b', '/b', '2026-01-01T00:00:02.000Z'));
  db.insert(rec('a', '/a', '2026-01-01T00:00:01.000Z'));
  const names = (): string[] => db.all().map((c) => c.name);
  assert.deepEqual(names(), ['/b', '/a']);
  db.all().pop(); // the caller's copy
  assert.deepEqual(names(), ['/b', '/a']);
  db.insert(rec('c', '/c', '2026-01-01T00:00:03.000Z'));
  assert.deepEqual(names(), ['/c', '/b', '/a']);
  db.delete('b'.repeat(64));
  assert.deepEqual(names(), ['/c', '/a']);
  // times as Go writes them (trailing zeros dropped) sort by value: .1 is before .12, though not as text
  db.insert(rec('d', '/d', '2026-01-01T00:00:03.12Z'));
  db.insert(rec('e', '/e', '2026-01-01T00:00:03.1Z'));
  assert.deepEqual(names(), ['/d', '/e', '/c', '/a'], 'one inserted out of order sorts again');
  // a reopened db reads the same order back
  assert.deepEqual(new ContainerDb(m).all().map((c) => c.name), ['/d', '/e', '/c', '/a']);
});
