import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerRecord, HostConfig } from '../core/containers/types.ts';
import type { UpdateRequest } from '../core/containers/stats-types.ts';
import { NotFoundError, SystemError } from '../core/errors.ts';
import { mergeUpdate, toRuncResources, updateContainer, validateUpdate, type RuncResources, type UpdateDeps } from './update.ts';

const MiB = 1024 * 1024;
const ID = 'cd'.repeat(32);
const cpus = { ncpu: 4, cpusets: (f: 'cpus' | 'mems') => (f === 'cpus' ? { text: '0-3', set: new Set([0, 1, 2, 3]) } : null) };
const host = { ...cpus, blkioWeight: true };

describe('validateUpdate', () => {
  it('uses the create checks, but allows a swap limit alone', () => {
    assert.throws(() => validateUpdate({ Memory: 4 * MiB }, host), { kind: 'invalid-parameter', message: 'Minimum memory limit allowed is 6MB' });
    assert.throws(() => validateUpdate({ Memory: 64 * MiB, MemorySwap: 32 * MiB }, host), /Minimum memoryswap limit should be larger than memory limit/);
    assert.throws(() => validateUpdate({ Memory: 64 * MiB, MemoryReservation: 128 * MiB }, host), /Minimum memory limit can not be less than memory reservation limit/);
    assert.throws(() => validateUpdate({ RestartPolicy: { Name: 'sometimes' } }, host), /invalid restart policy: unknown policy 'sometimes'/);
    assert.throws(() => validateUpdate({ RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } }, host), /maximum retry count can only be used with 'on-failure'/);
    assert.deepEqual(validateUpdate({ MemorySwap: 128 * MiB }, host), []);
    assert.deepEqual(validateUpdate({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } }, host), []);
  });
  it('checks CPU values and types like dockerd', () => {
    assert.throws(() => validateUpdate({ NanoCpus: 5e9 }, host), /Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available/);
    assert.throws(() => validateUpdate({ CpuPeriod: 500 }, host), /CPU cfs period can not be less than 1ms/);
    assert.throws(() => validateUpdate({ CpuQuota: 10 }, host), /CPU cfs quota can not be less than 1ms/);
    assert.throws(() => validateUpdate({ CpusetCpus: '0-7' }, host), /Requested CPUs are not available - requested 0-7, available: 0-3/);
    assert.throws(() => validateUpdate({ CpusetCpus: 'x' }, host), /Invalid value x for cpuset cpus/);
    assert.throws(() => validateUpdate({ Memory: '64m' }, host), /cannot unmarshal "64m" into Go struct field UpdateConfig.Memory/);
    assert.throws(() => validateUpdate({ BlkioWeight: 5 }, host), /Range of blkio weight is from 10 to 1000/);
    assert.deepEqual(validateUpdate({ BlkioWeight: 500 }, { ...cpus, blkioWeight: false }), ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
    // without kernel support the weight is discarded before its range is looked at
    assert.deepEqual(validateUpdate({ BlkioWeight: 5 }, { ...cpus, blkioWeight: false }), ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  });
});

