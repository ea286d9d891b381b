import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { adaptiveGzip } from './compress.ts';

function chunks(b: Buffer, size = 1 << 16): Readable {
  return Readable.from((function* () { for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size); })());
}

test('adaptive gzip round-trips mixed data, compressing text and storing random bytes', async () => {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(300_000));
  const random = randomBytes(20 << 20);
  const input = Buffer.concat([text, random, text]);
  const out = await buffer(chunks(input).pipe(adaptiveGzip()));
  assert.ok(gunzipSync(out).equals(input));
  // text compresses well; random stays about its size (stored blocks), never much bigger
  assert.ok(out.length < random.length * 1.01 + text.length * 2 * 0.2, `size ${out.length}`);
  assert.ok(out.length > random.length * 0.99);
});

test('adaptive gzip of empty input is a valid empty gzip', async () => {
  const out = await buffer(Readable.from([]).pipe(adaptiveGzip()));
  assert.equal(gunzipSync(out).length, 0);
});

test('stored blocks frame data in pieces of at most 65535 bytes', async () => {
  const { storedBlocks } = await import('./compress.ts');
  const parts = storedBlocks(Buffer.alloc(70_000, 1));
  assert.equal(parts.length, 4);
  assert.deepEqual([...parts[0]], [0, 0xff, 0xff, 0, 0]);
  assert.equal(parts[3].length, 70_000 - 65535);
});
