import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerRecord } from '../core/containers/types.ts';
import { restartsAtDaemonStart } from './recovery.ts';

const rec = (policy: string, o: { started?: boolean; manual?: boolean; exit?: number; running?: boolean; count?: number; max?: number } = {}): ContainerRecord => ({
  hostConfig: { RestartPolicy: { Name: policy, MaximumRetryCount: o.max ?? 0 } },
  state: { Running: !!o.running, ExitCode: o.exit ?? 0 },
  hasBeenStarted: o.started ?? true, hasBeenManuallyStopped: !!o.manual, restartCount: o.count ?? 0,
} as unknown as ContainerRecord);

describe('restart policies at daemon start (dockerd restore)', () => {
  it('always comes back even after a manual stop; unless-stopped does not', () => {
    assert.equal(restartsAtDaemonStart(rec('always', { manual: true, exit: 137 })), true);
    assert.equal(restartsAtDaemonStart(rec('unless-stopped', { manual: true, exit: 137 })), false);
    assert.equal(restartsAtDaemonStart(rec('unless-stopped', { exit: 143 })), true);
  });
  it('never a container that never ran, nor one running, nor policy no', () => {
    assert.equal(restartsAtDaemonStart(rec('always', { started: false })), false);
    assert.equal(restartsAtDaemonStart(rec('unless-stopped', { started: false })), false);
    assert.equal(restartsAtDaemonStart(rec('always', { running: true })), false);
    assert.equal(restartsAtDaemonStart(rec('no', { exit: 1 })), false);
  });
  it('on-failure by the last exit code and the restarts left', () => {
    assert.equal(restartsAtDaemonStart(rec('on-failure', { exit: 0 })), false);
    assert.equal(restartsAtDaemonStart(rec('on-failure', { exit: 1, manual: true })), true);
    assert.equal(restartsAtDaemonStart(rec('on-failure', { exit: 1, count: 2, max: 2 })), false);
    assert.equal(restartsAtDaemonStart(rec('on-failure', { exit: 1, count: 1, max: 2 })), true);
  });
});
