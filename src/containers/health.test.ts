import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthInterval } from './health.ts';

const s = 1e9;
describe('health check interval (dockerd 25+)', () => {
  it('probes at the start interval while starting within the start period, else at the interval', () => {
    const hc = { Interval: 60 * s, StartPeriod: 30 * s };
    assert.equal(healthInterval(hc, 'starting', 0), 5_000);
    assert.equal(healthInterval({ ...hc, StartInterval: 2 * s }, 'starting', 1_000), 2_000);
    assert.equal(healthInterval(hc, 'healthy', 1_000), 60_000, 'healthy already: the interval');
    assert.equal(healthInterval(hc, 'starting', 30_000), 60_000, 'start period over');
    assert.equal(healthInterval({ Interval: 60 * s }, 'starting', 0), 60_000, 'no start period: the interval from the first probe');
    assert.equal(healthInterval(undefined, 'starting', 0), 30_000);
  });
});
