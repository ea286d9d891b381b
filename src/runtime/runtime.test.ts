import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { collectOutput, Fixture, readK8sLog, skipReason, until, type TestContainer } from './test-helpers.ts';
import { timeNs } from '../core/time.ts';

const skip = skipReason();
let f: Fixture;

before(async () => {
  if (!skip) f = await new Fixture().init();
});
after(async () => {
  await f?.close();
});

async function run(c: TestContainer, attach = false) {
  let out: Promise<{ stdout: string; stderr: string }> | undefined;
  const started = await f.runtime.start({
    id: c.id, bundle: c.bundle, spec: c.spec, logPath: c.logPath,
    beforeStart: attach ? async (a) => { out = collectOutput(await a()); } : undefined,
  });
  return { started, out };
}

test('runtime: echo hello writes the k8s-file log and exits 0; delete removes runc state and the cgroup', { skip }, async () => {
  // The short sleep keeps conmon alive while its cgroup is checked below.
  const c = await f.container(['sh', '-c', 'echo hello; sleep 0.5']);
  const { started } = await run(c);
  assert.ok(started.pid > 0);
  const conmonPid = Number(readFileSync(join(c.bundle, 'conmon.pid'), 'utf8'));
  const own = readFileSync('/proc/self/cgroup', 'utf8');
  const mem = /^\d+:memory:(.*)$/m.exec(own)?.[1];
  if (mem && mem !== '/') {
    // conmon left the daemon's memory cgroup for its own
    assert.match(readFileSync(`/proc/${conmonPid}/cgroup`, 'utf8'), new RegExp(`^\\d+:memory:${f.cgroupParent}/conmon$`, 'm'));
  }
  assert.match(started.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/);
  const st = await f.runtime.waitExit(c.id, c.bundle);
  assert.equal(st.exitCode, 0);
  assert.equal(st.oomKilled, false);
  assert.ok(timeNs(st.finishedAt)! >= timeNs(started.startedAt)!, `${st.finishedAt} >= ${started.startedAt}`);
  assert.deepEqual(readK8sLog(c.logPath), [['stdout', 'hello']]);
  assert.equal((await f.runtime.state(c.id))?.status, 'stopped');
  assert.deepEqual(await f.runtime.exitStatus(c.id, c.bundle), st);
  await f.runtime.delete(c.id);
  assert.equal(await f.runtime.state(c.id), null);
  assert.equal(await f.runtime.exitStatus(c.id, c.bundle), null);
  for (const h of ['memory', 'pids', 'cpu', 'devices', 'freezer']) {
    assert.ok(!existsSync(join('/sys/fs/cgroup', h, f.cgroupParent, c.id)), `cgroup ${h} removed`);
  }
  assert.ok(!existsSync(join(f.dir, 'run', 'runc', c.id)));
  assert.deepEqual(readdirSync(c.bundle).sort(), ['config.json', 'ctr.log', 'hostname', 'hosts', 'resolv.conf']);
  await f.runtime.delete(c.id); // unknown to runc: fine
});

test('runtime: conmon waits for a spec still being made; a spec that fails leaves no conmon and no runc state', { skip }, async () => {
  const slow = await f.container(['sh', '-c', 'echo late']);
  const spec = new Promise<typeof slow.spec>((resolve) => setTimeout(() => resolve(slow.spec), 150));
  await f.runtime.start({ id: slow.id, bundle: slow.bundle, spec, stdio: { tty: false, openStdin: false, stdinOnce: true }, logPath: slow.logPath });
  assert.equal((await f.runtime.waitExit(slow.id, slow.bundle)).exitCode, 0);
  assert.deepEqual(readK8sLog(slow.logPath), [['stdout', 'late']]);
  await f.runtime.delete(slow.id);

  const bad = await f.container(['true']);
  const failing = new Promise<typeof bad.spec>((_, reject) => setTimeout(() => reject(new Error('mounting the root filesystem failed: boom')), 150));
  await assert.rejects(f.runtime.start({ id: bad.id, bundle: bad.bundle, spec: failing, stdio: { tty: false, openStdin: false, stdinOnce: true }, logPath: bad.logPath }),
    /^Error: mounting the root filesystem failed: boom$/);
  assert.equal(await f.runtime.state(bad.id), null);
  const conmons = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(bad.id); } catch { return false; }
  });
  assert.deepEqual(conmons, [], 'no process names the container');
});

