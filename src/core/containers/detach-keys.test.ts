import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detachKeyBytes } from './detach-keys.ts';

test('detachKeyBytes: moby/term ToBytes', () => {
  assert.deepEqual(detachKeyBytes('ctrl-p,ctrl-q'), Buffer.from([16, 17]));
  assert.deepEqual(detachKeyBytes('ctrl-@,ctrl-a,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_'), Buffer.from([0, 1, 27, 28, 29, 30, 31]));
  assert.deepEqual(detachKeyBytes('a,DEL,Z'), Buffer.from([97, 127, 90]));
  for (const bad of ['bogus', 'ctrl-p,', 'ctrl-P', 'ctrl-1', '', 'é', 'del', 'ctrl-pq']) assert.equal(detachKeyBytes(bad), null, bad);
});
