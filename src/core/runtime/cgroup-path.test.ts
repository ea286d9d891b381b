import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupDir, containerCgroupsPath, expandSlice } from './cgroup-path.ts';

test('cgroupfs paths', () => {
  assert.equal(containerCgroupsPath('abc', 'cgroupfs'), '/berth/abc');
  assert.equal(containerCgroupsPath('abc', 'cgroupfs', '/my/parent/'), '/my/parent/abc');
  assert.equal(containerCgroupsPath('abc', 'cgroupfs', '../../etc'), '/etc/abc');
  assert.equal(cgroupDir('/berth/abc'), 'berth/abc');
});

test('systemd paths', () => {
  assert.equal(containerCgroupsPath('abc', 'systemd'), 'system.slice:berth:abc');
  assert.equal(containerCgroupsPath('abc', 'systemd', 'my-app.slice'), 'my-app.slice:berth:abc');
  assert.throws(() => containerCgroupsPath('abc', 'systemd', '/not/a/slice'), /should be a valid slice named as "xxx.slice"/);
  assert.equal(expandSlice('a-b-c.slice'), 'a.slice/a-b.slice/a-b-c.slice');
  assert.equal(expandSlice('-.slice'), '');
  assert.equal(cgroupDir('system.slice:berth:abc'), 'system.slice/berth-abc.scope');
  assert.equal(cgroupDir('my-app.slice:berth:abc'), 'my.slice/my-app.slice/berth-abc.scope');
});
