import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CGROUP_ROOT, hierarchies } from './cgroups.ts';
import { RuncConmonRuntime } from './runtime.ts';
import { Fixture, readK8sLog, skipReason, until } from './test-helpers.ts';

const skip = skipReason();
let f: Fixture;

before(async () => {
  if (!skip) f = await new Fixture().init();
});
after(async () => {
  await f?.close();
});

test('adopt: a new runtime on the same exec root (a daemon restart) follows a running container', { skip }, async () => {
  const c = await f.container(['sh', '-c', 'echo up; sleep 100']);
  const { pid } = await f.runtime.start({ id: c.id, bundle: c.bundle, spec: c.spec, logPath: c.logPath });
  const again = new RuncConmonRuntime({ execRoot: join(f.dir, 'run'), cgroupParent: f.cgroupParent });
  try {
    assert.deepEqual(await again.state(c.id), { status: 'running', pid });
    assert.equal(await again.exitStatus(c.id, c.bundle), null);
    const exit = again.waitExit(c.id, c.bundle);
    await again.kill(c.id, 'KILL');
    const st = await exit;
    assert.equal(st.exitCode, 137);
    assert.deepEqual(await again.exitStatus(c.id, c.bundle), st);
    assert.deepEqual(readK8sLog(c.logPath), [['stdout', 'up']]);
    await again.delete(c.id);
    assert.equal(await f.runtime.state(c.id), null);
  } finally {
    again.close();
  }
});

test('adopt: a conmon that dies without writing an exit file ends the wait with 255', { skip }, async () => {
  const c = await f.container(['sleep', '100']);
  await f.runtime.start({ id: c.id, bundle: c.bundle, spec: c.spec, logPath: c.logPath });
  const conmonPid = Number(readFileSync(join(c.bundle, 'conmon.pid'), 'utf8'));
  assert.match(readFileSync(`/proc/${conmonPid}/cmdline`, 'utf8'), new RegExp(c.id));
  const exit = f.runtime.waitExit(c.id, c.bundle);
  process.kill(conmonPid, 'SIGKILL');
  const t0 = Date.now();
  assert.equal((await exit).exitCode, 255);
  assert.ok(Date.now() - t0 < 6000);
  await f.runtime.delete(c.id, { force: true });
  assert.equal(await f.runtime.state(c.id), null);
});

test('adopt: with stdinOnce false, stdin outlives an attached client and the next attach writes on', { skip }, async () => {
  const c = await f.container(['cat'], { openStdin: true, stdinOnce: false });
  let first!: Awaited<ReturnType<typeof f.runtime.attach>>;
  await f.runtime.start({ id: c.id, bundle: c.bundle, spec: c.spec, logPath: c.logPath, beforeStart: async (a) => { first = await a(); } });
  const got: string[] = [];
  first.onOutput((_s, d) => got.push(d.toString()));
  first.writeStdin(Buffer.from('one\n'));
  await until(() => got.join('') === 'one\n');
  first.closeStdin();
  first.close();
  const second = await f.runtime.attach(c.bundle);
  const got2: string[] = [];
  second.onOutput((_s, d) => got2.push(d.toString()));
  second.writeStdin(Buffer.from('two\n'));
  await until(() => got2.join('') === 'two\n');
  second.close();
  assert.equal((await f.runtime.state(c.id))?.status, 'running');
  await f.runtime.kill(c.id, 9);
  assert.equal((await f.runtime.waitExit(c.id, c.bundle)).exitCode, 137);
  assert.deepEqual(readK8sLog(c.logPath), [['stdout', 'one'], ['stdout', 'two']]);
  await f.runtime.delete(c.id);
});

test('shutdown: the supervisors\' cgroup goes once empty, and stays while a conmon is in it', { skip }, async (t) => {
  const g = await new Fixture().init();
  t.after(() => g.close());
  const where = (path: string): string[] => hierarchies().filter((h) => existsSync(join(CGROUP_ROOT, h, path)));
  const c = await g.container(['sleep', '100']);
  await g.runtime.start({ id: c.id, bundle: c.bundle, spec: c.spec, logPath: c.logPath });
  await until(() => where(`${g.cgroupParent}/conmon`).length > 0);
  // live restore: the conmon of a running container keeps its cgroup
  const live = new RuncConmonRuntime({ execRoot: join(g.dir, 'run'), cgroupParent: g.cgroupParent });
  await live.shutdown();
  assert.ok(where(`${g.cgroupParent}/conmon`).length > 0);
  await g.runtime.kill(c.id, 9);
  await g.runtime.waitExit(c.id, c.bundle);
  await g.runtime.delete(c.id);
  await g.runtime.shutdown(2000);
  assert.deepEqual(where(`${g.cgroupParent}/conmon`), []);
});
