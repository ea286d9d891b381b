import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { goPathError, validateDestination } from './images-transfer.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-save-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('save -o destinations: docker atomicwriter messages', () => {
  assert.doesNotThrow(() => validateDestination(join(dir, 'new.tar')));
  writeFileSync(join(dir, 'old.tar'), 'x');
  assert.doesNotThrow(() => validateDestination(join(dir, 'old.tar')));
  assert.throws(() => validateDestination('/nonexistent-dir/x.tar'), { message: 'invalid output path: stat /nonexistent-dir: no such file or directory' });
  assert.throws(() => validateDestination(join(dir, 'old.tar', 'x')), { message: `invalid output path: stat ${join(dir, 'old.tar')}: not a directory` });
  assert.throws(() => validateDestination(dir), { message: 'cannot write to a directory' });
  assert.throws(() => validateDestination('/dev/null'), { message: 'cannot write to a character device file' });
  symlinkSync(join(dir, 'old.tar'), join(dir, 'link.tar'));
  assert.throws(() => validateDestination(join(dir, 'link.tar')), { message: 'cannot write to a symbolic link directly' });
});

test('fs errors read like Go path errors', () => {
  assert.equal(goPathError('open', '/x', Object.assign(new Error('ENOENT'), { code: 'ENOENT' })).message, 'open /x: no such file or directory');
});
