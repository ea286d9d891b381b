import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostConfigJson } from './host-config.ts';

describe('hostConfigJson', () => {
  it('fills what an SDK left out, in dockerd order, as dockerd decodes it', () => {
    const h = hostConfigJson({ NetworkMode: 'none', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, Memory: 1024, ShmSize: 64, Runtime: 'runc' });
    const keys = Object.keys(h);
    assert.deepEqual(keys.slice(0, 6), ['Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy']);
    assert.equal(keys.length, 63); // what docker CLI 28 sends, Runtime included
    assert.equal(h.Binds, null);
    assert.equal(h.AutoRemove, false);
    assert.deepEqual(h.ConsoleSize, [0, 0]);
    assert.equal(h.Memory, 1024);
    assert.equal(h.CpuShares, 0);
    assert.equal(h.PidsLimit, null);
    assert.equal(h.Runtime, 'runc');
    assert.ok(keys.indexOf('Runtime') < keys.indexOf('CpuShares') && keys.indexOf('ShmSize') < keys.indexOf('Runtime'));
    for (const k of ['Annotations', 'StorageOpt', 'Tmpfs', 'Sysctls', 'KernelMemoryTCP', 'Mounts', 'Init']) assert.ok(!(k in h), k);
  });

  it('keeps what the client set, null for Go scalars becomes the zero value, unknown keys are dropped', () => {
    const h = hostConfigJson({ Dns: [], Tmpfs: { '/run': '' }, Init: false, Memory: null, Binds: ['v:/d'], Bogus: 1, Mounts: [{ Type: 'tmpfs', Target: '/x' }] });
    assert.deepEqual(h.Dns, []);
    assert.deepEqual(h.Tmpfs, { '/run': '' });
    assert.equal(h.Init, false);
    assert.equal(h.Memory, 0);
    assert.deepEqual(h.Binds, ['v:/d']);
    assert.ok(!('Bogus' in h));
    assert.deepEqual(h.Mounts, [{ Type: 'tmpfs', Target: '/x' }]);
  });

  it('fills the structs inside as Go does: restart policy, port bindings, ulimits, devices', () => {
    const h = hostConfigJson({
      RestartPolicy: { Name: 'always' }, PortBindings: { '80/tcp': [{ HostPort: '8080' }], '81/tcp': null }, Ulimits: [{ Soft: 100, Name: 'nofile' }],
      Devices: [{ PathOnHost: '/dev/null' }], BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1 }], LogConfig: { Type: 'json-file', Config: {} },
    });
    assert.deepEqual(h.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
    assert.deepEqual(h.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '81/tcp': null });
    assert.deepEqual(JSON.stringify(h.Ulimits), '[{"Name":"nofile","Hard":0,"Soft":100}]');
    assert.deepEqual(h.Devices, [{ PathOnHost: '/dev/null', PathInContainer: '', CgroupPermissions: '' }]);
    assert.deepEqual(h.BlkioDeviceReadBps, [{ Path: '/dev/sda', Rate: 1 }]);
    assert.deepEqual(h.LogConfig, { Type: 'json-file', Config: {} });
  });
});
