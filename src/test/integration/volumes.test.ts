import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');

/** Mount points under this daemon's scratch dir. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(`${dir}/`));
}

describe('volumes and mounts with the docker CLI', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon('berth-it-vol-');
  const host = join(d.dir, 'host');
  const ok = (args: string[], input?: string) => {
    const r = d.docker(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const volumes = () => ok(['volume', 'ls', '-q']).split('\n').filter(Boolean).sort();
  before(async () => {
    await startWithBusybox(d);
    mkdirSync(host);
  });
  after(async () => {
    removeAll(d);
    await d.cleanup();
  });

  it('shares a host directory both ways and creates a missing host path', () => {
    writeFileSync(join(host, 'from-host'), 'hello from the host\n');
    const out = ok(['run', '--rm', '-v', `${host}:/h`, '-v', `${host}/made/by/run:/m`, 'busybox', 'sh', '-c', 'cat /h/from-host; echo back > /h/from-ctr; touch /m/x']);
    assert.equal(out, 'hello from the host\n');
    assert.equal(readFileSync(join(host, 'from-ctr'), 'utf8'), 'back\n');
    assert.ok(statSync(join(host, 'made/by/run')).isDirectory());
    assert.ok(existsSync(join(host, 'made/by/run/x')));
  });

  it('docker cp reaches volumes, binds and tmpfs mounts of a running container', () => {
    writeFileSync(join(host, 'cp-src'), 'copied in\n');
    ok(['run', '-d', '--name', 'cpvol', '-v', 'cpdata:/data', '-v', `${host}:/h`, '--tmpfs', '/scratch', 'busybox', 'sleep', '600']);
    ok(['cp', join(host, 'cp-src'), 'cpvol:/data/in-volume']);
    ok(['cp', join(host, 'cp-src'), 'cpvol:/scratch/in-tmpfs']);
    ok(['cp', join(host, 'cp-src'), 'cpvol:/h/in-bind']);
    assert.equal(ok(['exec', 'cpvol', 'cat', '/data/in-volume', '/scratch/in-tmpfs']), 'copied in\ncopied in\n');
    assert.equal(readFileSync(join(host, 'in-bind'), 'utf8'), 'copied in\n');
    ok(['exec', 'cpvol', 'sh', '-c', 'echo from-ctr > /scratch/out']);
    const out = join(d.dir, 'cp-out');
    ok(['cp', 'cpvol:/scratch/out', out]);
    assert.equal(readFileSync(out, 'utf8'), 'from-ctr\n');
    // stopped: the volume and the bind are mounted for the copy, and only for it
    ok(['stop', '-t', '0', 'cpvol']);
    ok(['cp', join(host, 'cp-src'), 'cpvol:/data/while-stopped']);
    ok(['cp', join(host, 'cp-src'), 'cpvol:/h/bind-while-stopped']);
    assert.equal(readFileSync(join(host, 'bind-while-stopped'), 'utf8'), 'copied in\n');
    const back = join(d.dir, 'cp-back');
    ok(['cp', 'cpvol:/data/in-volume', back]);
    assert.equal(readFileSync(back, 'utf8'), 'copied in\n');
    const cpId = ok(['inspect', '-f', '{{.Id}}', 'cpvol']).trim();
    // the daemon lets go of the mounts right after it has sent the last byte
    for (let i = 0; i < 40 && mountsUnder(join(d.dataRoot, 'containers', cpId)).length; i++) spawnSync('sleep', ['0.05']);
    assert.deepEqual(mountsUnder(join(d.dataRoot, 'containers', cpId)), [], 'nothing stays mounted after the copies');
    const exported = d.docker(['export', 'cpvol']);
    assert.equal(exported.code, 0);
    assert.ok(!exported.stdout.includes('copied in'), 'export leaves volume contents out');
    ok(['start', 'cpvol']);
    assert.equal(ok(['exec', 'cpvol', 'cat', '/data/while-stopped']), 'copied in\n');
    ok(['rm', '-f', 'cpvol']);
    ok(['volume', 'rm', 'cpdata']);
  });

  it('refuses writes through a :ro mount', () => {
    const r = d.docker(['run', '--rm', '-v', `${host}:/h:ro`, 'busybox', 'sh', '-c', 'echo no > /h/denied']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Read-only file system/);
    assert.equal(existsSync(join(host, 'denied')), false);
    const m = d.docker(['run', '--rm', '--mount', `type=bind,source=${host},target=/h,readonly`, 'busybox', 'touch', '/h/denied2']);
    assert.match(m.stderr, /Read-only file system/);
  });

  it('shares volumes with --volumes-from, also across a restart of the source', () => {
    ok(['run', '-d', '--name', 'u1', '-v', 'shared1:/s', '-v', '/anon', 'busybox', 'sleep', '1000']);
    ok(['run', '--rm', '--volumes-from', 'u1', 'busybox', 'sh', '-c', 'echo one > /s/f; echo two > /anon/g']);
    assert.equal(ok(['exec', 'u1', 'cat', '/s/f', '/anon/g']), 'one\ntwo\n');
    ok(['stop', '-t', '0', 'u1']);
    ok(['start', 'u1']);
    assert.equal(ok(['exec', 'u1', 'cat', '/s/f', '/anon/g']), 'one\ntwo\n');
    const ro = d.docker(['run', '--rm', '--volumes-from', 'u1:ro', 'busybox', 'sh', '-c', 'cat /s/f; echo x > /s/f']);
    assert.equal(ro.stdout, 'one\n');
    assert.match(ro.stderr, /Read-only file system/);
    ok(['create', '--name', 'u2', '--volumes-from', 'u1:ro', 'busybox']);
    const mounts = JSON.parse(ok(['inspect', '-f', '{{json .Mounts}}', 'u2']));
    assert.deepEqual(mounts.map((m: { Destination: string; RW: boolean; Mode: string }) => [m.Destination, m.RW, m.Mode]).sort(), [['/anon', false, ''], ['/s', false, '']]);
    ok(['rm', '-v', 'u2']);
    assert.ok(volumes().includes('shared1'));
    assert.equal(ok(['exec', 'u1', 'cat', '/anon/g']), 'two\n', "rm -v of u2 keeps u1's anonymous volume, u1 still uses it");
    ok(['rm', '-f', '-v', 'u1']);
    assert.ok(volumes().includes('shared1'), 'rm -v keeps named volumes');
  });

  it('honours bind-propagation and refuses it on a private source', () => {
    // detached runs: see the badbind case
    const priv = d.docker(['run', '-d', '--rm', '--mount', `type=bind,source=${host},target=/b,bind-propagation=rslave`, 'busybox', 'true']);
    assert.equal(priv.code, 125);
    assert.match(priv.stderr, new RegExp(`path ${host} is mounted on /\\S* but it is not a shared or slave mount$`, 'm'));
    assert.match(d.docker(['run', '-d', '--rm', '-v', `${host}:/b:rshared`, 'busybox', 'true']).stderr, /but it is not a shared mount\./);
    const shared = join(d.dir, 'shared-src');
    mkdirSync(join(shared, 'sub'), { recursive: true });
    const sh = (cmd: string[]) => assert.equal(spawnSync(cmd[0], cmd.slice(1)).status, 0, cmd.join(' '));
    sh(['mount', '--bind', shared, shared]);
    try {
      sh(['mount', '--make-shared', shared]);
      ok(['run', '-d', '--name', 'prop', '--mount', `type=bind,source=${shared},target=/s,bind-propagation=rslave`, 'busybox', 'sleep', '1000']);
      sh(['mount', '-t', 'tmpfs', 'tmpfs', join(shared, 'sub')]);
      writeFileSync(join(shared, 'sub/f'), 'propagated\n');
      assert.equal(ok(['exec', 'prop', 'cat', '/s/sub/f']), 'propagated\n', 'a mount made on the host after start shows up inside');
      assert.equal(JSON.parse(ok(['inspect', '-f', '{{json .Mounts}}', 'prop']))[0].Propagation, 'rslave');
    } finally {
      d.docker(['rm', '-f', 'prop']);
      spawnSync('umount', [join(shared, 'sub')]);
      spawnSync('umount', [shared]);
    }
    assert.deepEqual(mountsUnder(d.dir).filter((m) => m.startsWith(shared)), []);
  });

  it('shows Docker\'s Mounts array in inspect and ps', () => {
    ok(['create', '--name', 'shape', '-v', `${host}:/b:ro`, '-v', 'shapevol:/n', '-v', '/anon', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m',
      '--mount', `type=bind,source=${host},target=/b2`, '--mount', 'type=volume,source=shapevol2,target=/n2,readonly,volume-nocopy', 'busybox']);
    const mounts = JSON.parse(ok(['inspect', '-f', '{{json .Mounts}}', 'shape'])) as Record<string, unknown>[];
    const byDest = Object.fromEntries(mounts.map((m) => [m.Destination, m]));
    const root = join(d.dataRoot, 'volumes');
    assert.deepEqual(byDest['/b'], { Type: 'bind', Source: host, Destination: '/b', Mode: 'ro', RW: false, Propagation: 'rprivate' });
    assert.deepEqual(byDest['/n'], { Type: 'volume', Name: 'shapevol', Source: `${root}/shapevol/_data`, Destination: '/n', Driver: 'local', Mode: 'z', RW: true, Propagation: '' });
    assert.deepEqual(byDest['/t'], { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' });
    assert.deepEqual(byDest['/b2'], { Type: 'bind', Source: host, Destination: '/b2', Mode: '', RW: true, Propagation: 'rprivate' });
    assert.deepEqual(byDest['/n2'], { Type: 'volume', Name: 'shapevol2', Source: `${root}/shapevol2/_data`, Destination: '/n2', Driver: 'local', Mode: 'z', RW: false, Propagation: '' });
    const anon = byDest['/anon'] as { Name: string };
    assert.match(anon.Name, /^[a-f0-9]{64}$/);
    assert.deepEqual(byDest['/anon'], { Type: 'volume', Name: anon.Name, Source: `${root}/${anon.Name}/_data`, Destination: '/anon', Driver: 'local', Mode: '', RW: true, Propagation: '' });
    const labels = JSON.parse(ok(['volume', 'inspect', '-f', '{{json .Labels}}', anon.Name]));
    assert.deepEqual(labels, { 'com.docker.volume.anonymous': '' });
    assert.equal(ok(['ps', '-a', '--filter', 'volume=shapevol', '--format', '{{.Names}} {{.LocalVolumes}}']), 'shape 3\n');
    ok(['rm', '-v', 'shape']);
    assert.ok(!volumes().includes(anon.Name), 'rm -v removed the anonymous volume');
    assert.ok(volumes().includes('shapevol') && volumes().includes('shapevol2'), 'named volumes stay');
  });

  it('keeps a named volume after its container and removes anonymous ones with --rm', () => {
    const before = volumes();
    ok(['run', '--rm', '-v', 'keep1:/data', '-v', '/scratch', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    assert.deepEqual(volumes(), [...before, 'keep1'].sort(), 'the anonymous volume went with the container');
    assert.equal(ok(['run', '--rm', '-v', 'keep1:/d', 'busybox', 'cat', '/d/f']), 'kept\n');
    ok(['run', '--name', 'plainrm', '-v', '/scratch2', 'busybox', 'true']);
    const withAnon = volumes();
    assert.equal(withAnon.length, before.length + 2);
    ok(['rm', 'plainrm']);
    assert.deepEqual(volumes(), withAnon, 'rm without -v keeps anonymous volumes');
    ok(['volume', 'prune', '-f']);
    assert.deepEqual(volumes(), [...before, 'keep1'].sort(), 'prune removes unused anonymous volumes only');
  });

  it('reports volume events as dockerd does', () => {
    const since = (Date.now() / 1000).toFixed(3);
    ok(['run', '--rm', '-v', 'evvol:/e', '-v', '/anon', 'busybox', 'true']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const lines = ok(['events', '--since', since, '--until', until, '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "destination"}}'])
      .split('\n').filter(Boolean).map((l) => l.replace(/[a-f0-9]{64}/, 'ANON').trim());
    assert.deepEqual(lines, ['create evvol', 'create ANON', 'mount evvol /e', 'mount ANON /anon', 'unmount evvol', 'unmount ANON', 'destroy ANON']);
    ok(['volume', 'rm', 'evvol']);
  });

  it('copies image content into new volumes with owners and modes, unless nocopy', () => {
    ok(['run', '--name', 'mkimg', 'busybox', 'sh', '-c', 'mkdir -p /data/sub && echo hi > /data/f && chown -R 1234:5678 /data && chmod 0751 /data/sub && chmod 0770 /data']);
    ok(['commit', '-c', 'VOLUME /data', 'mkimg', 'volimg:it']);
    ok(['rm', 'mkimg']);
    const want = 'f 1234 5678 644\nsub 1234 5678 751\n. 1234 5678 770\n';
    const list = 'cd /data && for f in f sub .; do stat -c "%n %u %g %a" $f; done';
    assert.equal(ok(['run', '--rm', 'volimg:it', 'sh', '-c', list]), want, 'anonymous volume from the image VOLUME');
    assert.equal(ok(['run', '--rm', '-v', 'copied:/data', 'volimg:it', 'sh', '-c', list]), want, 'named volume');
    assert.equal(ok(['run', '--rm', '-v', 'copied:/data', 'busybox', 'cat', '/data/f']), 'hi\n', 'the copy lives in the volume');
    assert.equal(ok(['run', '--rm', '-v', 'nocopied:/data:nocopy', 'volimg:it', 'ls', '-A', '/data']), '');
    assert.equal(ok(['run', '--rm', '--mount', 'type=volume,src=nocopied2,dst=/data,volume-nocopy', 'volimg:it', 'ls', '-A', '/data']), '');
  });

  it('mounts tmpfs volumes and --tmpfs / --mount type=tmpfs with their options', () => {
    assert.equal(ok(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=1m', '--label', 'kind=tmp', 'tmpvol']), 'tmpvol\n');
    const info = JSON.parse(ok(['volume', 'inspect', 'tmpvol']))[0];
    assert.deepEqual(info.Options, { device: 'tmpfs', o: 'size=1m', type: 'tmpfs' });
    assert.deepEqual(info.Labels, { kind: 'tmp' });
    assert.equal(info.Scope, 'local');
    assert.equal(info.Mountpoint, join(d.dataRoot, 'volumes/tmpvol/_data'));
    assert.match(info.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    ok(['run', '-d', '--name', 't1', '-v', 'tmpvol:/t', 'busybox', 'sh', '-c', 'echo x > /t/x; exec sleep 1000']);
    assert.match(ok(['run', '--rm', '-v', 'tmpvol:/t', 'busybox', 'sh', '-c', 'sleep 0.3; cat /t/x; grep " /t " /proc/mounts']), /^x\ntmpfs \/t tmpfs rw.*size=1024k/);
    assert.ok(mountsUnder(d.dir).includes(info.Mountpoint), 'mounted while t1 runs');
    ok(['rm', '-f', 't1']);
    assert.ok(!mountsUnder(d.dir).includes(info.Mountpoint), 'unmounted after the last user stopped');
    const out = ok(['run', '--rm', '--tmpfs', '/t:size=1m,mode=700', '--mount', 'type=tmpfs,dst=/t2,tmpfs-size=2m,tmpfs-mode=1770', 'busybox', 'sh', '-c',
      'grep " /t" /proc/mounts; stat -c "%a" /t /t2']);
    assert.match(out, /^tmpfs \/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=700 0 0\ntmpfs \/t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=1770 0 0\n700\n1770\n$/);
  });

  it('mounts a bind-type local volume and never deletes its device on removal', () => {
    const src = join(host, 'bindvol-src');
    mkdirSync(src);
    writeFileSync(join(src, 'keep'), 'precious\n');
    ok(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${src}`, 'bindvol']);
    assert.equal(ok(['run', '--rm', '-v', 'bindvol:/b', 'busybox', 'sh', '-c', 'cat /b/keep; echo new > /b/new']), 'precious\n');
    assert.equal(readFileSync(join(src, 'new'), 'utf8'), 'new\n');
    assert.deepEqual(mountsUnder(d.dir).filter((m) => m.includes('bindvol')), []);
    assert.equal(ok(['volume', 'rm', 'bindvol']), 'bindvol\n');
    assert.equal(readFileSync(join(src, 'keep'), 'utf8'), 'precious\n', 'the device directory is untouched');
    ok(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', 'device=/no/such/berth/src', 'badbind']);
    // detached: an attached `run` whose start fails keeps berthd from shutting down quickly (a containers issue, reported)
    const r = d.docker(['run', '-d', '--rm', '-v', 'badbind:/b', 'busybox', 'true']);
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /error while mounting volume '.*\/badbind\/_data': failed to mount local volume: mount \/no\/such\/berth\/src:.*: no such file or directory/);
    ok(['volume', 'rm', 'badbind']);
  });

  it('lists, filters, formats, inspects and removes volumes', () => {
    ok(['volume', 'create', '--label', 'team=a', 'lsvol1']);
    ok(['volume', 'create', 'lsvol2']);
    assert.match(ok(['volume', 'ls']), /^DRIVER {4}VOLUME NAME\n(local {5}\S+\n)+$/);
    assert.equal(ok(['volume', 'ls', '-q', '--filter', 'label=team=a']), 'lsvol1\n');
    assert.equal(ok(['volume', 'ls', '-q', '--filter', 'name=lsvol', '--filter', 'driver=local']), 'lsvol1\nlsvol2\n');
    assert.equal(ok(['volume', 'ls', '--filter', 'name=lsvol1', '--format', '{{.Name}}|{{.Driver}}|{{.Labels}}|{{.Scope}}|{{.Mountpoint}}']),
      `lsvol1|local|team=a|local|${join(d.dataRoot, 'volumes/lsvol1/_data')}\n`);
    ok(['run', '-d', '--name', 'holder', '-v', 'lsvol1:/x', 'busybox', 'sleep', '1000']);
    assert.ok(!ok(['volume', 'ls', '-q', '--filter', 'dangling=true']).split('\n').includes('lsvol1'));
    assert.ok(ok(['volume', 'ls', '-q', '--filter', 'dangling=false']).split('\n').includes('lsvol1'));
    const id = ok(['inspect', '-f', '{{.Id}}', 'holder']).trim();
    const rm = d.docker(['volume', 'rm', 'lsvol1']);
    assert.equal(rm.code, 1);
    assert.equal(rm.stderr.trim(), `Error response from daemon: remove lsvol1: volume is in use - [${id}]`);
    const forced = d.docker(['volume', 'rm', '-f', 'lsvol1']);
    assert.match(forced.stderr, /volume is in use/);
    const bad = d.docker(['volume', 'ls', '--filter', 'dangling=maybe']);
    assert.match(bad.stderr, /invalid filter 'dangling=\[maybe\]'/);
    const missing = d.docker(['volume', 'rm', 'no-such-vol']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /get no-such-vol: no such volume/);
    assert.equal(ok(['volume', 'rm', '-f', 'no-such-vol']), 'no-such-vol\n');
    ok(['rm', '-f', 'holder']);
    assert.equal(ok(['volume', 'rm', 'lsvol1', 'lsvol2']), 'lsvol1\nlsvol2\n');
  });

  it('shows volume sizes and links in system df -v', () => {
    ok(['run', '--name', 'dfc', '-v', 'dfvol:/d', 'busybox', 'sh', '-c', 'head -c 3000 /dev/zero > /d/z']);
    const out = ok(['system', 'df', '-v']);
    assert.match(out, /Local Volumes space usage:\n\nVOLUME NAME\s+LINKS\s+SIZE\n/);
    assert.match(out, /^dfvol\s+1\s+3kB$/m);
    const json = JSON.parse(d.docker(['system', 'df', '--format', '{{json .}}']).stdout.split('\n').find((l) => l.includes('Local Volumes'))!);
    assert.equal(json.Type, 'Local Volumes');
    // containers with the size of their writable layer, as `docker ps -s`
    ok(['run', '--name', 'dfw', 'busybox', 'sh', '-c', 'head -c 5000 /dev/zero > /big']);
    const dfw = /^([0-9a-f]{12})\s+busybox\s+"sh -c 'head -c 5000…"\s+0\s+([0-9.]+k?B)\s+.*\s+Exited \(0\) .*\s+dfw$/m.exec(ok(['system', 'df', '-v']));
    assert.ok(dfw, 'dfw is listed under Containers space usage');
    assert.equal(dfw[2], '5kB');
    const du = JSON.parse(ok(['system', 'df', '--format', '{{json .}}']).split('\n').find((l) => l.includes('"Containers"'))!);
    assert.ok(Number(du.TotalCount) >= 2, `${du.TotalCount} containers counted`);
    const api = JSON.parse(d.docker(['system', 'df', '-v', '--format', '{{json .Containers}}']).stdout) as { Names: string; Size: string }[];
    assert.equal(api.find((c) => c.Names === 'dfw')?.Size, '5kB');
    ok(['rm', 'dfw']);
    ok(['rm', 'dfc']);
    assert.match(ok(['system', 'df', '-v']), /^dfvol\s+0\s+3kB$/m);
  });

  it("answers bad input with Docker's messages and leaves nothing behind", async () => {
    const containersBefore = ok(['ps', '-aq']);
    const volsBefore = volumes();
    const cases: [string[], RegExp][] = [
      [['-v', 'foo/bar:/x'], /create foo\/bar: "foo\/bar" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed\. If you intended to pass a host directory, use absolute path/],
      [['-v', 'okvol:/a', '-v', `${host}:/proc`], /error mounting ".*" to rootfs at "\/proc": "\/proc" cannot be mounted because it is not of type proc/],
      [['-v', 'okvol:/a', '--volumes-from', 'no-such-ctr'], /No such container: no-such-ctr/],
      [['-v', 'okvol:/a', '--mount', 'type=bind,source=/no/such/berth/dir,target=/x'], /invalid mount config for type "bind": bind source path does not exist: \/no\/such\/berth\/dir/],
      [['-v', 'okvol:/a', '-v', `${host}:/x`, '-v', 'other:/x'], /Duplicate mount point: \/x/],
      [['-v', `${host}:/`], /invalid mount config for type "bind": invalid specification: destination can't be '\/'/],
      [['-v', 'okvol:/a:zz'], /invalid mode: zz/],
    ];
    for (const [flags, re] of cases) {
      const r = d.docker(['run', '--rm', ...flags, 'busybox', 'true']);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /Unable to find image/);
    }
    // an unknown volume driver is a 404 from the plugin lookup, as dockerd's
    const plugin = await d.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', HostConfig: { Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'nosuchdrv' } } }] } }));
    assert.equal(plugin.status, 404);
    assert.match(JSON.parse(plugin.body).message, /^create [0-9a-f]{64}: error looking up volume plugin nosuchdrv: plugin "nosuchdrv" not found$/);
    assert.equal(ok(['ps', '-aq']), containersBefore, 'no container left');
    assert.deepEqual(volumes(), volsBefore, 'no volume created');
  });

  it('works with the berth CLI too', () => {
    const b = (args: string[]) => {
      const r = d.berth(args);
      assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    assert.equal(b(['volume', 'create', '--label', 'x=y', 'bvol']), 'bvol\n');
    assert.equal(b(['volume', 'inspect', '--format', '{{.Name}} {{.Driver}} {{.Labels}}', 'bvol']), 'bvol local map[x:y]\n');
    assert.equal(b(['volume', 'ls', '-q', '--filter', 'label=x']), 'bvol\n');
    assert.equal(b(['run', '--rm', '-v', 'bvol:/v', 'busybox', 'sh', '-c', 'echo b > /v/f; cat /v/f']), 'b\n');
    assert.equal(b(['volume', 'rm', 'bvol']), 'bvol\n');
    const r = d.berth(['run', '--rm', '-v', 'a/b:/x', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /includes invalid characters for a local volume name/);
    b(['volume', 'create', 'bvol2']);
    assert.match(b(['volume', 'prune', '-a', '-f']), /^Deleted Volumes:\n(.+\n)*bvol2\n(.+\n)*\nTotal reclaimed space: /);
  });

  it('keeps volumes and their data across a daemon restart', async () => {
    ok(['volume', 'create', '--label', 'p=1', 'persist1']);
    ok(['run', '--rm', '-v', 'persist1:/p', 'busybox', 'sh', '-c', 'echo survived > /p/f']);
    ok(['run', '-d', '--stop-timeout', '1', '--name', 'longrun', '-v', 'persist1:/p', 'busybox', 'sleep', '1000']);
    await d.stop();
    await d.start();
    assert.ok(volumes().includes('persist1'));
    assert.deepEqual(JSON.parse(ok(['volume', 'inspect', '-f', '{{json .Labels}}', 'persist1'])), { p: '1' });
    assert.equal(ok(['run', '--rm', '-v', 'persist1:/p', 'busybox', 'cat', '/p/f']), 'survived\n');
    assert.match(d.docker(['volume', 'rm', 'persist1']).stderr, /volume is in use/, 'references survive too');
    assert.equal(JSON.parse(ok(['inspect', '-f', '{{json .Mounts}}', 'longrun']))[0].Name, 'persist1');
  });

  it('leaves no mount behind', async () => {
    removeAll(d);
    ok(['volume', 'prune', '-a', '-f']);
    assert.deepEqual(volumes(), ['tmpvol'], 'as dockerd, a prune leaves volumes with mount options alone');
    ok(['volume', 'rm', 'tmpvol']);
    assert.deepEqual(volumes(), []);
    await d.stop();
    assert.deepEqual(mountsUnder(d.dir), []);
  });
});
