import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tarEntry, tarOf } from '../../layers/test-helpers.ts';
import { DOCKER, Daemon, busyboxRootfs, have, type RunResult } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');
const MARKER = `berth-escape-${process.pid}`;
const HOST_MARKERS = [`/${MARKER}`, `/etc/${MARKER}`, `/tmp/${MARKER}`, `/tmp/${MARKER}-2`, `/tmp/${MARKER}-3`];

/** The docker CLI with binary stdout (tar streams). */
function dockerRaw(d: Daemon, args: string[], input?: Buffer): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(DOCKER, args, { input, maxBuffer: 1 << 30, env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.dir, 'docker-config') } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

const tarNames = (tar: Buffer): string[] => execFileSync('tar', ['-t'], { input: tar }).toString().split('\n').filter(Boolean);

function ok(r: RunResult | { code: number; stderr: string }): void {
  assert.equal(r.code, 0, r.stderr);
}

/** Rootfs mounts under this daemon's scratch dir (not the network namespace files). */
const mounts = (d: Daemon): string[] => readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(d.dir) && !l.startsWith('nsfs '));

describe('container files (cp, diff, export, commit) with the docker CLI', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  let host = '';
  before(async () => {
    await d.start();
    ok(d.docker(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs()));
    host = mkdtempSync(join(d.dir, 'host-'));
  });
  after(async () => {
    d.docker(['rm', '-f', ...d.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean)]);
    for (const m of HOST_MARKERS) rmSync(m, { force: true, recursive: true });
    await d.cleanup();
  });

  it('docker cp host → container → host: files, directories and tar streams', () => {
    writeFileSync(join(host, 'hello.txt'), 'hello from host\n');
    mkdirSync(join(host, 'tree/sub'), { recursive: true });
    writeFileSync(join(host, 'tree/a'), 'a');
    writeFileSync(join(host, 'tree/sub/b'), 'b');
    ok(d.docker(['create', '--name', 'cpc', 'busybox', 'sleep', '1000']));
    ok(d.docker(['cp', join(host, 'hello.txt'), 'cpc:/tmp/']));
    ok(d.docker(['cp', join(host, 'tree'), 'cpc:/tmp/tree']));
    ok(d.docker(['cp', join(host, 'hello.txt'), 'cpc:/renamed.txt']));
    const out = join(host, 'out');
    mkdirSync(out);
    ok(d.docker(['cp', 'cpc:/tmp/hello.txt', out]));
    assert.equal(readFileSync(join(out, 'hello.txt'), 'utf8'), 'hello from host\n');
    ok(d.docker(['cp', 'cpc:/tmp/tree', join(out, 'tree2')]));
    assert.equal(readFileSync(join(out, 'tree2/sub/b'), 'utf8'), 'b');
    assert.deepEqual(tarNames(dockerRaw(d, ['cp', 'cpc:/renamed.txt', '-']).stdout), ['renamed.txt']);
    ok(d.docker(['cp', 'cpc:/etc', join(out, 'etc2')]));
    assert.match(readFileSync(join(out, 'etc2/passwd'), 'utf8'), /^root:/);
    ok(d.docker(['cp', 'cpc:/', join(out, 'rootcopy')]));
    assert.equal(readFileSync(join(out, 'rootcopy/tmp/hello.txt'), 'utf8'), 'hello from host\n');
    assert.deepEqual(tarNames(dockerRaw(d, ['cp', 'cpc:/tmp/tree', '-']).stdout), ['tree/', 'tree/a', 'tree/sub/', 'tree/sub/b']);
    // a tar on stdin, extracted into a directory
    const tarIn = execFileSync('tar', ['-c', '-C', join(host, 'tree'), 'a', 'sub']);
    ok(dockerRaw(d, ['cp', '-', 'cpc:/tmp'], tarIn));
    const back = dockerRaw(d, ['cp', 'cpc:/tmp/sub/b', '-']).stdout;
    assert.equal(execFileSync('tar', ['-xO'], { input: back }).toString(), 'b');
    const missing = d.docker(['cp', 'cpc:/nope', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error response from daemon: Could not find the file \/nope in container cpc/);
    // a file named as a directory is not one: nothing is written over it
    const intoFile = d.docker(['cp', join(host, 'hello.txt'), 'cpc:/renamed.txt/']);
    assert.equal(intoFile.code, 1);
    assert.match(intoFile.stderr, /no such directory/);
    assert.match(d.docker(['cp', 'cpc:/renamed.txt/', out]).stderr, /Error response from daemon: lstat \/renamed.txt\/: not a directory/);
    assert.deepEqual(mounts(d), [], 'a stopped container is unmounted after each copy');
    // the same on a running container
    ok(d.docker(['start', 'cpc']));
    ok(d.docker(['cp', join(host, 'hello.txt'), 'cpc:/run.txt']));
    assert.equal(execFileSync('tar', ['-xO'], { input: dockerRaw(d, ['cp', 'cpc:/run.txt', '-']).stdout }).toString(), 'hello from host\n');
    assert.equal(mounts(d).length, 1, 'the running container keeps its rootfs');
    ok(d.docker(['rm', '-f', 'cpc']));
    assert.deepEqual(mounts(d), []);
  });

  it('docker cp from a stopped container sees its own /etc/hostname and hosts, as dockerd binds them', () => {
    const id = d.docker(['create', '--network', 'none', '--hostname', 'cp-host', 'busybox', 'true']).stdout.trim();
    ok(d.docker(['start', '-a', id]));
    ok(d.docker(['cp', `${id}:/etc/hostname`, join(host, 'hn')]));
    assert.equal(readFileSync(join(host, 'hn'), 'utf8'), 'cp-host\n');
    ok(d.docker(['cp', `${id}:/etc/hosts`, join(host, 'hosts')]));
    assert.match(readFileSync(join(host, 'hosts'), 'utf8'), /^127\.0\.0\.1\tlocalhost$/m);
    // one plain header for a plain file (no PAX atime/ctime record), whole-second mtime, as dockerd's archive
    const tar = d.docker(['cp', `${id}:/etc/hostname`, '-']).stdout;
    assert.equal(tar.slice(0, 9), 'hostname\0');
    assert.equal(tar[156], '0', 'a regular file entry first');
    assert.equal(tar.slice(512, 520), 'cp-host\n');
    ok(d.docker(['rm', id]));
  });

  it('docker diff prints A/C/D lines as docker does', () => {
    ok(d.docker(['run', '--name', 'dif', 'busybox', 'sh', '-c', 'echo hi > /hello; mkdir -p /newdir; echo x > /newdir/f; rm /etc/group; echo more >> /etc/passwd']));
    const diff = d.docker(['diff', 'dif']);
    ok(diff);
    assert.equal(diff.stdout, 'C /etc\nD /etc/group\nC /etc/passwd\nA /hello\nA /newdir\nA /newdir/f\n');
    const quiet = d.docker(['run', '-d', '--name', 'quiet', 'busybox', 'sleep', '1000']);
    ok(quiet);
    assert.equal(d.docker(['diff', 'quiet']).stdout, '', 'the runtime\'s mount targets are no change');
    ok(d.docker(['rm', '-f', 'quiet']));
    assert.match(d.docker(['diff', 'nosuch']).stderr, /No such container: nosuch/);
  });

  it('docker export streams the whole root filesystem', () => {
    const exp = dockerRaw(d, ['export', 'dif']);
    ok(exp);
    const names = tarNames(exp.stdout);
    for (const n of ['bin/', 'bin/busybox', 'etc/passwd', 'hello', 'newdir/', 'newdir/f']) assert.ok(names.includes(n), n);
    assert.ok(!names.includes('etc/group'), 'deleted files are gone');
    assert.ok(names.every((n) => !n.startsWith('./') && !n.startsWith('/')));
    assert.deepEqual(mounts(d), []);
  });

  it('docker commit makes an image that runs with the committed files', async () => {
    const commit = d.docker(['commit', '-c', 'CMD ["cat","/hello"]', 'dif', 'img:1']);
    ok(commit);
    assert.match(commit.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const run = d.docker(['run', '--rm', 'img:1']);
    ok(run);
    assert.equal(run.stdout, 'hi\n');
    const img = JSON.parse(d.docker(['image', 'inspect', 'img:1']).stdout)[0];
    const base = JSON.parse(d.docker(['image', 'inspect', 'busybox']).stdout)[0];
    assert.deepEqual(img.Config.Cmd, ['cat', '/hello']);
    assert.equal(img.Parent, base.Id);
    assert.equal(img.RootFS.Layers.length, base.RootFS.Layers.length + 1);
    const hist = d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'img:1']).stdout.split('\n');
    assert.equal(hist[0], "sh -c echo hi > /hello; mkdir -p /newdir; echo x > /newdir/f; rm /etc/group; echo more >> /etc/passwd|");
    ok(d.docker(['commit', '-m', 'a message', '-a', 'me <me@example.com>', 'dif', 'img:2']));
    assert.equal(JSON.parse(d.docker(['image', 'inspect', 'img:2']).stdout)[0].Author, 'me <me@example.com>');
    assert.match(d.docker(['history', '--format', '{{.Comment}}', 'img:2']).stdout, /^a message\n/);
    // a running container is paused while its changes are read, and runs on after
    ok(d.docker(['run', '-d', '--name', 'live', 'busybox', 'sh', '-c', 'echo live > /live; exec sleep 1000']));
    for (let i = 0; i < 50 && dockerRaw(d, ['cp', 'live:/live', '-']).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    ok(d.docker(['commit', 'live', 'img:live']));
    const state = JSON.parse(d.docker(['inspect', 'live']).stdout)[0].State;
    assert.deepEqual([state.Running, state.Paused], [true, false]);
    assert.equal(d.docker(['run', '--rm', 'img:live', 'cat', '/live']).stdout, 'live\n');
    // no changes: no new layer
    ok(d.docker(['create', '--name', 'fresh', 'busybox', 'true']));
    ok(d.docker(['commit', 'fresh', 'img:same']));
    assert.equal(JSON.parse(d.docker(['image', 'inspect', 'img:same']).stdout)[0].RootFS.Layers.length, base.RootFS.Layers.length);
    assert.match(d.docker(['commit', 'nosuch', 'img:x']).stderr, /No such container: nosuch/);
    ok(d.docker(['rm', '-f', 'live', 'fresh']));
  });

  it('crafted PUT archives write nothing outside the container', async () => {
    ok(d.docker(['run', '--name', 'evil', 'busybox', 'sh', '-c', 'ln -s / /esc; ln -s /etc /etclink; ln -s ../../../../../.. /up']));
    const id = d.docker(['inspect', '-f', '{{.Id}}', 'evil']).stdout.trim();
    const put = (path: string, tar: Buffer) => d.http('PUT', `/v1.50/containers/${id}/archive?path=${encodeURIComponent(path)}&noOverwriteDirNonDir=true`, tar);
    // "../" names are refused outright
    assert.equal((await put('/tmp', tarOf(tarEntry({ name: `../../../../tmp/${MARKER}` }, 'x')))).status, 400);
    // absolute names land under the destination
    assert.equal((await put('/', tarOf(tarEntry({ name: `/tmp/${MARKER}` }, 'abs')))).status, 200);
    // a symlink of the archive to a host directory, then a file through it; a nested "../" link; a hard link out
    await put('/tmp', tarOf(tarEntry({ name: 's', type: '2', linkname: '/tmp' }), tarEntry({ name: `s/${MARKER}-2` }, 'x')));
    await put('/tmp', tarOf(tarEntry({ name: 'a/', type: '5' }), tarEntry({ name: 'a/b', type: '2', linkname: '../../../../../../tmp' }), tarEntry({ name: `a/b/${MARKER}-3` }, 'x')));
    await put('/tmp', tarOf(tarEntry({ name: 'h', type: '1', linkname: '/etc/hostname' })));
    // the container's own links resolve inside its root, as in a chroot
    assert.equal((await put('/', tarOf(tarEntry({ name: `etclink/${MARKER}` }, 'etc')))).status, 200);
    assert.equal((await put('/up/etc', tarOf(tarEntry({ name: `${MARKER}-up` }, 'up')))).status, 200);
    assert.equal((await put('/esc/tmp', tarOf(tarEntry({ name: `${MARKER}-esc` }, 'esc')))).status, 200);
    for (const m of HOST_MARKERS) assert.equal(existsSync(m), false, `${m} must not exist on the host`);
    const inside = (p: string): string => execFileSync('tar', ['-xO'], { input: dockerRaw(d, ['cp', `evil:${p}`, '-']).stdout }).toString();
    assert.equal(inside(`/tmp/${MARKER}`), 'abs');
    assert.equal(inside(`/etc/${MARKER}`), 'etc');
    assert.equal(inside(`/etc/${MARKER}-up`), 'up');
    assert.equal(inside(`/tmp/${MARKER}-esc`), 'esc');
    const head = await d.http('HEAD', `/containers/evil/archive?path=/esc`);
    const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString());
    assert.deepEqual([stat.name, stat.linkTarget], ['esc', '/']);
    assert.deepEqual(mounts(d), []);
  });
});
