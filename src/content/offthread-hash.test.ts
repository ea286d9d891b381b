import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { bulkHash, OffThreadHash } from './offthread-hash.ts';

test('OffThreadHash: digests match node:crypto across batch boundaries, several at once', async () => {
  const data = randomBytes((3 << 20) + 12345);
  const expect = (alg: string, b: Buffer) => createHash(alg).update(b).digest('hex');
  const a = new OffThreadHash('sha256');
  const b = new OffThreadHash('sha512');
  for (let off = 0; off < data.length; off += 70_001) {
    a.update(data.subarray(off, off + 70_001));
    b.update(data.subarray(off, off + 70_001));
  }
  const empty = bulkHash();
  assert.deepEqual(await Promise.all([a.digest(), b.digest(), empty.digest()]),
    [expect('sha256', data), expect('sha512', data), expect('sha256', Buffer.alloc(0))]);
  assert.throws(() => a.update(data), /already finished/);
});

test('OffThreadHash: the caller\'s chunks stay usable, and a discarded hash can not be finished', async () => {
  const chunk = Buffer.from('still mine');
  const h = new OffThreadHash();
  h.update(chunk);
  assert.equal(chunk.toString(), 'still mine');
  h.discard();
  assert.throws(() => h.digest(), /already finished/);
  // the worker keeps serving others
  assert.equal(await new OffThreadHash().update(chunk).digest(), createHash('sha256').update(chunk).digest('hex'));
});
