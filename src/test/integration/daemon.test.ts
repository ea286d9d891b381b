import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { pack } from 'tar-stream';
import { removeCgroupTree } from '../../runtime/cgroups.ts';
import { BERTHD, DOCKER, Daemon, NODE, have, startWithBusybox } from './harness.ts';

function startFails(d: Daemon, extra: string[] = []): { code: number; stderr: string } {
  const r = spawnSync(NODE, [BERTHD, ...d.args(extra)], { timeout: 15000 });
  return { code: r.status ?? -1, stderr: r.stderr.toString() };
}

describe('berthd configuration and lifecycle', () => {
  const daemons: Daemon[] = [];
  const make = (): Daemon => { const d = new Daemon(); daemons.push(d); return d; };
  after(async () => { for (const d of daemons) await d.cleanup(); });

  it('stops with an error naming the file and key for bad daemon.json', () => {
    const d = make();
    d.writeConfig('{"debug": true,');
    let r = startFails(d);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`unable to configure the Berth daemon with file ${join(d.dir, 'daemon.json')}`));
    d.writeConfig({ 'no-such-key': 1 });
    r = startFails(d);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the following directives don't match any configuration option: no-such-key/);
    d.writeConfig({ debug: false });
    r = startFails(d, ['--debug']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /specified both as a flag and in the configuration file: debug/);
    d.writeConfig({ 'storage-driver': 'vfs' });
    r = startFails(d);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /vfs/);
  });

  it('exec-opts native.cgroupdriver=systemd needs a running systemd, as dockerd says', async () => {
    const d = make();
    d.cgroupParent = '';
    d.writeConfig({ 'exec-opts': ['native.cgroupdriver=systemd'] });
    if (!existsSync('/run/systemd/system')) {
      const r = startFails(d);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /systemd cgroup flag passed, but systemd support for managing cgroups is not available/);
      return;
    }
    await d.start();
    assert.equal(d.docker(['info', '--format', '{{.CgroupDriver}}']).stdout.trim(), 'systemd');
  });

  it('takes registry settings from daemon.json and reloads them on SIGHUP', async () => {
    const d = make();
    d.writeConfig({ 'registry-mirrors': ['https://mirror.one.test'], 'insecure-registries': ['10.99.0.0/16', 'reg.test:5000'], 'exec-opts': ['native.cgroupdriver=cgroupfs'] });
    await d.start();
    let info = JSON.parse((await d.http('GET', '/info')).body);
    assert.deepEqual(info.RegistryConfig.Mirrors, ['https://mirror.one.test/']);
    assert.ok(info.RegistryConfig.InsecureRegistryCIDRs.includes('10.99.0.0/16'));
    assert.ok(info.RegistryConfig.IndexConfigs['reg.test:5000']);
    assert.doesNotMatch(d.log, /Calling GET/, 'requests are logged only in debug mode');
    d.writeConfig({ 'registry-mirrors': ['https://mirror.two.test'], 'live-restore': true, debug: true });
    d.proc!.kill('SIGHUP');
    for (let i = 0; i < 50; i++) {
      info = JSON.parse((await d.http('GET', '/info')).body);
      if (info.LiveRestoreEnabled) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(info.RegistryConfig.Mirrors, ['https://mirror.two.test/']);
    assert.equal(info.LiveRestoreEnabled, true);
    const docker = spawnSync(DOCKER, ['info', '--format', '{{json .RegistryConfig.Mirrors}}'], { env: { ...process.env, DOCKER_HOST: d.host } });
    assert.equal(docker.stdout.toString().trim(), '["https://mirror.two.test/"]');
    await new Promise((r) => setTimeout(r, 200)); // the daemon's stderr reaches d.log through this process's event loop
    assert.match(d.log, /level=debug msg="Calling GET \/v1\.\d+\/info"/, 'debug (reloaded) logs each request as dockerd -D does');
  });

  it('allows one daemon per data-root and cleans up on SIGTERM', async () => {
    const d = make();
    await d.start();
    const second = spawnSync(NODE, [BERTHD, '--data-root', d.dataRoot, '--exec-root', join(d.dir, 'exec2'), '-H', `unix://${join(d.dir, 'other.sock')}`,
      '--pidfile', join(d.dir, 'other.pid'), '--config-file', join(d.dir, 'daemon.json')], { timeout: 15000 });
    assert.equal(second.status, 1);
    assert.match(second.stderr.toString(), /another berthd \(pid \d+\) is using this data-root/);
    assert.ok(existsSync(join(d.dir, 'berthd.pid')));
    assert.equal(await d.stop('SIGTERM'), 0);
    assert.ok(!existsSync(d.sock), 'socket removed');
    assert.ok(!existsSync(join(d.dir, 'berthd.pid')), 'pidfile removed');
    // A lock left by a killed daemon does not block the next start.
    await d.start();
    await d.stop('SIGKILL');
    await d.start();
    assert.ok(await d.ping());
  });

  it('SIGTERM does not wait for clients: an attach left by a failed `run` and a live `attach` end with it', { skip: !(process.getuid?.() === 0 && have('runc') && have('conmon')) && 'needs root, runc and conmon' }, async () => {
    const d = make();
    await startWithBusybox(d);
    assert.equal(d.docker(['run', '-d', '--stop-timeout', '1', '--name', 'bg', 'busybox', 'sleep', '600']).code, 0);
    assert.equal(d.docker(['run', '--rm', 'busybox', '/nonexistent']).code, 127);
    const attached = spawn(DOCKER, ['attach', 'bg'], { env: { ...process.env, DOCKER_HOST: d.host }, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    // A hang here would end in the harness's SIGKILL after 30 s and a null exit code.
    assert.equal(await d.stop('SIGTERM'), 0);
    await new Promise((r) => (attached.exitCode === null ? attached.once('exit', r) : r(null)));
  });

  it('--cgroup-parent places containers and conmon under it; a container\'s own --cgroup-parent wins', { skip: !(process.getuid?.() === 0 && have('runc') && have('conmon')) && 'needs root, runc and conmon' }, async () => {
    const d = make();
    const own = `${d.cgroupParent}-own`;
    try {
      await startWithBusybox(d);
      const cgroupOf = (pid: number): string => readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      const id = d.docker(['run', '-d', '--network', 'none', '--stop-timeout', '1', 'busybox', 'sleep', '600']).stdout.trim();
      const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', id]).stdout.trim());
      assert.ok(cgroupOf(pid).includes(`${d.cgroupParent}/${id}\n`), cgroupOf(pid));
      const conmon = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      assert.ok(cgroupOf(conmon).includes(`${d.cgroupParent}/conmon\n`), cgroupOf(conmon));
      assert.equal(d.docker(['inspect', '-f', '{{.HostConfig.CgroupParent}}', id]).stdout.trim(), '', 'the daemon default is not written into the container');
      const id2 = d.docker(['run', '-d', '--network', 'none', '--stop-timeout', '1', '--cgroup-parent', own, 'busybox', 'sleep', '600']).stdout.trim();
      const pid2 = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', id2]).stdout.trim());
      assert.ok(cgroupOf(pid2).includes(`${own}/${id2}\n`), cgroupOf(pid2));
      assert.equal(d.docker(['rm', '-f', id, id2]).code, 0);
      assert.equal(await d.stop(), 0);
      const hierarchy = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
      assert.ok(!existsSync(`${hierarchy}${d.cgroupParent}/conmon`), 'conmon\'s cgroup removed at shutdown');
    } finally {
      removeCgroupTree(own);
    }
    // With the systemd driver the parent must be a slice, as dockerd says.
    const bad = make();
    bad.writeConfig({ 'exec-opts': ['native.cgroupdriver=systemd'] });
    const r = startFails(bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"/);
  });

  it('SIGKILL during a large load leaves no half image; the next start removes leftovers', async () => {
    const d = make();
    await d.start();
    // One 256 MiB layer inside a docker-archive built on the fly.
    const layer = join(d.dir, 'layer.tar');
    const p = pack();
    p.entry({ name: 'big.bin', size: 256 << 20 }, Buffer.alloc(256 << 20, 7));
    p.finalize();
    await pipeline(p, createWriteStream(layer));
    const imp = spawnSync(DOCKER, ['import', layer, 'big:1'], { env: { ...process.env, DOCKER_HOST: d.host } });
    assert.equal(imp.status, 0, imp.stderr.toString());
    const archive = join(d.dir, 'big.tar');
    assert.equal(spawnSync(DOCKER, ['save', '-o', archive, 'big:1'], { env: { ...process.env, DOCKER_HOST: d.host } }).status, 0);
    assert.equal(spawnSync(DOCKER, ['rmi', 'big:1'], { env: { ...process.env, DOCKER_HOST: d.host } }).status, 0);
    await new Promise((r) => setTimeout(r, 500));
    const overlay = join(d.dataRoot, 'overlay2');
    const dirs = (): string[] => readdirSync(overlay).filter((n) => n !== 'l');
    assert.deepEqual(dirs(), []);

    const load = spawn(DOCKER, ['load', '-i', archive], { env: { ...process.env, DOCKER_HOST: d.host }, stdio: 'ignore' });
    for (let i = 0; i < 200 && dirs().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    await d.stop('SIGKILL');
    if (load.exitCode === null && load.signalCode === null) await new Promise((r) => load.once('exit', r));
    await d.start();
    const images = JSON.parse((await d.http('GET', '/images/json?all=1')).body);
    // Either absent, or (when the load won the race) complete: never half.
    if (images.length === 0) {
      assert.deepEqual(dirs(), [], 'leftover layer directories were removed at start');
    } else {
      assert.equal(images.length, 1);
      assert.deepEqual(images[0].RepoTags, ['big:1']);
      assert.equal(images[0].Size, 256 << 20);
      assert.equal(dirs().length, 1);
      await d.http('DELETE', '/images/big:1');
    }
    assert.deepEqual(readdirSync(join(d.dataRoot, 'content', 'ingest')), []);
    // The same for an import killed half-way.
    const imp2 = spawn(DOCKER, ['import', layer, 'big:2'], { env: { ...process.env, DOCKER_HOST: d.host }, stdio: 'ignore' });
    for (let i = 0; i < 200 && dirs().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await d.stop('SIGKILL');
    if (imp2.exitCode === null && imp2.signalCode === null) await new Promise((r) => imp2.once('exit', r));
    await d.start();
    const after2 = JSON.parse((await d.http('GET', '/images/json?all=1')).body);
    if (after2.length === 0) assert.deepEqual(dirs(), [], 'import leftovers removed at start');
    else assert.deepEqual(after2[0].RepoTags, ['big:2']);
    await d.http('DELETE', '/images/big:2');
    // The archive still loads completely afterwards.
    const again = spawnSync(DOCKER, ['load', '-q', '-i', archive], { env: { ...process.env, DOCKER_HOST: d.host } });
    assert.equal(again.status, 0, again.stderr.toString());
    assert.match(again.stdout.toString(), /Loaded image: big:1/);
  });
});
