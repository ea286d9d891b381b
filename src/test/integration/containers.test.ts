import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');

/** Mounts and conmon processes that belong to this daemon's scratch dir. */
function leftovers(d: Daemon): { mounts: string[]; conmon: string[] } {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(d.dir));
  const ps = spawnSync('ps', ['-eo', 'pid,args']).stdout.toString().split('\n');
  return { mounts, conmon: ps.filter((l) => l.includes('conmon') && l.includes(d.dir)) };
}

describe('containers with the docker CLI', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  before(() => startWithBusybox(d));
  after(async () => {
    removeAll(d);
    await d.cleanup();
  });

  it('runs a command, keeps stdout and stderr apart and returns the exit code', () => {
    const r = d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(d.docker(['ps', '-aq']).stdout, '', '--rm removed it');
  });

  it('reserves a name from the start of a create: concurrent creates never share one', async () => {
    const body = JSON.stringify({ Image: 'busybox', Cmd: ['true'] });
    const same = await Promise.all(Array.from({ length: 6 }, () => d.http('POST', '/containers/create?name=twin', body)));
    const won = same.filter((r) => r.status === 201);
    assert.equal(won.length, 1, same.map((r) => `${r.status} ${r.body}`).join('\n'));
    const winner = JSON.parse(won[0].body).Id as string;
    for (const r of same.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 409);
      assert.match(JSON.parse(r.body).message, new RegExp(`The container name "/twin" is already in use by container "${winner}"`));
    }
    const many = await Promise.all(Array.from({ length: 40 }, () => d.http('POST', '/containers/create', body)));
    assert.deepEqual(many.map((r) => r.status), many.map(() => 201));
    const names = d.docker(['ps', '-a', '--format', '{{.Names}}']).stdout.trim().split('\n');
    assert.equal(new Set(names).size, names.length);
    assert.equal(d.docker(['rm', ...many.map((r) => JSON.parse(r.body).Id as string), winner]).code, 0);
  });

  it('ps -s shows the container layer and virtual sizes; the list follows renames, starts and exits', () => {
    const run = d.docker(['run', '--name', 'sized', 'busybox', 'sh', '-c', 'head -c 1000000 /dev/zero > /big']);
    assert.equal(run.code, 0, run.stderr);
    const api = JSON.parse(d.docker(['ps', '-as', '--filter', 'name=sized', '--format', '{{json .}}']).stdout) as { Size: string };
    assert.match(api.Size, /^1(\.\d+)?MB \(virtual \d+(\.\d+)?MB\)$/, api.Size);
    const id = d.docker(['inspect', '-f', '{{.Id}}', 'sized']).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const list = () => d.docker(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Names}} {{.State}} {{.Status}}']).stdout.trim();
    assert.match(list(), /^sized exited Exited \(0\) /);
    assert.equal(d.docker(['rename', 'sized', 'resized']).code, 0);
    assert.match(list(), /^resized exited /);
    assert.equal(d.docker(['start', 'resized']).code, 0);
    assert.equal(d.docker(['wait', 'resized']).stdout.trim(), '0');
    assert.match(list(), /^resized exited Exited \(0\) /);
    assert.equal(d.docker(['rm', 'resized']).code, 0);
    assert.equal(d.docker(['ps', '-aq', '--filter', 'name=resized']).stdout, '');
  });

  it('selects with ps filters as dockerd does, and shows an image ID once the name has moved', () => {
    const ok = (args: string[]): string => {
      const r = d.docker(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const names = (...filters: string[]): string => ok(['ps', '-a', ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Names}}']).split('\n').join(' ');
    ok(['run', '-d', '--name', 'fa', 'busybox', 'sleep', '300']);
    ok(['create', '--name', 'fb', 'busybox', 'true']);
    ok(['run', '--name', 'fc', 'busybox', 'true']);
    // since and before do not bring in stopped containers without -a; exited needs -a
    assert.equal(ok(['ps', '--filter', 'since=fa', '--format', '{{.Names}}']), '');
    assert.equal(names('since=fa'), 'fc fb');
    assert.equal(ok(['ps', '--filter', 'exited=0', '--format', '{{.Names}}']), '');
    assert.equal(names('exited=0', 'name=^f'), 'fc');
    // a short ID is not a since/before value, as in dockerd
    const short = ok(['inspect', '-f', '{{.Id}}', 'fa']).slice(0, 12);
    assert.match(d.docker(['ps', '--filter', `since=${short}`]).stderr, new RegExp(`No such container: ${short}`));
    // the limit counts what the filters keep
    assert.equal(ok(['ps', '-n', '1', '--filter', 'status=running', '--format', '{{.Names}}']), 'fa');
    // ancestor resolves to image IDs and takes in images made from them
    ok(['tag', 'busybox', 'fam:alias']);
    ok(['commit', 'fc', 'fam:child']);
    ok(['create', '--name', 'fd', 'fam:child', 'true']);
    assert.equal(names('ancestor=fam:alias'), 'fd fc fb fa');
    assert.equal(names('ancestor=fam:child'), 'fd');
    assert.equal(names('ancestor=nosuch:image'), '');
    // a name now standing for another image: the list shows the container's image ID
    ok(['tag', 'fam:child', 'fam:alias']);
    ok(['run', '--name', 'fe', 'fam:alias', 'true']);
    ok(['tag', 'busybox', 'fam:alias']);
    assert.equal(ok(['ps', '-a', '--no-trunc', '--filter', 'name=fe', '--format', '{{.Image}}']), ok(['inspect', '-f', '{{.Id}}', 'fam:child']));
    assert.equal(ok(['ps', '-a', '--filter', 'name=fa', '--format', '{{.Image}}']), 'busybox');
    // dockerd's words for bad values; is-task and unknown keys
    assert.match(d.docker(['ps', '--filter', 'health=ok']).stderr, /invalid filter 'health=ok': invalid value for health \(ok\)/);
    assert.match(d.docker(['ps', '--filter', 'publish=1:2']).stderr, /filter for 'publish' should not contain ':': 1:2/);
    assert.match(d.docker(['ps', '--filter', 'label!=x']).stderr, /invalid filter 'label!'/);
    assert.equal(names('is-task=true'), '');
    assert.equal(names('name=[', 'name=fa'), 'fa', 'a bad regexp matches nothing');
    ok(['rm', '-f', 'fa', 'fb', 'fc', 'fd', 'fe']);
    ok(['rmi', 'fam:child', 'fam:alias']);
  });

  it('pipes stdin with -i until EOF', () => {
    const r = d.docker(['run', '--rm', '-i', 'busybox', 'cat'], 'hello through stdin\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello through stdin\n');
  });

  it('runs detached, lists, logs, stops and removes', async () => {
    const run = d.docker(['run', '-d', '--name', 'web', '-e', 'GREETING=hi', 'busybox', 'sh', '-c', 'echo $GREETING; echo oops >&2; exec sleep 1000']);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    const ps = d.docker(['ps']);
    assert.match(ps.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/m);
    assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sh -c 'echo \\$GREETI…"\\s+.*Up .*\\s+web$`, 'm'));
    const state = JSON.parse(d.docker(['inspect', 'web']).stdout)[0].State;
    assert.equal(state.Running, true);
    assert.ok(state.Pid > 0);
    await new Promise((r) => setTimeout(r, 300));
    const logs = d.docker(['logs', 'web']);
    assert.equal(logs.stdout, 'hi\n');
    assert.equal(logs.stderr, 'oops\n');
    assert.match(d.docker(['logs', '-t', 'web']).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hi$/m);
    const rm = d.docker(['rm', 'web']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /cannot remove container "\/web": container is running: stop the container before removing or force remove/);
    const dup = d.docker(['run', '-d', '--name', 'web', 'busybox', 'true']);
    assert.equal(dup.code, 125);
    assert.match(dup.stderr, /Conflict. The container name "\/web" is already in use by container "/);
    assert.equal(d.docker(['stop', '-t', '1', 'web']).code, 0);
    const after = JSON.parse(d.docker(['inspect', 'web']).stdout)[0].State;
    assert.equal(after.Running, false);
    assert.equal(after.ExitCode, 137, 'sleep ignores SIGTERM as PID 1, so the stop timeout kills it');
    assert.match(d.docker(['ps', '-a', '--filter', 'name=web']).stdout, /Exited \(137\) .* ago/);
    assert.equal(d.docker(['rm', 'web']).code, 0);
    assert.deepEqual(leftovers(d), { mounts: [], conmon: [] });
  });

  it('reports a missing command with exit 127', () => {
    const r = d.docker(['run', '--rm', 'busybox', '/no/such/binary']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /no such file or directory|not found/);
  });

  it('kill, pause/unpause, rename, wait and restart policies', async () => {
    const id = d.docker(['run', '-d', 'busybox', 'sleep', '1000']).stdout.trim();
    assert.equal(d.docker(['pause', id]).code, 0);
    assert.match(d.docker(['ps', '--filter', `id=${id}`]).stdout, /\(Paused\)/);
    assert.equal(d.docker(['unpause', id]).code, 0);
    assert.equal(d.docker(['rename', id, 'renamed']).code, 0);
    // PID 1 ignores SIGTERM without a handler (as with dockerd); SIGKILL ends it.
    assert.equal(d.docker(['kill', 'renamed']).code, 0);
    const w = d.docker(['wait', 'renamed']);
    assert.equal(w.stdout.trim(), '137');
    d.docker(['rm', 'renamed']);
    const flaky = d.docker(['run', '-d', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']).stdout.trim();
    for (let i = 0; i < 50; i++) {
      const st = JSON.parse(d.docker(['inspect', flaky]).stdout)[0];
      if (st.RestartCount === 2 && !st.State.Running && !st.State.Restarting) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const fin = JSON.parse(d.docker(['inspect', flaky]).stdout)[0];
    assert.equal(fin.RestartCount, 2);
    assert.equal(fin.State.ExitCode, 1);
    d.docker(['rm', '-f', flaky]);
  });

  it('execs into a running container with docker exec', () => {
    const id = d.docker(['run', '-d', 'busybox', 'sleep', '1000']).stdout.trim();
    const a = d.docker(['exec', id, 'echo', 'hello-exec']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, 'hello-exec\n');
    const b = d.docker(['exec', id, 'sh', '-c', 'echo err >&2; exit 9']);
    assert.equal(b.code, 9);
    assert.equal(b.stderr, 'err\n');
    assert.equal(d.docker(['exec', '-i', id, 'cat'], 'piped\n').stdout, 'piped\n');
    assert.equal(d.docker(['exec', '-w', '/tmp', '-e', 'FOO=bar', '-u', 'nobody', id, 'sh', '-c', 'echo $(pwd) $FOO $(id -u)']).stdout, '/tmp bar 65534\n');
    assert.equal(d.docker(['exec', '-d', id, 'sleep', '1']).code, 0);
    // bad detach keys are refused at exec create (they used to hang the start); DEL is a key
    const keys = d.docker(['exec', '--detach-keys', 'ctrl-p,bogus', id, 'true']);
    assert.equal(keys.code, 1);
    assert.match(keys.stderr, /Invalid escape keys \(ctrl-p,bogus\) provided/);
    assert.equal(d.docker(['exec', '--detach-keys', 'DEL', id, 'echo', 'ok']).stdout, 'ok\n');
    assert.match(d.docker(['commit', '-c', 'STOPSIGNAL SIGINT', id, 'nope:1']).stderr, /stopsignal is not a valid change command/);
    d.docker(['kill', id]);
    const stopped = d.docker(['exec', id, 'true']);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /Container [a-f0-9]{64} is not running/);
    d.docker(['rm', id]);
  });

  it('runs health checks and shows them in ps and inspect', async () => {
    const id = d.docker(['run', '-d', '--health-cmd', 'test -e /tmp/ok', '--health-interval', '1s', '--health-retries', '1', 'busybox', 'sh', '-c', 'sleep 2.5; touch /tmp/ok; exec sleep 100']).stdout.trim();
    assert.match(d.docker(['ps', '--filter', `id=${id}`, '--format', '{{.Status}}']).stdout, /\(health: starting\)/);
    let health = '';
    for (let i = 0; i < 60 && health !== 'healthy'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      health = d.docker(['inspect', '-f', '{{.State.Health.Status}}', id]).stdout.trim();
    }
    assert.equal(health, 'healthy');
    assert.equal(d.docker(['ps', '-q', '--filter', 'health=healthy']).stdout.trim(), id.slice(0, 12));
    const log = JSON.parse(d.docker(['inspect', '-f', '{{json .State.Health.Log}}', id]).stdout);
    assert.ok(log.some((l: { ExitCode: number }) => l.ExitCode === 1) && log.at(-1).ExitCode === 0);
    d.docker(['rm', '-f', id]);
  });

  it('applies limits and security options, and reports OOM kills', () => {
    const oom = d.docker(['run', '--name', 'oom', '-m', '16m', 'busybox', 'sh', '-c', 'x=a; while true; do x=$x$x; done']);
    assert.equal(oom.code, 137);
    assert.equal(d.docker(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'oom']).stdout.trim(), 'true 137');
    d.docker(['rm', 'oom']);
    const small = d.docker(['run', '--rm', '-m', '1k', 'busybox', 'true']);
    assert.equal(small.code, 125);
    assert.match(small.stderr, /Minimum memory limit allowed is 6MB/);
    assert.match(d.docker(['run', '--rm', '--init', 'busybox', 'ps']).stdout, /^\s+1 root\s+\/sbin\/docker-init -- ps$/m);
    const ro = d.docker(['run', '--rm', '--read-only', 'busybox', 'touch', '/x']);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /Read-only file system/);
    assert.match(d.docker(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'chown', '1', '/tmp']).stderr, /Operation not permitted/);
    assert.equal(d.docker(['run', '--rm', '--pid', 'host', 'busybox', 'sh', '-c', 'test -e /proc/1/comm && ! grep -q "^sh$" /proc/1/comm']).code, 0);
    assert.equal(d.docker(['run', '--rm', '-h', 'myhost', '--user', 'nobody', 'busybox', 'sh', '-c', 'echo $(hostname) $(id -u)']).stdout, 'myhost 65534\n');
  });

  it('protects images in use and cleans up everything on rm -f', () => {
    const id = d.docker(['create', 'busybox', 'true']).stdout.trim();
    const rmi = d.docker(['rmi', 'busybox']);
    assert.equal(rmi.code, 1);
    assert.match(rmi.stderr, /conflict: unable to remove repository reference "busybox" \(must force\) - container [a-f0-9]{12} is using its referenced image/);
    const running = d.docker(['run', '-d', 'busybox', 'sleep', '1000']).stdout.trim();
    assert.equal(d.docker(['rm', '-f', id, running]).code, 0);
    assert.deepEqual(leftovers(d), { mounts: [], conmon: [] });
  });
});