test('runtime: exit codes: exit 3, SIGKILL → 137, a command that does not exist fails start', { skip }, async () => {
  const c3 = await f.container(['sh', '-c', 'exit 3']);
  await run(c3);
  assert.equal((await f.runtime.waitExit(c3.id, c3.bundle)).exitCode, 3);
  await f.runtime.delete(c3.id);

  const cs = await f.container(['sleep', '100']);
  const { started } = await run(cs);
  assert.deepEqual(await f.runtime.state(cs.id), { status: 'running', pid: started.pid });
  const pids = await f.runtime.pids(cs.id);
  assert.deepEqual(pids, [started.pid]);
  await f.runtime.pause(cs.id);
  assert.equal((await f.runtime.state(cs.id))?.status, 'paused');
  await f.runtime.resume(cs.id);
  await assert.rejects(f.runtime.delete(cs.id), /running/);
  await f.runtime.kill(cs.id, 'SIGKILL');
  const st = await f.runtime.waitExit(cs.id, cs.bundle);
  assert.equal(st.exitCode, 137);
  assert.equal(st.oomKilled, false);
  await f.runtime.delete(cs.id);
  await assert.rejects(f.runtime.kill(cs.id, 'TERM'), /not running/);

  const bad = await f.container(['/no/such/binary']);
  await assert.rejects(run(bad), /no such file or directory|not found/);
  assert.equal(await f.runtime.state(bad.id), null);
});

