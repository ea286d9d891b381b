import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureWorkdir } from './workdir.ts';

test('workdir: made inside the root, through the image\'s symlinks, never outside', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'berth-wd-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'rootfs');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  await ensureWorkdir(root, '/app/src');
  assert.ok(statSync(join(root, 'app/src')).isDirectory());
  // an absolute link is the container's path: /work -> <root>/srv/work, not the host's
  symlinkSync(outside, join(root, 'work'));
  await ensureWorkdir(root, '/work/x');
  assert.ok(statSync(join(root, outside, 'x')).isDirectory());
  assert.ok(!existsSync(join(outside, 'x')), 'nothing made on the host');
  // a relative link that climbs stops at the root
  symlinkSync('../../../../../../..', join(root, 'up'));
  await ensureWorkdir(root, '/up/y');
  assert.ok(statSync(join(root, 'y')).isDirectory());
  await assert.rejects(ensureWorkdir(root, '/etc/passwd'), { message: 'Cannot mkdir: /etc/passwd is not a directory' });
  await ensureWorkdir(root, '/');
  await ensureWorkdir(root, '');
});
