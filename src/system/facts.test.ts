import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostLimits } from '../core/system/types.ts';
import { infoWarnings } from './facts.ts';

const ALL: HostLimits = {
  memoryLimit: true, swapLimit: true, cpuCfs: true, cpuShares: true, cpuset: true, pidsLimit: true, oomKillDisable: true,
  blkioWeight: true, blkioWeightDevice: true, blkioReadBps: true, blkioWriteBps: true, blkioReadIOps: true, blkioWriteIOps: true,
};
const NET = { ipv4Forwarding: true, bridgeNfIptables: true, bridgeNfIp6tables: true };

test('info warnings: none on a host that has everything', () => {
  assert.deepEqual(infoWarnings({ limits: ALL, cgroupVersion: '1' }, NET), []);
});

test('info warnings: dockerd\'s words for what is missing, by cgroup version', () => {
  const lacking = { ...ALL, swapLimit: false, oomKillDisable: false, blkioReadBps: false };
  assert.deepEqual(infoWarnings({ limits: lacking, cgroupVersion: '1' }, { ...NET, bridgeNfIptables: false }), [
    'WARNING: No swap limit support', 'WARNING: No oom kill disable support', 'WARNING: No blkio throttle.read_bps_device support',
    'WARNING: bridge-nf-call-iptables is disabled',
  ]);
  assert.deepEqual(infoWarnings({ limits: { ...lacking, blkioWeight: false }, cgroupVersion: '2' }, { ...NET, ipv4Forwarding: false }), [
    'WARNING: No swap limit support', 'WARNING: No io.weight support', 'WARNING: No io.max (rbps) support', 'WARNING: IPv4 forwarding is disabled',
  ]);
});
