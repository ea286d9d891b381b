import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CGROUP_ROOT, hierarchies, isCgroupV2, removeCgroupTree, removeEmptyCgroup } from './cgroups.ts';
import { MigrationWarmer } from './migration-warmer.ts';

const hierarchy = isCgroupV2() ? '' : hierarchies().find((h) => h === 'pids');
const skip = process.getuid?.() !== 0 ? 'needs root' : hierarchy === undefined ? 'no pids cgroup hierarchy' : false;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

test('warmer: the sentinel sits in its cgroup, is moved while a start is expected or held, and ends at close', { skip }, async (t) => {
  const parent = `/berth-test-${randomBytes(6).toString('hex')}`;
  const procs = join(CGROUP_ROOT, hierarchy!, parent, 'conmon', 'cgroup.procs');
  const w = new MigrationWarmer(() => procs);
  t.after(async () => {
    await w.close();
    // the killed sentinel leaves its cgroup a moment later
    for (let i = 0; i < 200 && removeCgroupTree(parent).length; i++) await sleep(10);
  });
  w.touch(200);
  await until('moves', () => w.pings >= 3);
  const pid = w.sentinelPid!;
  assert.ok(pid > 0);
  assert.deepEqual(readFileSync(procs, 'utf8').trim().split('\n'), [String(pid)], 'only the sentinel is in its cgroup');
  // the window ends: no more moves
  await sleep(300);
  const after = w.pings;
  await sleep(50);
  assert.equal(w.pings, after, 'it stops once no start is expected');
  // a hold keeps it going until released
  const release = w.hold();
  await until('moves under a hold', () => w.pings >= after + 3);
  release();
  release(); // twice is harmless
  await sleep(30);
  const released = w.pings;
  await sleep(50);
  assert.equal(w.pings, released);
  await w.close();
  assert.ok(!alive(pid), 'close resolves once the sentinel has ended');
  assert.deepEqual(removeEmptyCgroup(join(parent, 'conmon')), [], 'its cgroup is empty at once');
  assert.deepEqual(removeEmptyCgroup(parent), []);
});

test('warmer: without a cgroup to use it does nothing and starts no process', async () => {
  const w = new MigrationWarmer(() => null);
  w.touch(50);
  const release = w.hold();
  await sleep(30);
  release();
  assert.equal(w.pings, 0);
  assert.equal(w.sentinelPid, undefined);
  w.close();
});

test('warmer: a cgroup it cannot use turns it off, with a message, and leaves no sentinel', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const messages: string[] = [];
  const w = new MigrationWarmer(() => '/proc/berth-no-such-cgroup/conmon/cgroup.procs', (m) => messages.push(m));
  w.touch(100);
  await until('the warmer to give up', () => messages.length > 0);
  assert.match(messages[0], /no cgroup migration warm-up/);
  assert.equal(w.pings, 0);
  assert.equal(w.sentinelPid, undefined);
  w.touch(100); // stays off
  await sleep(20);
  assert.equal(messages.length, 1);
  w.close();
});
