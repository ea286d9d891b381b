import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { test } from 'node:test';
import { backingFilesystem } from './fs-magic.ts';

test('the backing filesystem is named from the statfs magic, as dockerd names it', () => {
  const magic = statfsSync('/proc').type;
  assert.equal(magic, 0x9fa0, '/proc is procfs');
  assert.equal(backingFilesystem('/proc'), '<unknown>', 'a filesystem dockerd has no name for');
  if (statfsSync('/dev/shm').type === 0x01021994) assert.equal(backingFilesystem('/dev/shm'), 'tmpfs');
  assert.equal(backingFilesystem('/no/such/path'), '<unknown>');
});