test('runtime: a process over its memory limit is OOM-killed: 137 and oomKilled', { skip }, async (t) => {
  const c = await f.container(['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], { resources: { memory: 16 << 20, memorySwap: 16 << 20 } });
  await run(c);
  const st = await f.runtime.waitExit(c.id, c.bundle);
  if (st.exitCode !== 137) return t.skip(`the kernel did not OOM-kill (exit ${st.exitCode})`);
  assert.equal(st.oomKilled, true);
  await f.runtime.delete(c.id);
});

test('runtime: attach before start separates stdout and stderr', { skip }, async () => {
  const c = await f.container(['sh', '-c', 'echo out; echo err >&2; echo out2']);
  const { out } = await run(c, true);
  const o = await out!;
  assert.equal(o.stdout, 'out\nout2\n');
  assert.equal(o.stderr, 'err\n');
  assert.equal((await f.runtime.waitExit(c.id, c.bundle)).exitCode, 0);
  assert.deepEqual(readK8sLog(c.logPath).sort(), [['stderr', 'err'], ['stdout', 'out'], ['stdout', 'out2']]);
  await f.runtime.delete(c.id);
});

test('runtime: stdin reaches cat (large input split in packets) and EOF ends it', { skip }, async () => {
  const c = await f.container(['cat'], { openStdin: true });
  let streams!: Awaited<ReturnType<typeof f.runtime.attach>>;
  await f.runtime.start({ id: c.id, bundle: c.bundle, spec: c.spec, logPath: c.logPath, beforeStart: async (a) => { streams = await a(); } });
  const out = collectOutput(streams);
  const big = Buffer.alloc(100_000, 'x');
  streams.writeStdin(Buffer.from('hello\n'));
  streams.writeStdin(big);
  streams.closeStdin();
  const o = await out;
  assert.equal(o.stdout.length, 6 + big.length);
  assert.ok(o.stdout.startsWith('hello\nxxxx'));
  assert.equal((await f.runtime.waitExit(c.id, c.bundle)).exitCode, 0);
  await f.runtime.delete(c.id);
});

test('runtime: TTY: resize right after start, interactive input, exit code', { skip }, async () => {
  const c = await f.container(['sh'], { tty: true, openStdin: true, env: ['PATH=/bin:/usr/bin', 'TERM=xterm'] });
  let streams!: Awaited<ReturnType<typeof f.runtime.attach>>;
  await f.runtime.start({ id: c.id, bundle: c.bundle, spec: c.spec, logPath: c.logPath, beforeStart: async (a) => { streams = await a(); } });
  await f.runtime.resize(c.bundle, 33, 101);
  let text = '';
  streams.onOutput((stream, d) => { assert.equal(stream, 1); text += d.toString(); });
  const closed = new Promise<void>((r) => streams.onClose(r));
  streams.writeStdin(Buffer.from('stty size; tty; exit 5\n'));
  await closed;
  assert.match(text, /33 101/);
  assert.match(text, /\/dev\/pts\/0/);
  assert.equal((await f.runtime.waitExit(c.id, c.bundle)).exitCode, 5);
  await f.runtime.delete(c.id);
  await assert.rejects(f.runtime.resize(c.bundle, 1, 1));
});

test('runtime: the container sees Docker defaults: caps, seccomp, hostname, masked paths, limits', { skip }, async () => {
  const masked = ['/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/kcore'].find((p) => existsSync(p)) ?? '/proc/keys';
  const script = [
    'grep -E "^(CapBnd|Seccomp|NoNewPrivs):" /proc/self/status', 'hostname', 'cat /etc/hosts', 'ulimit -n',
    `echo masked=$(cat ${masked} | wc -c)`, 'touch /proc/sys/x 2>/dev/null || echo ro-proc-sys', 'cat /sys/fs/cgroup/pids/pids.max 2>&1',
    'df -k /dev/shm | tail -1', 'id', 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start',
  ].join('; ');
  const c = await f.container(['sh', '-c', script], { resources: { pidsLimit: 50 }, shmSize: 8 << 20, user: { uid: 1, gid: 1, additionalGids: [65534] } });
  const { out } = await run(c, true);
  const o = await out!;
  assert.equal((await f.runtime.waitExit(c.id, c.bundle)).exitCode, 0, o.stderr);
  assert.match(o.stdout, /CapBnd:\s+00000000a80425fb/);
  assert.match(o.stdout, /Seccomp:\s+2/);
  assert.match(o.stdout, new RegExp(`^${c.id.slice(0, 12)}$`, 'm'));
  assert.match(o.stdout, /127\.0\.0\.1\tlocalhost/);
  assert.match(o.stdout, /^20000$|^1048576$/m);
  assert.match(o.stdout, /^masked=0$/m, `${masked} is masked`);
  assert.match(o.stdout, /ro-proc-sys/);
  assert.match(o.stdout, /^50$/m);
  assert.match(o.stdout, /\s8192\s/);
  assert.match(o.stdout, /uid=1\(daemon\) gid=1\(daemon\) groups=.*65534\(nogroup\)\n0\n$/);
  await f.runtime.delete(c.id);
  const text = readFileSync(join(c.bundle, 'config.json'), 'utf8');
  assert.match(text, /"cgroupsPath": "\/berth-test-/);
});

test('runtime: privileged with host namespaces, read-only rootfs, --tmpfs and --init', { skip }, async () => {
  const c = await f.container(['sh', '-c', 'grep -E "^(CapEff|Seccomp):" /proc/self/status; touch /x 2>/dev/null || echo rofs; touch /run/y && echo tmpfs; cat /proc/1/cmdline | tr "\\0" " "'], {
    privileged: true, readonlyRootfs: true, tmpfs: { '/run': 'size=1m' }, init: true,
    namespaces: { pid: 'private', ipc: 'host', uts: 'host', network: 'host' },
  });
  const { out } = await run(c, true);
  const o = await out!;
  assert.equal((await f.runtime.waitExit(c.id, c.bundle)).exitCode, 0, o.stderr);
  const own = BigInt(`0x${/^CapEff:\s*(\w+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  assert.equal(BigInt(`0x${/^CapEff:\s*(\w+)/m.exec(o.stdout)![1]}`), own, 'all capabilities the daemon has');
  assert.match(o.stdout, /Seccomp:\s+0/);
  assert.match(o.stdout, /rofs\ntmpfs\n/);
  assert.match(o.stdout, /^\/sbin\/docker-init -- sh -c/m);
  await f.runtime.delete(c.id);
});

test('runtime: start→exit→delete cycle time', { skip }, async (t) => {
  const n = 10;
  const times: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const c = await f.container(['true']);
    const t1 = performance.now();
    await run(c);
    await f.runtime.waitExit(c.id, c.bundle);
    await f.runtime.delete(c.id);
    const t2 = performance.now();
    const { unmountRootfs } = await import('../layers/rootfs.ts');
    await unmountRootfs(c.rwDir);
    times.push(t2 - t1);
    full.push(performance.now() - t0);
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  t.diagnostic(`start→exit→delete median ${median(times).toFixed(1)} ms; with overlay mount/umount ${median(full).toFixed(1)} ms (n=${n})`);
  await until(() => true);
});