describe('mergeUpdate', () => {
  const base: HostConfig = { NetworkMode: 'bridge', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, CpuShares: 0 };
  it('replaces the values that are set and keeps the rest', () => {
    const out = mergeUpdate({ ...base, CpuShares: 512, Memory: 0 }, { Memory: 64 * MiB, MemorySwap: 128 * MiB, CpuShares: 0, PidsLimit: 50, CpusetCpus: '0', RestartPolicy: { Name: 'always' } });
    assert.equal(out.Memory, 64 * MiB);
    assert.equal(out.MemorySwap, 128 * MiB);
    assert.equal(out.CpuShares, 512);
    assert.equal(out.PidsLimit, 50);
    assert.equal(out.CpusetCpus, '0');
    assert.deepEqual(out.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
    assert.deepEqual(mergeUpdate({ ...base, PidsLimit: 50 }, { PidsLimit: -1 }).PidsLimit, 0);
    assert.deepEqual(mergeUpdate(base, { RestartPolicy: { Name: '' } }).RestartPolicy, base.RestartPolicy);
  });
  it('refuses a memory limit above the swap limit in force', () => {
    const cur = { ...base, Memory: 32 * MiB };
    assert.throws(() => mergeUpdate(cur, { Memory: 100 * MiB }), { kind: 'conflict', message: 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time' });
    // as dockerd: with no swap limit recorded (0) or an unlimited one (-1), a memory limit needs a swap limit in the same update
    for (const MemorySwap of [0, -1]) {
      assert.throws(() => mergeUpdate({ ...base, Memory: 0, MemorySwap }, { Memory: 10 * MiB }), { kind: 'conflict', message: /Memory limit should be smaller than already set memoryswap limit/ });
    }
    assert.equal(mergeUpdate({ ...base, MemorySwap: -1 }, { Memory: 10 * MiB, MemorySwap: -1 }).Memory, 10 * MiB);
    const raised = mergeUpdate(cur, { Memory: 48 * MiB });
    assert.equal(raised.MemorySwap, 64 * MiB, 'the derived swap limit is pinned');
    assert.equal(mergeUpdate(cur, { Memory: 100 * MiB, MemorySwap: 200 * MiB }).MemorySwap, 200 * MiB);
  });
  it('keeps NanoCpus and CPU period/quota apart', () => {
    assert.throws(() => mergeUpdate({ ...base, CpuPeriod: 100000 }, { NanoCpus: 1e9 }), /Nano CPUs cannot be updated as CPU Period has already been set/);
    assert.throws(() => mergeUpdate({ ...base, CpuQuota: 50000 }, { NanoCpus: 1e9 }), /Nano CPUs cannot be updated as CPU Quota has already been set/);
    assert.throws(() => mergeUpdate({ ...base, NanoCpus: 1e9 }, { CpuQuota: 50000 }), /CPU Quota cannot be updated as NanoCPUs has already been set/);
    assert.throws(() => mergeUpdate({ ...base, NanoCpus: 1e9 }, { CpuPeriod: 50000 }), /CPU Period cannot be updated as NanoCPUs has already been set/);
  });
  it('refuses a restart policy for an AutoRemove container', () => {
    assert.throws(() => mergeUpdate({ ...base, AutoRemove: true }, { RestartPolicy: { Name: 'always' } }), /Restart policy cannot be updated because AutoRemove is enabled for the container/);
    assert.equal(mergeUpdate({ ...base, AutoRemove: true }, { RestartPolicy: { Name: 'no' } }).RestartPolicy?.Name, 'no');
  });
});

describe('toRuncResources', () => {
  it('gives runc only what the request sets', () => {
    assert.deepEqual(toRuncResources({ Memory: 64 * MiB, RestartPolicy: { Name: 'always' } }), { memory: { limit: 64 * MiB } });
    assert.deepEqual(toRuncResources({}), {});
    assert.deepEqual(toRuncResources({ NanoCpus: 1.5e9, CpuShares: 512, CpusetCpus: '0-1', MemorySwap: -1, MemoryReservation: 16 * MiB }), {
      memory: { swap: -1, reservation: 16 * MiB }, cpu: { shares: 512, period: 100000, quota: 150000, cpus: '0-1' },
    });
    assert.deepEqual(toRuncResources({ CpuQuota: 20000, PidsLimit: 0, BlkioWeight: 300 }), { cpu: { quota: 20000 }, pids: { limit: -1 }, blockIO: { weight: 300 } });
    assert.deepEqual(toRuncResources({ PidsLimit: 10 }), { pids: { limit: 10 } });
    assert.deepEqual(toRuncResources({ CpuRealtimePeriod: 1000, CpuRealtimeRuntime: 500 }), {}, 'real-time values are recorded, not applied, as dockerd');
  });
});

describe('updateContainer', () => {
  function setup(state: Partial<ContainerRecord['state']> = {}, hostConfig: HostConfig = {}, apply?: (id: string, r: RuncResources) => Promise<void>) {
    const c = {
      id: ID, name: '/web', config: { Labels: {} },
      hostConfig: { NetworkMode: 'bridge', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, ...hostConfig },
      state: { Status: 'running', Running: true, Paused: false, Restarting: false, Dead: false, Pid: 1, ...state },
    } as unknown as ContainerRecord;
    const saved: string[] = [];
    const events: string[] = [];
    const applied: RuncResources[] = [];
    const deps: UpdateDeps = {
      db: {
        resolve: (id: string) => { if (id !== 'web') throw new NotFoundError(`No such container: ${id}`); return c; },
        byId: () => c,
        save: (r) => { saved.push(JSON.stringify(r.hostConfig)); },
      },
      events: { publish: (type, action, id) => { events.push(`${type} ${action} ${id}`); } },
      attrs: () => ({ name: 'web' }),
      applyResources: apply ?? (async (_id, r) => { applied.push(r); }),
      cpus, blkioWeight: true,
    };
    return { c, deps, saved, events, applied, run: (req: UpdateRequest) => updateContainer(deps, 'web', req) };
  }

  it('merges, persists, applies to the running container and publishes update', async () => {
    const t = setup();
    assert.deepEqual(await t.run({ Memory: 64 * MiB, MemorySwap: 128 * MiB, RestartPolicy: { Name: 'always' } }), { Warnings: [] });
    assert.equal(t.c.hostConfig.Memory, 64 * MiB);
    assert.equal(t.c.hostConfig.RestartPolicy?.Name, 'always');
    assert.equal(t.saved.length, 1);
    assert.deepEqual(t.applied, [{ memory: { limit: 64 * MiB, swap: 128 * MiB } }]);
    assert.deepEqual(t.events, [`container update ${ID}`]);
  });

  it('only records the change for a stopped container', async () => {
    const t = setup({ Running: false, Status: 'exited' });
    await t.run({ CpuShares: 256 });
    assert.equal(t.c.hostConfig.CpuShares, 256);
    assert.deepEqual(t.applied, []);
    assert.equal(t.events.length, 1);
  });

  it('answers dockerd errors with the container id', async () => {
    await assert.rejects(setup().run({ Memory: 1 }), /Minimum memory limit allowed is 6MB/);
    await assert.rejects(setup({}, { AutoRemove: true }).run({ RestartPolicy: { Name: 'always' } }),
      { kind: 'conflict', message: `Cannot update container ${ID}: Restart policy cannot be updated because AutoRemove is enabled for the container` });
    await assert.rejects(setup({ Status: 'removing' }).run({ CpuShares: 2 }), /container is marked for removal and cannot be "update"/);
    await assert.rejects(updateContainer(setup().deps, 'zz', {}), { kind: 'not-found', message: 'No such container: zz' });
  });

  it('restores the old settings when runc refuses', async () => {
    const t = setup({}, { Memory: 32 * MiB }, async () => { throw new SystemError('unable to set memory limit to 8388608 (current usage: 20971520, peak usage: 21000000)'); });
    await assert.rejects(t.run({ Memory: 8 * MiB }), { kind: 'system', message: `Cannot update container ${ID}: unable to set memory limit to 8388608 (current usage: 20971520, peak usage: 21000000)` });
    assert.equal(t.c.hostConfig.Memory, 32 * MiB);
    assert.equal(JSON.parse(t.saved.at(-1)!).Memory, 32 * MiB);
    assert.deepEqual(t.events, []);
  });
});
