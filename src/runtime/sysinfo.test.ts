import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupSysInfo } from './sysinfo.ts';

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-sysinfo-'));
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  return root;
}

test('v1: each limit from its controller\'s files', () => {
  const root = tree(['memory/memory.limit_in_bytes', 'memory/memory.oom_control', 'cpu/cpu.shares', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.cfs_period_us', 'pids/pids.max']);
  try {
    const i = cgroupSysInfo(root);
    assert.deepEqual([i.memoryLimit, i.swapLimit, i.oomKillDisable, i.cpuShares, i.cpuCfs, i.cpuset, i.pidsLimit], [true, false, true, true, true, false, true]);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('v2: the enabled controllers', () => {
  const root = tree([]);
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory\n');
  try {
    const i = cgroupSysInfo(root);
    assert.deepEqual([i.memoryLimit, i.swapLimit, i.cpuShares, i.cpuCfs, i.cpuset, i.pidsLimit, i.oomKillDisable, i.blkioWeight], [true, true, true, true, true, false, false, true]);
  } finally {
    rmSync(root, { recursive: true });
  }
});
