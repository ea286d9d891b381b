/* Unit tests of the runtime's pieces that need no root: signals, runc messages, exit files, cgroup files. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cgroupPids, moveToCgroup, oomKillCount, ownHierarchies, removeCgroupTree, removeEmptyCgroup } from './cgroups.ts';
import { ExitWatcher, parseExitCode } from './exit.ts';
import { signalNumber } from '../core/signals.ts';
import { runcMessage } from './runc.ts';

function temp(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-parts-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('runc: signals by number or name, Docker style', () => {
  assert.equal(signalNumber(9), 9);
  assert.equal(signalNumber('9'), 9);
  assert.equal(signalNumber('KILL'), 9);
  assert.equal(signalNumber('sigterm'), 15);
  assert.equal(signalNumber('SIGRTMIN+3'), 37);
  assert.equal(signalNumber('RTMAX-1'), 63);
  assert.throws(() => signalNumber('SIGFOO'), /Invalid signal: SIGFOO/);
  assert.throws(() => signalNumber(0), /Invalid signal/);
  assert.throws(() => signalNumber(65), /Invalid signal/);
});

test('runc: the message of its logfmt or JSON stderr', () => {
  assert.equal(runcMessage('time="2024-01-01T00:00:00Z" level=error msg="container does not exist"\n'), 'container does not exist');
  assert.equal(runcMessage('{"level":"error","msg":"exec failed: \\"x\\"","time":"t"}\n'), 'exec failed: "x"');
  assert.equal(runcMessage('plain text\n'), 'plain text');
  assert.equal(runcMessage(''), '');
});

test('exit: exit file parsing', () => {
  assert.equal(parseExitCode('137'), 137);
  assert.equal(parseExitCode('-1\n'), -1);
  assert.equal(parseExitCode(''), null);
  assert.equal(parseExitCode('x'), null);
});

test('exit: the watcher sees files written before and after the wait (by rename), and gives up on a dead writer', async (t) => {
  const dir = temp(t);
  const w = new ExitWatcher(join(dir, 'exits'));
  t.after(() => w.close());
  mkdirSync(w.dir, { recursive: true });
  writeFileSync(join(w.dir, 'early'), '3');
  assert.equal((await w.wait('early')).exitCode, 3);
  const late = w.wait('late');
  const other = w.wait('other');
  setTimeout(() => {
    writeFileSync(join(dir, 'tmp'), '137');
    renameSync(join(dir, 'tmp'), join(w.dir, 'late'));
  }, 30);
  const rec = await late;
  assert.equal(rec.exitCode, 137);
  assert.ok(rec.finishedNs > 0n);
  writeFileSync(join(w.dir, 'other'), '0');
  assert.equal((await other).exitCode, 0);
  assert.equal(await w.read('missing'), null);
  const t0 = Date.now();
  assert.equal((await w.wait('never', () => false)).exitCode, 255);
  assert.ok(Date.now() - t0 >= 1900);
});

test('cgroups: own hierarchies, pids, OOM count and removal on a fake cgroup tree', async (t) => {
  const root = temp(t);
  for (const h of ['memory', 'pids', 'cpu,cpuacct', 'cpuset', 'systemd', 'unified']) {
    mkdirSync(join(root, h), { recursive: true });
    writeFileSync(join(root, h, 'cgroup.procs'), '');
  }
  const self = join(root, 'self-cgroup');
  writeFileSync(self, '12:memory:/user/me\n11:pids:/\n10:cpu,cpuacct:/user/me\n9:cpuset:/user/me\n1:name=systemd:/user/me\n0::/user/me\n');
  assert.deepEqual(ownHierarchies(root, self), ['memory', 'cpu,cpuacct', 'systemd', 'unified']);
  assert.deepEqual(await moveToCgroup(1234, '/berth/conmon', root, ['memory', 'pids']), []);
  mkdirSync(join(root, 'pids/berth/c1/sub'), { recursive: true });
  writeFileSync(join(root, 'pids/berth/c1/cgroup.procs'), '10\n11\n');
  writeFileSync(join(root, 'pids/berth/c1/sub/cgroup.procs'), '12\n');
  assert.deepEqual(await cgroupPids('/berth/c1', root), [10, 11, 12]);
  assert.equal(await cgroupPids('/berth/none', root), null);
  mkdirSync(join(root, 'memory/berth/c1'), { recursive: true });
  writeFileSync(join(root, 'memory/berth/c1/memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
  assert.equal(await oomKillCount('/berth/c1', root), 2);
  assert.equal(await oomKillCount('/berth/none', root), 0);
  // plain directories with files are not cgroupfs: rmdir leaves them, and says so
  assert.ok(removeCgroupTree('/berth', root).length > 0);
  assert.throws(() => removeCgroupTree('/', root), /root cgroup/);
});

test('cgroups: removeEmptyCgroup takes only the empty directory itself, in every hierarchy', async (t) => {
  const root = temp(t);
  for (const h of ['memory', 'pids']) {
    mkdirSync(join(root, h, 'berth/conmon'), { recursive: true });
    writeFileSync(join(root, h, 'cgroup.procs'), '');
  }
  mkdirSync(join(root, 'memory/berth/c1'));
  assert.deepEqual(removeEmptyCgroup('/berth/conmon', root), []);
  assert.ok(!existsSync(join(root, 'memory/berth/conmon')) && !existsSync(join(root, 'pids/berth/conmon')));
  assert.deepEqual(removeEmptyCgroup('/berth/conmon', root), [], 'gone already: nothing to report');
  // the parent goes where it is empty, and stays (reported) where a child is left
  assert.deepEqual(removeEmptyCgroup('/berth', root), [join(root, 'memory/berth')]);
  assert.ok(existsSync(join(root, 'memory/berth/c1')) && !existsSync(join(root, 'pids/berth')));
  assert.throws(() => removeEmptyCgroup('/..', root), /root cgroup/);
});
