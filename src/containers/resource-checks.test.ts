import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HostConfig } from '../core/containers/types.ts';
import { cgroupSysInfo, type CgroupSysInfo } from '../runtime/sysinfo.ts';
import { blkioLimits } from './blkio-devices.ts';
import { checkDeviceRequests, goStringMatrix } from './device-requests.ts';
import { checkResources } from './resource-checks.ts';

const ALL: CgroupSysInfo = {
  memoryLimit: true, swapLimit: true, cpuCfs: true, cpuShares: true, cpuset: true, pidsLimit: true, memorySwappiness: true, oomKillDisable: true, cpuRealtime: true, blkioWeight: true, blkioWeightDevice: true,
  blkioReadBpsDevice: true, blkioWriteBpsDevice: true, blkioReadIOpsDevice: true, blkioWriteIOpsDevice: true,
};
const NONE = Object.fromEntries(Object.keys(ALL).map((k) => [k, false])) as unknown as CgroupSysInfo;

test("resources the kernel lacks are discarded with dockerd's warnings", () => {
  const h: HostConfig = { MemorySwappiness: 17, OomKillDisable: true, Memory: 64 << 20, BlkioWeight: 300, BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 100 }], BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1 }], BlkioDeviceWriteIOps: [{ Path: '/dev/sda', Rate: 1 }] };
  assert.deepEqual(checkResources(h, NONE), [
    'Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.',
    'Your kernel does not support OomKillDisable. OomKillDisable discarded.',
    'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
    'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.',
    'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.',
    'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.',
  ]);
  assert.deepEqual([h.MemorySwappiness, h.OomKillDisable, h.BlkioWeight, h.BlkioWeightDevice, h.BlkioDeviceReadBps], [null, false, 0, [], []]);
  const kept: HostConfig = { MemorySwappiness: 17, BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1 }] };
  assert.deepEqual(checkResources(kept, ALL), []);
  assert.equal(kept.MemorySwappiness, 17);
});

test('OOM killer off without a memory limit warns; swappiness and real-time values are checked', () => {
  assert.deepEqual(checkResources({ OomKillDisable: true }, ALL), ['OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.']);
  const unset: HostConfig = { MemorySwappiness: -1 };
  assert.deepEqual(checkResources(unset, NONE), [], '-1 is "not set", no warning');
  assert.equal(unset.MemorySwappiness, null);
  assert.throws(() => checkResources({ MemorySwappiness: 101 }, ALL), { message: 'Invalid value: 101, valid memory swappiness range is 0-100' });
  assert.throws(() => checkResources({ CpuRealtimeRuntime: 1000 }, NONE), { message: 'kernel does not support CPU real-time scheduler' });
  assert.throws(() => checkResources({ CpuRealtimeRuntime: 1000, CpuRealtimePeriod: 500 }, ALL), { message: 'cpu real-time runtime cannot be higher than cpu real-time period' });
  assert.deepEqual(checkResources({ CpuRealtimeRuntime: 500, CpuRealtimePeriod: 1000 }, ALL), []);
});

test('sysinfo: v1 from the controllers\' files, v2 from the io controller', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'berth-sysinfo-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [dir, file] of [['memory', 'memory.swappiness'], ['blkio', 'blkio.throttle.read_bps_device'], ['cpu', 'cpu.rt_period_us']]) {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, file), '');
  }
  const v1 = cgroupSysInfo(root);
  assert.deepEqual([v1.memorySwappiness, v1.oomKillDisable, v1.cpuRealtime, v1.blkioReadBpsDevice, v1.blkioWriteBpsDevice, v1.blkioWeight], [true, false, false, true, false, false]);
  const v2 = mkdtempSync(join(tmpdir(), 'berth-sysinfo-'));
  t.after(() => rmSync(v2, { recursive: true, force: true }));
  writeFileSync(join(v2, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  assert.deepEqual(cgroupSysInfo(v2), { ...NONE, memoryLimit: true, swapLimit: true, cpuCfs: true, cpuShares: true, cpuset: true, pidsLimit: true, blkioWeight: true, blkioWeightDevice: true, blkioReadBpsDevice: true, blkioWriteBpsDevice: true, blkioReadIOpsDevice: true, blkioWriteIOpsDevice: true });
});

test('device limits name devices by major:minor, stat\'ed at start', async () => {
  assert.deepEqual(await blkioLimits({}), {});
  assert.deepEqual(await blkioLimits({ BlkioWeight: 300, BlkioDeviceWriteIOps: [{ Path: '/dev/null', Rate: 100 }], BlkioWeightDevice: [{ Path: '/dev/zero', Weight: 20 }] }), {
    weight: 300, weightDevice: [{ major: 1, minor: 5, weight: 20 }], throttleWriteIOPSDevice: [{ major: 1, minor: 3, rate: 100 }],
  });
  await assert.rejects(blkioLimits({ BlkioDeviceReadBps: [{ Path: '/dev/berth-nosuch', Rate: 1 }] }), { message: 'stat /dev/berth-nosuch: no such file or directory' });
});

test("device requests (--gpus): no driver serves them, in dockerd's words", () => {
  assert.equal(goStringMatrix([['gpu']]), '[[gpu]]');
  assert.equal(goStringMatrix([['gpu', 'compute'], ['utility']]), '[[gpu compute] [utility]]');
  assert.doesNotThrow(() => checkDeviceRequests({ DeviceRequests: null }));
  assert.throws(() => checkDeviceRequests({ DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }] }), { message: 'could not select device driver "" with capabilities: [[gpu]]', kind: 'invalid-parameter' });
});
