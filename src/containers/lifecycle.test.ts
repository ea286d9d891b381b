import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import { Lifecycle, type LifecycleDeps } from './lifecycle.ts';
import { nextBackoff } from './restart-manager.ts';

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

describe('kill', () => {
  const setup = (killError: Error | null) => {
    const events: string[] = [];
    const c = { id: 'c1', name: '/c1', image: 'busybox', config: { Labels: {} }, hostConfig: {}, state: { Running: true, Paused: false, Restarting: false }, hasBeenManuallyStopped: false } as unknown as ContainerRecord;
    const life = new Lifecycle({
      db: { save: () => undefined, byId: () => c } as unknown as LifecycleDeps['db'],
      runtime: { kill: async () => { if (killError) throw killError; }, resume: async () => undefined } as unknown as LifecycleDeps['runtime'],
      events: { publish: (_t, action, _id, attrs) => events.push(`${action} ${attrs?.signal ?? ''}`) },
      layersRoot: '/nonexistent', lowerDirs: async () => '', remove: async () => undefined, log: { warn: () => undefined, info: () => undefined },
    });
    return { c, life, events };
  };
  it('a process that has just ended (its exit not handled yet) is no error, and the kill event is sent, as dockerd', async () => {
    const { c, life, events } = setup(new ConflictError('container c1 is not running'));
    await life.kill(c, 9);
    assert.deepEqual(events, ['kill 9']);
    assert.equal(c.hasBeenManuallyStopped, true);
  });
  it('other runtime failures stay errors', async () => {
    const { c, life, events } = setup(new Error('runc exploded'));
    await assert.rejects(life.kill(c, 15), /runc exploded/);
    assert.deepEqual(events, []);
  });
  it('a restarting container gets no signal: its restart is cancelled, it stays down with its last exit code', async () => {
    const { c, life, events } = setup(new Error('must not be signalled'));
    Object.assign(c.state, { Restarting: true, Status: 'restarting', ExitCode: 5 });
    await life.kill(c, 9);
    assert.deepEqual(events, []);
    assert.equal(c.state.Status, 'exited');
    assert.equal(c.state.Running, false);
    assert.equal(c.state.ExitCode, 5);
  });
});
