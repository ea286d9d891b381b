/**
 * A real multi-stage C build: gcc in a Debian bookworm stage (a tree made
 * with `debootstrap --include=gcc,libc6-dev`, imported), the static binary
 * copied into busybox (examples/build/c-multistage). Runs when
 * BERTH_DEBIAN_ROOTFS names such a tree; skipped otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, Daemon, ROOT, startWithBusybox } from './harness.ts';

const ROOTFS = process.env.BERTH_DEBIAN_ROOTFS ?? '';

describe('a multi-stage C build from a Debian base', { skip: !ROOTFS || !existsSync(join(ROOTFS, 'usr/bin/gcc')) ? 'BERTH_DEBIAN_ROOTFS is not a Debian tree with gcc' : false }, () => {
  const d = new Daemon('berth-bdeb-');
  before(() => startWithBusybox(d));
  after(() => d.cleanup());

  it('compiles with gcc in the build stage and runs the binary from busybox', () => {
    const tar = spawnSync('tar', ['-C', ROOTFS, '--numeric-owner', '-c', '.'], { maxBuffer: 1 << 30 }).stdout;
    const imp = d.docker(['import', '-', 'debian-gcc:bookworm'], tar);
    assert.equal(imp.code, 0, imp.stderr);
    const dir = join(ROOT, 'examples/build/c-multistage');
    const r = spawnSync(DOCKER, ['build', '-t', 'hello-c', dir], {
      env: { ...process.env, DOCKER_HOST: d.host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(d.dir, 'docker-config') }, maxBuffer: 1 << 28,
    });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.match(r.stdout.toString(), /Step 4\/7 : RUN gcc -static -O2 -o \/hello hello\.c && strip \/hello\n ---> Running in [a-f0-9]{12}\n/);
    const run = d.docker(['run', '--rm', 'hello-c']);
    assert.equal(run.stdout, 'hello from a static C binary built by berth\n');
    const layers = JSON.parse(d.docker(['image', 'inspect', 'hello-c']).stdout)[0].RootFS.Layers;
    assert.equal(layers.length, 2, 'busybox + the copied binary: nothing of the build stage');
  });
});
