import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goDurationString } from './duration.ts';

test('goDurationString is Go\'s time.Duration.String()', () => {
  const cases: [number, string][] = [
    [0, '0s'], [500, '500ns'], [1500, '1.5µs'], [5e8, '500ms'], [1.5e6, '1.5ms'], [1e9, '1s'], [1.5e9, '1.5s'], [3e10, '30s'],
    [9e10, '1m30s'], [3.6e12, '1h0m0s'], [3.6e12 + 5e9, '1h0m5s'], [-2e9, '-2s'],
  ];
  for (const [ns, s] of cases) assert.equal(goDurationString(ns), s, String(ns));
});
