import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBlkioWeight, configEnv, hostConfigDefaults, mergeEnv } from './create.ts';
import { validateCreateRequest } from './create-checks.ts';
import type { HostConfig } from '../core/containers/types.ts';

test('env: KEY=VALUE replaces or appends, a bare KEY removes (moby\'s ReplaceOrAppendEnvValues)', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1', 'B=2'], ['A=9', 'C=3', 'B', 'NOPE']), ['PATH=/bin', 'A=9', 'C=3']);
  assert.deepEqual(mergeEnv(null, ['X=']), ['X=']);
  assert.deepEqual(mergeEnv(['X=1'], undefined), ['X=1']);
  // only keys of the defaults are looked up: a repeated override is appended twice, a bare KEY leaves an appended one
  assert.deepEqual(mergeEnv(['PATH=/bin'], ['X=1', 'X=2', 'Y=1', 'Y']), ['PATH=/bin', 'X=1', 'X=2', 'Y=1']);
});

test("Config.Env as dockerd's merge: the create's entries first, then the image's it does not name; bare KEYs kept", () => {
  assert.equal(configEnv(null, []), null);
  assert.equal(configEnv([], undefined), null);
  assert.deepEqual(configEnv(['A=1', 'B=2'], []), ['A=1', 'B=2']);
  assert.deepEqual(configEnv(['A=1', 'B=2'], ['X=1']), ['X=1', 'A=1', 'B=2']);
  assert.deepEqual(configEnv(['A=1', 'B=2'], ['B=9', 'X=1']), ['B=9', 'X=1', 'A=1']);
  assert.deepEqual(configEnv(['A=1', 'B=2'], ['A']), ['A', 'B=2']);
});

test('blkio weight: discarded with a warning without kernel support, else checked for range', () => {
  assert.deepEqual(checkBlkioWeight(5, false), ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  assert.throws(() => checkBlkioWeight(5, true), /Range of blkio weight is from 10 to 1000/);
  assert.deepEqual(checkBlkioWeight(500, true), []);
  assert.deepEqual(checkBlkioWeight(0, false), []);
});

test('HostConfig defaults as dockerd records them', () => {
  const h: HostConfig = { NetworkMode: 'bridge', Memory: 10, PidsLimit: 0, MemorySwappiness: -1 };
  hostConfigDefaults(h, false);
  assert.equal(h.MemorySwap, 20);
  assert.equal(h.ShmSize, 64 * 1024 * 1024);
  assert.equal(h.IpcMode, 'private');
  assert.equal(h.CgroupnsMode, 'host');
  assert.equal(h.PidsLimit, null);
  assert.equal(h.MemorySwappiness, null);
  assert.ok((h.MaskedPaths as string[]).includes('/proc/keys'));
  const given: HostConfig = { NetworkMode: 'bridge', Memory: 10, MemorySwap: -1, IpcMode: 'host', MaskedPaths: [], Privileged: false, PidsLimit: 5 };
  hostConfigDefaults(given, true);
  assert.deepEqual([given.MemorySwap, given.IpcMode, given.MaskedPaths, given.PidsLimit, given.CgroupnsMode], [-1, 'host', [], 5, 'private']);
  const priv: HostConfig = { NetworkMode: 'bridge', Privileged: true };
  hostConfigDefaults(priv, false);
  assert.equal(priv.MaskedPaths, undefined);
  assert.deepEqual(priv.SecurityOpt, ['label=disable']);
  const pidHost: HostConfig = { NetworkMode: 'bridge', PidMode: 'host', SecurityOpt: ['no-new-privileges'] };
  hostConfigDefaults(pidHost, false);
  assert.deepEqual(pidHost.SecurityOpt, ['no-new-privileges', 'label=disable']);
  const own: HostConfig = { NetworkMode: 'bridge', IpcMode: 'host', SecurityOpt: ['label=type:x'] };
  hostConfigDefaults(own, false);
  assert.deepEqual(own.SecurityOpt, ['label=type:x'], 'a label option of the client\'s is kept as it is');
});

test('create-only checks', () => {
  assert.throws(() => validateCreateRequest({ WorkingDir: 'rel' }, { NetworkMode: 'none' }), /the working directory 'rel' is invalid/);
  assert.throws(() => validateCreateRequest({}, { NetworkMode: 'none', OomScoreAdj: -1001 }), /Invalid value -1001, range for oom score adj is \[-1000, 1000\]/);
  assert.throws(() => validateCreateRequest({}, { NetworkMode: 'none', Tmpfs: { x: '' } }), /invalid mount path: 'x' mount path must be absolute/);
  assert.doesNotThrow(() => validateCreateRequest({ WorkingDir: '/w' }, { NetworkMode: 'none', Isolation: 'default', OomScoreAdj: 1000 }));
  assert.throws(() => validateCreateRequest({}, { NetworkMode: 'host', Links: ['db:db'] }), /host type networking can't be used with links/);
  assert.throws(() => validateCreateRequest({}, { NetworkMode: 'container:x', Links: ['db:db'] }), /container type network can't be used with links/);
});
