import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameterError } from './errors.ts';
import { goParseTime, goTimestamp, pruneUntil } from './go-time.ts';

const err = (msg: string) => (e: unknown): boolean => e instanceof InvalidParameterError && e.message === msg;

test('goTimestamp: durations are whole seconds before now; "0" is the epoch', () => {
  const now = 1_700_000_000_700;
  assert.equal(goTimestamp('1h', now), 1_699_996_400_000);
  assert.equal(goTimestamp('1m30s', now), 1_699_999_910_000);
  assert.equal(goTimestamp('0', now), 0);
});

test('goTimestamp: unix seconds with a fraction', () => {
  assert.equal(goTimestamp('1700000000'), 1_700_000_000_000);
  assert.equal(goTimestamp('1700000000.5'), 1_700_000_000_500);
  assert.equal(goTimestamp('1700000000.000000001'), 1_700_000_000_000.000001);
});

test('goTimestamp: dates and times, in UTC, local time or with an offset', () => {
  const utcNow = Date.UTC(2026, 0, 1);
  const local = -new Date(utcNow).getTimezoneOffset() * 60_000;
  assert.equal(goTimestamp('2024-01-02', utcNow), Date.UTC(2024, 0, 2) - local);
  assert.equal(goTimestamp('2024-01-02T03', utcNow), Date.UTC(2024, 0, 2, 3) - local);
  assert.equal(goTimestamp('2024-01-02T03:04', utcNow), Date.UTC(2024, 0, 2, 3, 4) - local);
  assert.equal(goTimestamp('2024-01-02T03:04:05', utcNow), Date.UTC(2024, 0, 2, 3, 4, 5) - local);
  assert.equal(goTimestamp('2024-01-02T03:04:05Z'), Date.UTC(2024, 0, 2, 3, 4, 5));
  assert.equal(goTimestamp('2024-01-02T03:04:05.25Z'), Date.UTC(2024, 0, 2, 3, 4, 5, 250));
  assert.equal(goTimestamp('2024-01-02T03:04:05+02:00'), Date.UTC(2024, 0, 2, 1, 4, 5));
  assert.equal(goTimestamp('2024-01-02T03:04+02:00'), Date.UTC(2024, 0, 2, 1, 4));
  assert.equal(goTimestamp('2024-01-02+01:00'), Date.UTC(2024, 0, 1, 23));
  assert.equal(goTimestamp('2024-01-02Z'), Date.UTC(2024, 0, 2));
});

test('goTimestamp: Go time.Parse errors for values with a dash, docker\'s text for others', () => {
  assert.throws(() => goTimestamp('2000-13-01'), err('parsing time "2000-13-01": month out of range'));
  assert.throws(() => goTimestamp('2000-02-30'), err('parsing time "2000-02-30": day out of range'));
  assert.throws(() => goTimestamp('2000-01-01T25:00'), err('parsing time "2000-01-01T25:00": hour out of range'));
  assert.throws(() => goTimestamp('2000-01-01T10:61'), err('parsing time "2000-01-01T10:61": minute out of range'));
  assert.throws(() => goTimestamp('2000-1-01'), err('parsing time "2000-1-01" as "2006-01-02": cannot parse "1-01" as "01"'));
  assert.throws(() => goTimestamp('2000-01-01x'), err('parsing time "2000-01-01x": extra text: "x"'));
  assert.throws(() => goTimestamp('20x0-01-01'), err('parsing time "20x0-01-01" as "2006-01-02": cannot parse "20x0-01-01" as "2006"'));
  assert.throws(() => goTimestamp('2000/01/01-'), err('parsing time "2000/01/01-" as "2006-01-02": cannot parse "/01/01-" as "-"'));
  assert.throws(() => goTimestamp('garbage'), err('failed to parse value as time or duration: "garbage"'));
  assert.throws(() => goTimestamp(''), err('failed to parse value as time or duration: ""'));
});

test('goParseTime: a leap day, and a fraction the layout does not name', () => {
  assert.equal(goParseTime('2006-01-02', '2024-02-29'), Date.UTC(2024, 1, 29));
  assert.equal(goParseTime('2006-01-02T15:04:05Z07:00', '2024-01-02T03:04:05.5Z'), Date.UTC(2024, 0, 2, 3, 4, 5, 500));
});

test('pruneUntil: absent, one value, or the error for more than one', () => {
  assert.equal(pruneUntil(new Map()), undefined);
  assert.equal(pruneUntil(new Map([['until', ['1700000000']]])), 1_700_000_000_000);
  assert.throws(() => pruneUntil(new Map([['until', ['1h', '2h']]])), err('more than one until filter specified'));
});
