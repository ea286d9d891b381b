import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { directorySize } from './dir-size.ts';

test('directorySize counts files and link targets; exclude leaves entries and subtrees out', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-dirsize-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'etc/sub'), { recursive: true });
  writeFileSync(join(dir, 'a'), '12345');
  writeFileSync(join(dir, 'etc/sub/b'), '123');
  symlinkSync('/proc/mounts', join(dir, 'etc/mtab'));
  assert.equal(await directorySize(dir), 5 + 3 + 12);
  const seen: string[] = [];
  const size = await directorySize(dir, async (rel) => {
    seen.push(rel.toString());
    return rel.toString() === 'etc/mtab' || rel.toString() === 'etc/sub';
  });
  assert.equal(size, 5);
  assert.deepEqual(seen.sort(), ['a', 'etc', 'etc/mtab', 'etc/sub']);
});
