/*
 * Behaviours found different from dockerd 20.10 in side-by-side runs of the
 * same docker CLI commands, now as dockerd: --pid / --ipc modes, exec start
 * failures, create-time checks, users' groups, environment, ports and ps.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');
const mountsUnder = (dir: string): string[] => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));

describe('namespaces, exec failures and create checks', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  before(() => startWithBusybox(d));
  after(async () => { removeAll(d); await d.cleanup(); });
  const run = (args: string[]) => d.docker(['run', '--rm', '--network', 'none', ...args]);

  it('joins the PID and IPC namespaces and /dev/shm of a shareable donor; its shm mount goes with it', () => {
    const id = d.docker(['run', '-d', '--network', 'none', '--name', 'donor', '--ipc', 'shareable', 'busybox', 'sh', '-c', 'echo hello > /dev/shm/x; sleep 100']).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const joined = run(['--ipc', 'container:donor', '--pid', 'container:donor', 'busybox', 'sh', '-c', 'cat /dev/shm/x; ps -o comm | grep -c sleep; readlink /proc/self/ns/ipc']);
    assert.equal(joined.code, 0, joined.stderr);
    const [text, sleeps, ns] = joined.stdout.trim().split('\n');
    assert.equal(text, 'hello');
    assert.equal(sleeps, '1', 'the donor\'s sleep is in sight');
    assert.equal(ns, d.docker(['exec', 'donor', 'readlink', '/proc/self/ns/ipc']).stdout.trim());
    assert.equal(mountsUnder(`${d.dataRoot}/containers/${id}/shm`).length, 1);
    assert.equal(d.docker(['rm', '-f', 'donor']).code, 0);
    assert.deepEqual(mountsUnder(`${d.dataRoot}/containers/${id}`), [], 'no shm or rootfs mount left');
  });

  it('refuses a non-shareable or stopped donor and unknown modes; --ipc none has no /dev/shm', () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'plain', 'busybox', 'sleep', '100']);
    const plainId = d.docker(['inspect', '-f', '{{.Id}}', 'plain']).stdout.trim();
    const ipc = run(['--ipc', 'container:plain', 'busybox', 'true']);
    assert.equal(ipc.code, 125);
    assert.match(ipc.stderr, new RegExp(`can't join IPC of container ${plainId}: non-shareable IPC \\(hint: use IpcMode:shareable for the donor container\\)`));
    const stoppedId = d.docker(['create', '--network', 'none', '--name', 'stopped', 'busybox', 'true']).stdout.trim();
    assert.match(run(['--pid', 'container:stopped', 'busybox', 'true']).stderr, new RegExp(`cannot join PID of a non running container: ${stoppedId}`));
    const missing = run(['--pid', 'container:nosuch', 'busybox', 'true']);
    assert.match(missing.stderr, /No such container: nosuch/);
    assert.doesNotMatch(missing.stderr, /Unable to find image/, 'looked up at start: no pull');
    assert.match(run(['--ipc', 'bogus', 'busybox', 'true']).stderr, /Invalid IPC mode: bogus/);
    const none = run(['--ipc', 'none', 'busybox', 'ls', '/dev/shm']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No such file or directory/);
    d.docker(['rm', '-f', 'plain', 'stopped']);
  });

  it('an exec that cannot start: the error in the stream, exit code 126', () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'ex', 'busybox', 'sleep', '100']);
    const missing = d.docker(['exec', 'ex', 'nosuchcmd']);
    assert.equal(missing.code, 126);
    assert.match(missing.stdout + missing.stderr, /OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in \$PATH: unknown/);
    // dockerd 28.2+ checks the user at exec create: the CLI's plain daemon error, exit 1
    const user = d.docker(['exec', '-u', 'nosuchuser', 'ex', 'true']);
    assert.equal(user.code, 1);
    assert.match(user.stderr, /unable to find user nosuchuser: no matching entries in passwd file/);
    const tty = d.docker(['exec', '-t', 'ex', 'nosuchcmd']);
    assert.equal(tty.code, 126);
    assert.equal(d.docker(['exec', 'ex', 'sh', '-c', 'exit 3']).code, 3);
    const viaBerth = d.berth(['exec', 'ex', 'nosuchcmd']);
    assert.equal(viaBerth.code, 126);
    assert.match(viaBerth.stdout + viaBerth.stderr, /executable file not found/);
    d.docker(['rm', '-f', 'ex']);
  });

  it('checks CPUs, cpusets, capabilities, signals and the working directory with dockerd\'s words', () => {
    const n = d.docker(['info', '-f', '{{.NCPU}}']).stdout.trim();
    assert.match(run(['--cpus', '1000', 'busybox', 'true']).stderr, new RegExp(`Range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`));
    assert.match(run(['--cpuset-cpus', '999', 'busybox', 'true']).stderr, /Requested CPUs are not available - requested 999, available: /);
    assert.match(run(['--cpuset-cpus', 'abc', 'busybox', 'true']).stderr, /Invalid value abc for cpuset cpus: invalid format: abc/);
    assert.match(run(['--cap-add', 'BOGUS', 'busybox', 'true']).stderr, /invalid CapAdd: unknown capability: "CAP_BOGUS"/);
    assert.match(d.docker(['create', '--cap-drop', 'BOGUS', 'busybox']).stderr, /invalid CapDrop: unknown capability: "CAP_BOGUS"/);
    assert.match(run(['--stop-signal', 'BOGUS', 'busybox', 'true']).stderr, /Invalid signal: BOGUS/);
    assert.match(run(['--cpu-shares', '-5', 'busybox', 'true']).stderr, /shares: invalid argument/);
    assert.match(run(['--entrypoint', '', 'busybox']).stderr, /No command specified/);
    const wd = run(['-w', '/etc/passwd', 'busybox', 'true']);
    assert.equal(wd.code, 125);
    assert.match(wd.stderr, /Cannot mkdir: \/etc\/passwd is not a directory/);
    assert.match(d.docker(['kill', '-s', 'BOGUS', 'nosuch']).stderr, /Invalid signal: BOGUS/);
    assert.match(run(['--runtime', 'foo', 'busybox', 'true']).stderr, /unknown or invalid runtime name: foo/);
    d.docker(['create', '--network', 'none', '--name', 'idle', 'busybox', 'true']);
    const [runtime, lower] = d.docker(['inspect', '-f', '{{.HostConfig.Runtime}} {{.GraphDriver.Data.LowerDir}}', 'idle']).stdout.trim().split(' ');
    assert.equal(runtime, 'runc');
    assert.match(lower, new RegExp(`^${d.dataRoot}/overlay2/[0-9a-f]+/diff$`), 'the image\'s layer under the container\'s');
    assert.match(d.docker(['kill', 'idle']).stderr, /Cannot kill container: idle: Container [0-9a-f]{64} is not running/);
    assert.match(d.docker(['network', 'connect', 'nosuchnet', 'nosuchctr']).stderr, /No such container: nosuchctr/);
    d.docker(['rm', '-f', 'idle']);
    assert.equal(d.docker(['ps', '-aq']).stdout.trim(), '', 'no container left by the refused runs');
  });

  it('users get their primary group as a supplementary one; a bare -e KEY unsets; no ports without a network of its own', () => {
    assert.equal(run(['-u', '1000:1000', 'busybox', 'id']).stdout.trim(), 'uid=1000 gid=1000 groups=1000');
    assert.equal(run(['--group-add', '50', '-u', '1000', 'busybox', 'id']).stdout.trim(), 'uid=1000 gid=0(root) groups=0(root),50');
    // (a bare name that the CLI's own environment has is sent with its value: this one it has not)
    const env = run(['-e', 'FOO=bar', '-e', 'NOTSET_BERTH_TEST', 'busybox', 'sh', '-c', 'echo "$FOO|${NOTSET_BERTH_TEST-unset}"']);
    assert.equal(env.stdout.trim(), 'bar|unset', env.stderr);
    d.docker(['run', '-d', '--network', 'none', '--name', 'np', '-p', '8080:80', 'busybox', 'sleep', '100']);
    assert.equal(d.docker(['ps', '--format', '{{.Names}}:{{.Ports}}', '--filter', 'name=np']).stdout.trim(), 'np:');
    assert.match(d.docker(['top', 'np', 'bogus-ps-arg']).stderr, /^Error response from daemon: ps: error: unsupported option \(BSD syntax\)\n$/);
    d.docker(['pause', 'np']);
    assert.match(d.docker(['exec', 'np', 'true']).stderr, /Container np is paused, unpause the container before exec/);
    d.docker(['rm', '-f', 'np']);
  });

  it('inspect -s gives SizeRw and SizeRootFs (a symlink counts its target\'s length)', async () => {
    d.docker(['run', '--network', 'none', '--name', 'sz', 'busybox', 'sh', '-c', 'head -c 12345 /dev/zero > /f; ln -s /f /lnk']);
    const [rw, rootfs] = d.docker(['inspect', '-s', '-f', '{{.SizeRw}} {{.SizeRootFs}}', 'sz']).stdout.trim().split(' ').map(Number);
    assert.equal(rw, 12345 + 2);
    const image = Number(d.docker(['image', 'inspect', '-f', '{{.Size}}', 'busybox']).stdout.trim());
    assert.equal(rootfs, image + rw);
    assert.equal(d.docker(['inspect', '-f', '{{.SizeRw}}', 'sz']).stdout.trim(), '<nil>', 'only when asked for');
    // an update without warnings answers null for them, as dockerd's nil slice
    const upd = await d.http('POST', '/containers/sz/update', JSON.stringify({ CpuShares: 512 }));
    assert.deepEqual(JSON.parse(upd.body), { Warnings: null });
    d.docker(['rm', 'sz']);
  });

  it('docker kill leaves a container with a restart policy down, as a manual stop', async () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'ka', '--restart', 'always', 'busybox', 'sleep', '100']);
    assert.equal(d.docker(['kill', 'ka']).code, 0);
    const waited = d.docker(['wait', 'ka']);
    assert.equal(waited.stdout.trim(), '137');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(d.docker(['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'ka']).stdout.trim(), 'exited 0');
    // a start brings the policy back
    d.docker(['start', 'ka']);
    assert.equal(d.docker(['inspect', '-f', '{{.State.Status}}', 'ka']).stdout.trim(), 'running');
    d.docker(['rm', '-f', 'ka']);
  });

  it('sends dockerd\'s events for run, exec and stop on the none and host networks, in its order', async () => {
    // a second of its own: events of the tests before stay out of the window
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 10));
    const since = Math.floor(Date.now() / 1000);
    d.docker(['run', '--rm', '--network', 'none', '--name', 'ev', 'busybox', 'true']);
    d.docker(['run', '-d', '--network', 'none', '--name', 'ev2', 'busybox', 'sleep', '100']);
    d.docker(['exec', 'ev2', 'true']);
    d.docker(['stop', '-t', '1', 'ev2']);
    d.docker(['rm', 'ev2']);
    d.docker(['run', '--rm', '--network', 'host', 'busybox', 'true']);
    await new Promise((r) => setTimeout(r, 1200));
    const until = Math.floor(Date.now() / 1000);
    const got = d.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'type=container', '--filter', 'type=network', '--format', '{{.Type}} {{.Action}}']).stdout.trim().split('\n');
    // as recorded from dockerd 20.10 for the same commands
    const life = ['container create', 'container attach', 'network connect', 'container start', 'container die', 'network disconnect', 'container destroy'];
    assert.deepEqual(got, [
      ...life,
      'container create', 'network connect', 'container start', 'container exec_create: true ', 'container exec_start: true ', 'container exec_die',
      'container kill', 'container kill', 'container die', 'network disconnect', 'container stop', 'container destroy',
      ...life,
    ]);
  });
});
