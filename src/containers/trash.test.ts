import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Trash } from './trash.ts';

function temp(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-trash-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function tree(dir: string, files: number): void {
  mkdirSync(join(dir, 'rw/diff/a/b'), { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(dir, 'rw/diff/a/b', `f${i}`), 'x'.repeat(100));
}

test('trash: a discarded directory is gone from its place at once, and deleted by the time drain resolves', async (t) => {
  const d = temp(t);
  const trash = new Trash(join(d, 'containers/.trash'));
  const c = join(d, 'containers/abc');
  tree(c, 200);
  await trash.discard(c);
  assert.equal(existsSync(c), false);
  await trash.drain();
  assert.deepEqual(readdirSync(trash.dir), []);
  // nothing there: no error, nothing done
  await trash.discard(join(d, 'containers/missing'));
  await trash.drain();
});

test('trash: sweep removes what an earlier daemon left', async (t) => {
  const d = temp(t);
  const dir = join(d, '.trash');
  tree(join(dir, 'old.123.1'), 5);
  writeFileSync(join(dir, 'stray-file'), 'x');
  const trash = new Trash(dir);
  trash.sweep();
  await trash.drain();
  assert.deepEqual(readdirSync(dir), []);
  // a trash directory that does not exist yet is fine
  const fresh = new Trash(join(d, 'none'));
  fresh.sweep();
  await fresh.drain();
});
