import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nowNs, nowRfc3339Nano, rfc3339Nano, rfc3339NanoFixed, timeNs, timestampNs } from './time.ts';

test("rfc3339Nano is Go's RFC3339Nano in UTC: trailing zeros dropped", () => {
  assert.equal(rfc3339Nano(1_700_000_000_123_456_789n), '2023-11-14T22:13:20.123456789Z');
  assert.equal(rfc3339Nano(1_700_000_000_000_000_001n), '2023-11-14T22:13:20.000000001Z');
  assert.equal(rfc3339Nano(1_700_000_000_500_000_000n), '2023-11-14T22:13:20.5Z');
  assert.equal(rfc3339Nano(1_700_000_000_120_000_000n), '2023-11-14T22:13:20.12Z');
  assert.equal(rfc3339Nano(1_700_000_000_000_000_000n), '2023-11-14T22:13:20Z');
});

test('rfc3339NanoFixed always has nine digits', () => {
  assert.equal(rfc3339NanoFixed(1_700_000_000_500_000_000n), '2023-11-14T22:13:20.500000000Z');
  assert.equal(rfc3339NanoFixed(1_700_000_000_000_000_000n), '2023-11-14T22:13:20.000000000Z');
});

test('timeNs reads any number of fraction digits and zones, and orders times the strings would not', () => {
  assert.equal(timeNs('2023-11-14T22:13:20.5Z'), 1_700_000_000_500_000_000n);
  assert.equal(timeNs('2023-11-14T22:13:20Z'), 1_700_000_000_000_000_000n);
  assert.equal(timeNs('2023-11-14T22:13:20.123Z'), 1_700_000_000_123_000_000n);
  assert.equal(timeNs('2023-11-14T23:13:20.000000007+01:00'), 1_700_000_000_000_000_007n);
  assert.equal(timeNs('yesterday'), null);
  // "…20.1Z" is before "…20.12Z", though it sorts after it as a string
  assert.ok(timeNs('2023-11-14T22:13:20.1Z')! < timeNs('2023-11-14T22:13:20.12Z')!);
});

test('now: nanoseconds that advance, near the wall clock', () => {
  const a = nowNs();
  const b = nowNs();
  assert.ok(b >= a);
  assert.ok(Math.abs(Number(a / 1_000_000n) - Date.now()) < 1000);
  assert.match(nowRfc3339Nano(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
});

test('timestampNs: dockerd ParseTimestamps for SECONDS.FRACTION, RFC3339 to the nanosecond, the rest through the fallback', () => {
  const none = (): number => { throw new Error('no fallback expected'); };
  assert.equal(timestampNs('1700000000', none), 1_700_000_000_000_000_000n);
  assert.equal(timestampNs('1700000000.123456789', none), 1_700_000_000_123_456_789n);
  assert.equal(timestampNs('1700000000.5', none), 1_700_000_000_500_000_000n);
  assert.equal(timestampNs('1700000000.1234567891', none), 1_700_000_000_123_456_789n);
  assert.equal(timestampNs('2023-11-14T22:13:20.000000001Z', none), 1_700_000_000_000_000_001n);
  assert.equal(timestampNs('10m', () => 1_000), 1_000_000_000n);
});
