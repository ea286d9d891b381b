/*
 * More behaviours found different from dockerd in side-by-side runs, now as
 * dockerd: the HostConfig a create records, create-time checks, kill of a
 * paused container and kill's wording, commit comments, rename errors.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

describe('create defaults and checks, kill, commit and rename as dockerd', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  before(() => startWithBusybox(d));
  after(async () => { removeAll(d); await d.cleanup(); });
  const run = (args: string[]) => d.docker(['run', '--rm', '--network', 'none', ...args]);
  const inspect = (name: string) => JSON.parse(d.docker(['inspect', name]).stdout)[0];

  it('records dockerd\'s HostConfig defaults, and the container gets them', () => {
    assert.equal(d.docker(['create', '--network', 'none', '--name', 'dflt', 'busybox', 'true']).code, 0);
    const h = inspect('dflt').HostConfig;
    assert.equal(h.ShmSize, 64 * 1024 * 1024);
    assert.equal(h.IpcMode, 'private');
    assert.equal(h.CgroupnsMode, V2 ? 'private' : 'host');
    assert.equal(h.OomKillDisable, false);
    assert.equal(h.PidsLimit, null);
    assert.equal(h.MemorySwappiness, null);
    // times as Go writes them: nanoseconds, trailing zeros dropped (not JavaScript's milliseconds)
    assert.match(inspect('dflt').Created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d*[1-9]Z$/);
    assert.doesNotMatch(inspect('dflt').Created, /\.\d{3}Z$/, 'milliseconds only (1 chance in a million of a false alarm)');
    assert.ok(h.MaskedPaths.includes('/proc/kcore'), JSON.stringify(h.MaskedPaths));
    assert.ok(h.ReadonlyPaths.includes('/proc/sys'), JSON.stringify(h.ReadonlyPaths));
    d.docker(['create', '--network', 'none', '--name', 'mem', '-m', '20m', 'busybox', 'true']);
    assert.equal(d.docker(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}', 'mem']).stdout.trim(), '20971520 41943040');
    d.docker(['create', '--network', 'none', '--name', 'priv', '--privileged', 'busybox', 'true']);
    assert.equal(inspect('priv').HostConfig.MaskedPaths, null, 'privileged: nothing masked');
    d.docker(['rm', 'dflt', 'mem', 'priv']);
    // the masked paths in force are the container's own: systempaths=unconfined (the CLI sends empty lists) unmasks them
    const masked = (extra: string[]) => run([...extra, 'busybox', 'sh', '-c', 'grep -c " /proc/keys " /proc/mounts']).stdout.trim();
    assert.equal(masked([]), '1');
    assert.equal(masked(['--security-opt', 'systempaths=unconfined']), '0');
    // --cgroupns: its own cgroup namespace or the host's
    const hostNs = readlinkSync('/proc/self/ns/cgroup');
    assert.notEqual(run(['--cgroupns', 'private', 'busybox', 'readlink', '/proc/self/ns/cgroup']).stdout.trim(), hostNs);
    assert.equal(run(['--cgroupns', 'host', 'busybox', 'readlink', '/proc/self/ns/cgroup']).stdout.trim(), hostNs);
  });

  it("Config.Env and the process environment in dockerd's order; null when neither the image nor the create has any", () => {
    assert.equal(d.docker(['create', '--network', 'none', '--name', 'envbase', 'busybox', 'true']).code, 0);
    assert.equal(inspect('envbase').Config.Env, null);
    assert.equal(d.docker(['commit', '-c', 'ENV A=1 B=2', 'envbase', 'envimg']).code, 0);
    // the docker CLI sends its -e values in no fixed order (they pass through a Go map)
    d.docker(['create', '--network', 'none', '--name', 'envc2', '-e', 'B=9', '-e', 'X=1', 'envimg', 'true']);
    const e2 = inspect('envc2').Config.Env as string[];
    assert.deepEqual([[...e2.slice(0, 2)].sort(), e2.slice(2)], [['B=9', 'X=1'], ['A=1']], 'the create\'s first, then the image\'s it does not name');
    d.docker(['create', '--network', 'none', '--name', 'envc3', '-e', 'B=9', '-e', 'A', 'envimg', 'true']);
    assert.deepEqual([...inspect('envc3').Config.Env].sort(), ['A', 'B=9'], 'a bare key is kept, and the image\'s value for it dropped');
    const env = run(['-e', 'B=9', '-e', 'X=1', '-e', 'A', 'envimg', 'env']).stdout.split('\n').filter(Boolean).map((l) => l.split('=')[0]);
    assert.deepEqual([env.slice(0, 2), [...env.slice(2, -1)].sort(), env.at(-1)], [['PATH', 'HOSTNAME'], ['B', 'X'], 'HOME'], env.join());
    d.docker(['rm', 'envbase', 'envc2', 'envc3']);
    d.docker(['rmi', 'envimg']);
  });

  it("resources as dockerd applies them: swappiness, device throttles, --gpus without a driver, binds holding the daemon root", () => {
    if (existsSync('/sys/fs/cgroup/memory/memory.swappiness')) {
      assert.equal(run(['--memory-swappiness', '17', 'busybox', 'cat', '/sys/fs/cgroup/memory/memory.swappiness']).stdout.trim(), '17');
      assert.match(run(['--oom-kill-disable', 'busybox', 'true']).stderr, /WARNING: OOM killer is disabled for the container, but no memory limit is set/);
    } else {
      assert.match(run(['--memory-swappiness', '17', 'busybox', 'true']).stderr, /WARNING: Your kernel does not support memory swappiness capabilities/);
    }
    const block = existsSync('/sys/block') ? readdirSync('/sys/block').map((n) => `/dev/${n}`).find((p) => existsSync(p)) : undefined;
    if (block && existsSync('/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device')) {
      const out = run(['--device-write-iops', `${block}:100`, 'busybox', 'cat', '/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device']);
      assert.match(out.stdout, /^\d+:\d+ 100$/m, out.stderr);
    }
    const missing = run(['--device-read-bps', '/dev/berth-nosuch:1mb', 'busybox', 'true']);
    assert.match(missing.stderr, /Error response from daemon: stat \/dev\/berth-nosuch: no such file or directory/);
    const gpus = run(['--gpus', 'all', 'busybox', 'true']);
    assert.equal(gpus.code, 125);
    assert.match(gpus.stderr, /could not select device driver "" with capabilities: \[\[gpu\]\]/);
    // a bind of the directory holding the data root: rslave by default, private refused
    const refused = run(['-v', `${d.dir}:/x:rprivate`, 'busybox', 'true']);
    assert.match(refused.stderr, /must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root/);
    d.docker(['create', '--network', 'none', '--name', 'rootbind', '-v', `${d.dir}:/x`, 'busybox', 'true']);
    assert.equal(inspect('rootbind').Mounts[0].Propagation, 'rslave');
    assert.equal(d.docker(['start', '-a', 'rootbind']).code, 0, 'starts, falling back to private where the source cannot propagate');
    d.docker(['rm', 'rootbind']);
  });

  it('what the container sees: DNS flags keep the host\'s other lines, the host network\'s name, exec\'s HOME and TERM, OOM score, domain name, device rules', () => {
    const resolv = run(['--dns-search', 'a.b', 'busybox', 'cat', '/etc/resolv.conf']).stdout;
    assert.match(resolv, /^search a\.b$/m);
    assert.match(resolv, /^nameserver \S+$/m, 'the host\'s nameservers stay when only --dns-search is given');
    assert.doesNotMatch(run(['--dns-search', '.', 'busybox', 'cat', '/etc/resolv.conf']).stdout, /^search/m);
    const host = hostname();
    assert.equal(d.docker(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname']).stdout, `${host}\n${host}\n`);
    assert.equal(d.docker(['run', '--rm', '--network', 'host', '--hostname', 'foo', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname']).stdout, 'foo\nfoo\n');
    const hostsFile = d.docker(['run', '--rm', '--network', 'host', '--add-host', 'a:1.2.3.4', 'busybox', 'cat', '/etc/hosts']).stdout;
    assert.match(hostsFile, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(hostsFile, /^1\.2\.3\.4\ta$/m);
    assert.equal(hostsFile.split('\n').filter(Boolean).length, 7, 'the standard lines and the one asked for, not the host\'s file');
    assert.equal(run(['--oom-score-adj', '500', 'busybox', 'cat', '/proc/self/oom_score_adj']).stdout.trim(), '500');
    assert.equal(run(['--hostname', 'h', '--domainname', 'dom', 'busybox', 'cat', '/proc/sys/kernel/domainname']).stdout.trim(), 'dom');
    if (!V2) {
      const list = run(['--device-cgroup-rule', 'c 42:* rmw', 'busybox', 'cat', '/sys/fs/cgroup/devices/devices.list']).stdout;
      assert.match(list, /^c 42:\* rwm$/m);
      assert.match(list, /^c 5:1 rwm$/m, '/dev/console, as dockerd allows it');
    }
    d.docker(['run', '-d', '--network', 'none', '-t', '--name', 'envc', 'busybox', 'sleep', '100']);
    const env = (args: string[]) => d.docker(['exec', ...args, 'envc', 'sh', '-c', 'echo "$HOME|$TERM"']).stdout.trim();
    assert.equal(env([]), '/root|', 'no TERM without -t, even in a tty container');
    assert.equal(env(['-t']), '/root|xterm');
    assert.equal(env(['-u', '1000:1000']), '/|', 'HOME of a user without a passwd entry');
    assert.equal(env(['-u', 'nobody']), '/home|', 'HOME from the exec user\'s passwd entry');
    assert.equal(env(['-u', 'nobody', '-e', 'HOME=/x']), '/x|');
    d.docker(['rm', '-f', 'envc']);
  });

  it('health checks: a timeout worded with Go\'s duration, output cut at 4096 bytes with "..."', async () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'hslow', '--health-cmd', 'sleep 5', '--health-timeout', '500ms', '--health-interval', '1s', 'busybox', 'sleep', '100']);
    d.docker(['run', '-d', '--network', 'none', '--name', 'hbig', '--health-cmd', 'head -c 5000 /dev/zero | tr "\\0" a', '--health-interval', '1s', 'busybox', 'sleep', '100']);
    const firstLog = async (name: string): Promise<{ Output: string }> => {
      for (let i = 0; i < 60; i++) {
        const log = JSON.parse(d.docker(['inspect', '-f', '{{json .State.Health.Log}}', name]).stdout || 'null') as { Output: string }[] | null;
        if (log?.length) return log[0];
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no health check log for ${name}`);
    };
    assert.equal((await firstLog('hslow')).Output, 'Health check exceeded timeout (500ms)');
    const big = (await firstLog('hbig')).Output;
    assert.equal(big.length, 4099);
    assert.ok(big.endsWith('a...'), big.slice(-10));
    const keys = Object.keys(inspect('hbig').Config);
    assert.equal(keys[keys.indexOf('Cmd') + 1], 'Healthcheck', `dockerd's key order: ${keys.join()}`);
    d.docker(['rm', '-f', 'hslow', 'hbig']);
  });

  it('--network container:X of a missing container fails the start, not the create (no pull)', () => {
    const c = d.docker(['create', '--name', 'joiner', '--network', 'container:missing', 'busybox', 'true']);
    assert.equal(c.code, 0, c.stderr);
    assert.doesNotMatch(c.stderr, /Unable to find image/);
    const s = d.docker(['start', 'joiner']);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /No such container: missing/);
    d.docker(['rm', 'joiner']);
  });

  it('refuses at create what dockerd refuses, in its words, without trying a pull', () => {
    const refused: [string[], RegExp][] = [
      [['--oom-score-adj', '2000'], /Invalid value 2000, range for oom score adj is \[-1000, 1000\]/],
      [['--link', 'missing:alias'], /could not get container for missing: No such container: missing/],
      [['--tmpfs', 'relative'], /invalid mount path: 'relative' mount path must be absolute/],
      [['-w', 'relative'], /the working directory 'relative' is invalid, it needs to be an absolute path/],
      [['--isolation', 'hyperv'], /Invalid isolation: "hyperv" - linux only supports 'default'/],
      [['--storage-opt', 'size=1G'], /--storage-opt is supported only for overlay over xfs with 'pquota' mount option/],
      [['--ip', '10.0.0.5'], /user specified IP address is supported on user defined networks only/],
      [['--ip', 'bad'], /invalid IPv4 address: bad/],
    ];
    for (const [flags, message] of refused) {
      const r = run([...flags, 'busybox', 'true']);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /Unable to find image/);
    }
    // a numeric stop signal is taken as it is at create (dockerd's ParseSignal)
    assert.equal(d.docker(['create', '--network', 'none', '--name', 'sig99', '--stop-signal', '99', 'busybox', 'true']).code, 0);
    d.docker(['rm', 'sig99']);
    assert.equal(d.docker(['ps', '-aq']).stdout.trim(), '', 'nothing left by the refused creates');
  });

  it('kill resumes a paused container; its errors carry "Cannot kill container: NAME"; events name the signal by number', () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    d.docker(['run', '-d', '--network', 'none', '--name', 'pk', 'busybox', 'sh', '-c', 'trap "" HUP; sleep 100']);
    // a container on the none network has its own namespace, named by SandboxKey (nsenter --net=... works on it)
    const key = d.docker(['inspect', '-f', '{{.NetworkSettings.SandboxKey}}', 'pk']).stdout.trim();
    assert.equal(readlinkSync(key), d.docker(['exec', 'pk', 'readlink', '/proc/self/ns/net']).stdout.trim());
    assert.equal(d.docker(['pause', 'pk']).code, 0);
    assert.equal(d.docker(['kill', '-s', 'HUP', 'pk']).code, 0);
    assert.equal(d.docker(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'pk']).stdout.trim(), 'running false');
    assert.match(d.docker(['unpause', 'pk']).stderr, /Container [0-9a-f]{64} is not paused/);
    const ev = d.docker(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=pk',
      '--filter', 'event=kill', '--filter', 'event=unpause', '--format', '{{.Action}} {{.Actor.Attributes.signal}}']);
    assert.equal(ev.stdout, 'kill 1\nunpause <no value>\n');
    assert.match(d.docker(['kill', 'nosuch']).stderr, /Error response from daemon: Cannot kill container: nosuch: No such container: nosuch/);
    assert.match(d.docker(['kill', '-s', '99', 'pk']).stderr, /Cannot kill container: pk: the linux daemon does not support signal 99/);
    d.docker(['rm', '-f', 'pk']);
  });

  it('commit -m shows as the image comment; rename refusals say "Error when allocating new name"; untag events name the image ID', () => {
    d.docker(['create', '--network', 'none', '--name', 'src', 'busybox', 'true']);
    d.docker(['create', '--network', 'none', '--name', 'other', 'busybox', 'true']);
    assert.equal(d.docker(['commit', '-m', 'my message', 'src', 'committed:1']).code, 0);
    assert.equal(d.docker(['image', 'inspect', '-f', '{{.Comment}}', 'committed:1']).stdout.trim(), 'my message');
    assert.match(d.docker(['rename', 'src', 'bad name']).stderr, /Error when allocating new name: Invalid container name \(\/bad name\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/);
    assert.match(d.docker(['rename', 'src', 'other']).stderr, /Error when allocating new name: Conflict. The container name "\/other" is already in use/);
    const id = d.docker(['image', 'inspect', '-f', '{{.Id}}', 'committed:1']).stdout.trim();
    const since = Math.floor(Date.now() / 1000) - 1;
    assert.equal(d.docker(['rmi', 'committed:1']).code, 0);
    const ev = d.docker(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'event=untag', '--format', '{{.Actor.ID}} {{.Actor.Attributes.name}}']);
    assert.equal(ev.stdout, `${id} ${id}\n`);
    d.docker(['rm', 'src', 'other']);
  });
});

describe('API 1.50 shapes as dockerd sends them', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  before(() => startWithBusybox(d));
  after(async () => { removeAll(d); await d.cleanup(); });
  const get = async (path: string) => JSON.parse((await d.http('GET', path)).body);

  it('ExecIDs lists unfinished execs; exec inspect has a null ExitCode until the end and no empty user', async () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'ex', 'busybox', 'sleep', '100']);
    assert.equal((await get('/v1.50/containers/ex/json')).ExecIDs, null);
    const created = await d.http('POST', '/v1.50/containers/ex/exec', JSON.stringify({ Cmd: ['sleep', '30'] }));
    const execId = JSON.parse(created.body).Id as string;
    const before = await get(`/v1.50/exec/${execId}/json`);
    assert.equal(before.ExitCode, null);
    assert.equal('user' in before.ProcessConfig, false);
    assert.deepEqual((await get('/v1.50/containers/ex/json')).ExecIDs, [execId]);
    const quick = JSON.parse((await d.http('POST', '/v1.50/containers/ex/exec', JSON.stringify({ Cmd: ['true'], User: 'root' }))).body).Id as string;
    await d.http('POST', `/v1.50/exec/${quick}/start`, JSON.stringify({ Detach: true }));
    let after = await get(`/v1.50/exec/${quick}/json`);
    for (let i = 0; i < 50 && after.Running !== false; i++) { await new Promise((r) => setTimeout(r, 50)); after = await get(`/v1.50/exec/${quick}/json`); }
    for (let i = 0; i < 50 && after.ExitCode === null; i++) { await new Promise((r) => setTimeout(r, 50)); after = await get(`/v1.50/exec/${quick}/json`); }
    assert.equal(after.ExitCode, 0);
    assert.equal(after.ProcessConfig.user, 'root');
    assert.deepEqual((await get('/v1.50/containers/ex/json')).ExecIDs, [execId], 'an ended exec is no longer listed');
    d.docker(['rm', '-f', 'ex']);
  });

  it('system df always has its five keys; sizes of 0 and empty prune reports are left out or null; the image Config is the OCI one', async () => {
    assert.deepEqual(Object.keys(await get('/v1.50/system/df?type=volume')).sort(), ['BuildCache', 'Containers', 'Images', 'LayersSize', 'Volumes']);
    const df = await get('/v1.50/system/df?type=volume');
    assert.equal(df.Images, null);
    assert.ok(Array.isArray(df.Volumes));
    d.docker(['create', '--network', 'none', '--name', 'sz', 'busybox', 'true']);
    const [row] = await get('/v1.50/containers/json?all=1&size=1&filters=' + encodeURIComponent(JSON.stringify({ name: ['sz'] })));
    assert.equal('SizeRw' in row, false, 'an empty writable layer: no SizeRw (omitempty)');
    assert.ok(row.SizeRootFs > 0);
    d.docker(['rm', 'sz']);
    const prune = JSON.parse((await d.http('POST', '/v1.50/containers/prune')).body);
    assert.equal(prune.ContainersDeleted, null);
    const cfg = (await get('/v1.50/images/busybox/json')).Config;
    assert.deepEqual(cfg, { Cmd: ['sh'] }, 'API 1.50: only the image config\'s own fields, empty ones left out');
    assert.equal((await get('/v1.41/images/busybox/json')).Config.Hostname, '', 'older API versions keep the container-config shape');
  });
});
