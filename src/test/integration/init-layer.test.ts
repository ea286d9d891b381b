/*
 * dockerd's init layer in berthd containers: /.dockerenv, /etc/mtab and the
 * mount targets are in the container (run, export, cp) but not in its diff
 * or a committed layer; an image's own files there are replaced and its
 * symlinks never followed onto the host.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, Daemon, busyboxRootfs, have, removeAll, type RunResult } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');
const INIT_ENTRIES = ['.dockerenv', 'dev/console', 'dev/pts/', 'dev/shm/', 'etc/hostname', 'etc/hosts', 'etc/mtab', 'etc/resolv.conf', 'proc/', 'sys/'];

function ok(r: RunResult | { code: number; stderr: string }): void {
  assert.equal(r.code, 0, r.stderr);
}

function dockerRaw(d: Daemon, args: string[]): Buffer {
  const r = spawnSync(DOCKER, args, { maxBuffer: 1 << 30, env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.dir, 'docker-config') } });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

/** `tar tv` lines of a tar stream, keyed by name. */
function tarListing(tar: Buffer): Map<string, string> {
  const lines = execFileSync('tar', ['-tv', '--numeric-owner'], { input: tar, maxBuffer: 1 << 28 }).toString().split('\n').filter(Boolean);
  return new Map(lines.map((l) => {
    const name = l.replace(/^.*?\d\d:\d\d /, '').replace(/ -> .*$/, '');
    return [name, l];
  }));
}

