import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLine } from '../core/containers/types.ts';
import { LineJoiner, MESSAGE_SIZE, parseRecord, type LogRecord } from './log-join.ts';

const rec = (time: string, stream: 1 | 2, msg: string, full: boolean): LogRecord => ({ time, stream, msg: Buffer.from(msg), full });
const run = (records: LogRecord[], flush = false): { time: string; stream: number; data: string }[] => {
  const out: LogLine[] = [];
  const j = new LineJoiner();
  for (const r of records) j.push(r, (l) => out.push(l));
  if (flush) j.flush((l) => out.push(l));
  return out.map((l) => ({ time: l.time, stream: l.stream, data: l.data.toString() }));
};

test('parseRecord reads conmon\'s k8s-file lines', () => {
  assert.deepEqual(parseRecord('2026-01-01T00:00:00.1Z stderr F a b'), rec('2026-01-01T00:00:00.1Z', 2, 'a b', true));
  assert.deepEqual(parseRecord('t stdout P '), rec('t', 1, '', false));
  assert.deepEqual(parseRecord('t stdout F'), rec('t', 1, '', true));
  assert.equal(parseRecord('garbage'), null);
});

test('partial records join into one line with the time of its end, per stream', () => {
  assert.deepEqual(run([rec('1', 1, 'abc', false), rec('2', 2, 'q', false), rec('3', 1, 'def', true), rec('4', 2, 'w', true)]), [
    { time: '3', stream: 1, data: 'abcdef\n' },
    { time: '4', stream: 2, data: 'qw\n' },
  ]);
});

test('an unfinished line waits, and comes out as it is on flush', () => {
  assert.deepEqual(run([rec('1', 1, 'a', true), rec('2', 1, 'abc', false)]), [{ time: '1', stream: 1, data: 'a\n' }]);
  assert.deepEqual(run([rec('1', 1, 'a', true), rec('2', 1, 'abc', false)], true), [{ time: '1', stream: 1, data: 'a\n' }, { time: '2', stream: 1, data: 'abc' }]);
});

test('a long line is cut at 16 KiB as dockerd\'s copier does; the pieces share the first cut\'s time', () => {
  const x = 'x'.repeat(8192);
  const out = run([rec('1', 1, x, false), rec('2', 1, x, false), rec('3', 1, 'x'.repeat(100), false), rec('4', 1, '', true), rec('5', 1, 'end', true)]);
  assert.deepEqual(out.map((l) => [l.time, l.data.length]), [['2', MESSAGE_SIZE], ['2', 101], ['5', 4]]);
  assert.ok(out[1].data.endsWith('x\n'));
});
