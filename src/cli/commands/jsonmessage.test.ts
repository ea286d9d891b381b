import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { JsonStreamError } from '../client/errors.ts';
import { displayJsonStream, displayMessage, JsonMessageWriter, progressString } from './jsonmessage.ts';
import { sink } from './test-helpers.ts';

test('plain output: status lines, stream text as is, progress hidden', () => {
  assert.equal(displayMessage({ status: 'sha256:abc' }, false, 200), 'sha256:abc\n');
  assert.equal(displayMessage({ stream: 'Loaded image: busybox:latest\n' }, false, 200), 'Loaded image: busybox:latest\n');
  assert.equal(displayMessage({ id: 'abc', status: 'Downloading', progressDetail: { current: 5, total: 10 } }, false, 200), '');
  assert.equal(displayMessage({ id: 'abc', status: 'Pull complete', progressDetail: {} }, false, 200), 'abc: Pull complete\n');
});

test('progress strings like JSONProgress.String()', () => {
  assert.equal(progressString({ current: 1_000_000, total: 4_000_000 }, 80), '     1MB/4MB');
  assert.equal(progressString({ current: 2_000_000, total: 4_000_000 }, 120), `[${'='.repeat(25)}>${' '.repeat(25)}]      2MB/4MB`);
  assert.equal(progressString({ current: 3, total: 0, units: 'items' }, 80), '3 items');
  assert.equal(progressString({}, 80), '');
});

test('terminal output redraws a line per id', () => {
  const out = sink();
  const w = new JsonMessageWriter(out, true, 80);
  w.write({ id: 'l1', status: 'Loading layer', progressDetail: { current: 1, total: 2 } });
  w.write({ id: 'l1', status: 'Loading layer', progressDetail: { current: 2, total: 2 } });
  assert.equal(out.text(), '\n\x1b[1A\x1b[2K\rl1: Loading layer       1B/2B\r\x1b[1B\x1b[1A\x1b[2K\rl1: Loading layer       2B/2B\r\x1b[1B');
});

test('an error message ends the stream with its text', async () => {
  const body = Readable.from(['{"status":"one"}\n{"errorDetail":{"message":"invalid image archive"},"error":"invalid image archive"}\n']);
  const out = sink();
  await assert.rejects(displayJsonStream(body, new JsonMessageWriter(out, false)), (e: unknown) => e instanceof JsonStreamError && e.message === 'invalid image archive');
  assert.equal(out.text(), 'one\n');
});

test('multi-byte characters split across chunks survive', async () => {
  const bytes = Buffer.from('{"stream":"héllo\\n"}\n');
  const out = sink();
  await displayJsonStream(Readable.from([bytes.subarray(0, 13), bytes.subarray(13)]), new JsonMessageWriter(out, false));
  assert.equal(out.text(), 'héllo\n');
});
