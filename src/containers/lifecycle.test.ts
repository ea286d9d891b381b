import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextBackoff } from './lifecycle.ts';

describe('restart back-off', () => {
  it('starts at 100 ms, doubles up to a minute, and starts over after a run of 10 s', () => {
    const seq: number[] = [];
    let t = 0;
    for (let i = 0; i < 12; i++) seq.push((t = nextBackoff(t, 50)));
    assert.deepEqual(seq, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
    assert.equal(nextBackoff(60000, 9_999), 60000);
    assert.equal(nextBackoff(60000, 10_000), 100);
  });
});
