import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { deleteStopped } from './stopped-delete.ts';

const PIDS = '/sys/fs/cgroup/pids';
const skip = process.getuid?.() !== 0 || !existsSync(join(PIDS, 'cgroup.procs')) ? 'needs root and a cgroup v1 pids hierarchy' : false;

/** A runc-like state dir whose container has cgroup `cg` and init `pid` started at `start`. */
function fakeState(t: TestContext, opts: { pid: number; start: string; systemd?: boolean }): { root: string; id: string; cg: string } {
  const root = mkdtempSync(join(tmpdir(), 'berth-rdel-'));
  const parent = join(PIDS, `berth-test-${randomBytes(4).toString('hex')}`);
  const cg = join(parent, 'ctr');
  mkdirSync(cg, { recursive: true });
  t.after(() => {
    for (const d of [join(cg, 'sub'), cg, parent]) { try { rmdirSync(d); } catch { /* gone */ } }
    rmSync(root, { recursive: true, force: true });
  });
  const id = 'c1';
  mkdirSync(join(root, id));
  writeFileSync(join(root, id, 'state.json'), JSON.stringify({
    id, init_process_pid: opts.pid, init_process_start: opts.start, cgroup_paths: { pids: cg },
    config: { cgroups: { Systemd: opts.systemd ?? false }, hooks: {} }, intel_rdt_path: '',
  }));
  return { root, id, cg };
}

const startTime = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

test('deleteStopped removes the cgroups (sub-cgroups first) and the state of a container whose init is gone', { skip }, async (t) => {
  const { root, id, cg } = fakeState(t, { pid: 2 ** 22 - 3, start: '1' });
  mkdirSync(join(cg, 'sub'));
  assert.equal(await deleteStopped(root, id), true);
  assert.ok(!existsSync(cg));
  assert.ok(!existsSync(join(root, id)));
});

test('deleteStopped leaves runc the cases it does not know to be safe', { skip }, async (t) => {
  // an init that still runs (same pid and start time)
  const alive = fakeState(t, { pid: process.pid, start: startTime(process.pid) });
  assert.equal(await deleteStopped(alive.root, alive.id), false);
  assert.ok(existsSync(alive.cg) && existsSync(join(alive.root, alive.id)));
  // the same pid reused by another process (start time differs) counts as gone
  const reused = fakeState(t, { pid: process.pid, start: '1' });
  assert.equal(await deleteStopped(reused.root, reused.id), true);
  // the systemd driver
  const sd = fakeState(t, { pid: 2 ** 22 - 3, start: '1', systemd: true });
  assert.equal(await deleteStopped(sd.root, sd.id), false);
  assert.ok(existsSync(sd.cg));
  // a cgroup that still holds a process (a container sharing the host's PID namespace)
  const busy = fakeState(t, { pid: 2 ** 22 - 3, start: '1' });
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => { sleeper.kill('SIGKILL'); });
  writeFileSync(join(busy.cg, 'cgroup.procs'), String(sleeper.pid));
  assert.equal(await deleteStopped(busy.root, busy.id), false);
  assert.ok(existsSync(busy.cg) && existsSync(join(busy.root, busy.id)));
  sleeper.kill('SIGKILL');
  await new Promise((r) => sleeper.once('exit', r));
  // no state at all
  assert.equal(await deleteStopped(busy.root, 'nope'), false);
});