/** The entries of the topmost layer of `image` (from `docker save`). */
function topLayerNames(d: Daemon, image: string, work: string): string[] {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync('tar', ['-x', '-C', work], { input: dockerRaw(d, ['save', image]), maxBuffer: 1 << 30 });
  const manifest = JSON.parse(readFileSync(join(work, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
  const top = manifest[0].Layers.at(-1)!;
  return execFileSync('tar', ['-t', '-f', join(work, top)]).toString().split('\n').filter(Boolean);
}

describe('dockerd\'s init layer with the docker CLI', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  let scratch = '';
  before(async () => {
    await d.start();
    ok(d.docker(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs()));
    scratch = join(d.dir, 'initl');
    mkdirSync(scratch);
  });
  after(async () => {
    removeAll(d);
    await d.cleanup();
  });

  /** busybox with `change` applied to its rootfs, imported as `name`. */
  const image = (name: string, change: (root: string) => void): void => {
    const root = join(scratch, `rootfs-${name}`);
    mkdirSync(root);
    execFileSync('tar', ['-x', '-C', root], { input: busyboxRootfs() });
    change(root);
    ok(d.docker(['import', '-c', 'CMD ["sh"]', '-', name], execFileSync('tar', ['-c', '-C', root, '.'], { maxBuffer: 1 << 28 })));
  };

  it('a running container has /.dockerenv and /etc/mtab -> /proc/mounts', () => {
    const r = d.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'test -f /.dockerenv && ls -l /.dockerenv && readlink /etc/mtab']);
    ok(r);
    const [env, mtab] = r.stdout.split('\n');
    assert.match(env, /^-rwxr-xr-x\s+1 root\s+root\s+0 .* \/\.dockerenv$/);
    assert.equal(mtab, '/proc/mounts');
  });

  it('export and cp of a created container show the init files with dockerd\'s shapes; diff and commit do not', () => {
    ok(d.docker(['create', '--name', 'il-created', '--network', 'none', 'busybox', 'true']));
    const listing = tarListing(dockerRaw(d, ['export', 'il-created']));
    for (const e of INIT_ENTRIES) assert.ok(listing.has(e), `export has ${e}`);
    assert.match(listing.get('.dockerenv')!, /^-rwxr-xr-x 0\/0 +0 /);
    assert.match(listing.get('etc/mtab')!, /^lrwxrwxrwx 0\/0 .* etc\/mtab -> \/proc\/mounts$/);
    assert.match(listing.get('dev/console')!, /^-rwxr-xr-x 0\/0 +0 /);
    assert.deepEqual([...tarListing(dockerRaw(d, ['cp', 'il-created:/.dockerenv', '-'])).keys()], ['.dockerenv']);
    ok(d.docker(['start', '-a', 'il-created']));
    const diff = d.docker(['diff', 'il-created']);
    ok(diff);
    assert.equal(diff.stdout, '');
    ok(d.docker(['commit', 'il-created', 'il-committed']));
    const top = topLayerNames(d, 'il-committed', join(scratch, 'save1'));
    for (const e of INIT_ENTRIES) assert.ok(!top.includes(e), `the committed layer has no ${e}: ${top.join(' ')}`);
  });

  it('a change of the container next to the init files is diffed and committed alone', () => {
    ok(d.docker(['run', '--name', 'il-change', '--network', 'none', 'busybox', 'sh', '-c', 'echo x > /etc/added']));
    const diff = d.docker(['diff', 'il-change']);
    ok(diff);
    assert.equal(diff.stdout, 'C /etc\nA /etc/added\n');
    ok(d.docker(['commit', 'il-change', 'il-change-img']));
    assert.deepEqual(topLayerNames(d, 'il-change-img', join(scratch, 'save2')).sort(), ['etc/', 'etc/added']);
  });

  it('an image\'s own /etc/mtab and /.dockerenv are replaced as dockerd\'s init layer does, and not committed', () => {
    image('il-mtab', (root) => {
      writeFileSync(join(root, 'etc/mtab'), 'image mtab\n');
      writeFileSync(join(root, '.dockerenv'), 'image dockerenv\n');
    });
    const r = d.docker(['run', '--name', 'il-mtab-c', '--network', 'none', 'il-mtab', 'sh', '-c', 'readlink /etc/mtab; wc -c < /.dockerenv']);
    ok(r);
    assert.equal(r.stdout, '/proc/mounts\n0\n');
    const diff = d.docker(['diff', 'il-mtab-c']);
    ok(diff);
    assert.equal(diff.stdout, '');
    ok(d.docker(['commit', 'il-mtab-c', 'il-mtab-committed']));
    const top = topLayerNames(d, 'il-mtab-committed', join(scratch, 'save3'));
    assert.ok(!top.includes('etc/mtab') && !top.includes('.dockerenv'), top.join(' '));
    // the image's files are still there below: a container of the committed image gets the init layer again
    const again = d.docker(['run', '--rm', '--network', 'none', 'il-mtab-committed', 'readlink', '/etc/mtab']);
    ok(again);
    assert.equal(again.stdout, '/proc/mounts\n');
  });

  it('an image\'s symlinks at init paths are replaced, never followed onto the host', () => {
    const hostDir = join(scratch, 'host-dir');
    const hostFile = join(scratch, 'host-file');
    mkdirSync(hostDir);
    writeFileSync(hostFile, 'host\n');
    image('il-links', (root) => {
      rmSync(join(root, 'etc'), { recursive: true });
      symlinkSync(hostDir, join(root, 'etc')); // /etc -> a host directory
      symlinkSync(hostFile, join(root, '.dockerenv'));
      symlinkSync(join(scratch, 'host-made'), join(root, 'dev/console'));
    });
    ok(d.docker(['create', '--name', 'il-links-c', '--network', 'none', 'il-links', 'sh', '-c', 'ls -l /etc/mtab /.dockerenv']));
    const listing = tarListing(dockerRaw(d, ['export', 'il-links-c']));
    assert.match(listing.get('etc/mtab')!, /-> \/proc\/mounts$/);
    assert.match(listing.get('.dockerenv')!, /^-rwxr-xr-x 0\/0 +0 /);
    const r = d.docker(['start', '-a', 'il-links-c']);
    ok(r);
    assert.match(r.stdout, /\/\.dockerenv\n/);
    assert.deepEqual(readdirSync(hostDir), [], 'nothing written in the host directory');
    assert.equal(readFileSync(hostFile, 'utf8'), 'host\n');
    assert.ok(!existsSync(join(scratch, 'host-made')));
  });
});
