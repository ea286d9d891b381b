import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, Daemon, ROOT, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon') && have('iptables') && have('curl');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const curl = (url: string): string => spawnSync('curl', ['-sf', '--max-time', '5', url]).stdout?.toString() ?? '';

/**
 * The seeds' private-registry scenario end to end on berthd with the docker CLI:
 * `docker run -d -p PORT:5000 -v DIR:/var/lib/registry --restart=always registry`
 * (berth's own registry image), then catalog, tag, push, rmi, pull and run.
 */
describe('seeds: a private registry run by berthd, pushed to and pulled from by berthd', { skip: !canRun && 'needs root, runc, conmon, iptables and curl' }, () => {
  const d = new Daemon('berth-it-seeds-');
  let port = 0;
  before(async () => {
    await startWithBusybox(d);
    port = await freePort();
  });
  after(async () => {
    removeAll(d);
    await d.cleanup();
  });

  it('docker run -d --name web -p PORT:80 busybox httpd answers curl on 127.0.0.1', async () => {
    const web = await freePort();
    const r = d.docker(['run', '-d', '--name', 'web', '-p', `${web}:80`, 'busybox', 'sh', '-c', 'mkdir -p /www && echo "hello from httpd" > /www/index.html && exec httpd -f -p 80 -h /www']);
    assert.equal(r.code, 0, r.stderr);
    let page = '';
    for (let i = 0; i < 100 && !page; i++) {
      page = curl(`http://127.0.0.1:${web}/`);
      if (!page) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(page, 'hello from httpd\n');
    assert.equal(d.docker(['rm', '-f', 'web']).code, 0);
    assert.equal(curl(`http://127.0.0.1:${web}/`), '', 'the port is released with the container');
  });

  it('runs the registry with a published port and a bind-mounted data dir, and round-trips an image through it', async () => {
    const tar = join(d.dir, 'registry.tar');
    const built = spawnSync('bash', [join(ROOT, 'scripts/registry-image.sh'), tar, 'registry:latest'], { maxBuffer: 1 << 26 });
    assert.equal(built.status, 0, built.stderr?.toString());
    const load = d.docker(['load', '-i', tar]);
    assert.equal(load.code, 0, load.stderr);
    const data = join(d.dir, 'opt-data-registry');
    const run = d.docker(['run', '-d', '-p', `${port}:5000`, '-v', `${data}:/var/lib/registry`, '--restart=always', '--name', 'registry', 'registry']);
    assert.equal(run.code, 0, run.stderr);
    let cat = '';
    for (let i = 0; i < 150 && !cat; i++) {
      cat = curl(`http://127.0.0.1:${port}/v2/_catalog`);
      if (!cat) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(JSON.parse(cat || '{}'), { repositories: [] }, d.docker(['logs', 'registry']).stderr);
    assert.match(d.docker(['port', 'registry']).stdout, new RegExp(`5000/tcp -> 0\\.0\\.0\\.0:${port}`));

    const ref = `127.0.0.1:${port}/busybox:v1`;
    assert.equal(d.docker(['tag', 'busybox:latest', ref]).code, 0);
    const push = d.docker(['push', ref]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /v1: digest: sha256:[0-9a-f]{64} size: \d+/);
    assert.deepEqual(JSON.parse(curl(`http://127.0.0.1:${port}/v2/_catalog`)), { repositories: ['busybox'] });
    assert.ok(existsSync(join(data, 'docker/registry/v2/repositories/busybox/_manifests/tags/v1/current/link')), 'data lands in the bind-mounted dir');

    const id = d.docker(['image', 'inspect', '-f', '{{.Id}}', ref]).stdout.trim();
    assert.equal(d.docker(['rmi', ref]).code, 0);
    const pull = d.docker(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /Status: (Downloaded newer image|Image is up to date) for/);
    assert.equal(d.docker(['image', 'inspect', '-f', '{{.Id}}', ref]).stdout.trim(), id);
    assert.equal(d.docker(['run', '--rm', ref, 'echo', 'pulled and ran']).stdout, 'pulled and ran\n');

    // docker build FROM an image that is only in the registry: the builder pulls it.
    assert.equal(d.docker(['rmi', ref]).code, 0);
    const ctx = join(d.dir, 'build-ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${ref}\nRUN echo built-on-pulled-base > /built\nCMD ["cat", "/built"]\n`);
    const build = spawnSync(DOCKER, ['build', '-t', 'fromreg:1', '.'], {
      cwd: ctx, env: { ...process.env, DOCKER_HOST: d.host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(d.dir, 'docker-config') },
    });
    assert.equal(build.status, 0, build.stderr.toString());
    assert.match(build.stdout.toString(), /Successfully tagged fromreg:1/);
    assert.equal(d.docker(['run', '--rm', 'fromreg:1']).stdout, 'built-on-pulled-base\n');

    // The built layer is stored compressed right after the build, and push sends that very blob.
    const diffIds = JSON.parse(d.docker(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'fromreg:1']).stdout) as string[];
    const blobsDir = join(d.dataRoot, 'distribution', 'blobs');
    const storedFor = (diffId: string): string | undefined => {
      for (const f of existsSync(blobsDir) ? readdirSync(blobsDir).filter((n) => n.endsWith('.json')) : []) {
        const info = JSON.parse(readFileSync(join(blobsDir, f), 'utf8')) as { digest: string; diffId?: string };
        if (info.diffId === diffId) return info.digest;
      }
      return undefined;
    };
    let stored: string | undefined;
    for (let i = 0; i < 100 && !(stored = storedFor(diffIds.at(-1)!)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(stored ?? '', /^sha256:[0-9a-f]{64}$/, 'the built layer has a compressed blob');
    const builtRef = `127.0.0.1:${port}/fromreg:1`;
    assert.equal(d.docker(['tag', 'fromreg:1', builtRef]).code, 0);
    const pushBuilt = d.docker(['push', builtRef]);
    assert.equal(pushBuilt.code, 0, pushBuilt.stderr);
    assert.match(pushBuilt.stdout, /Layer already exists|Mounted from/);
    const manifest = JSON.parse(spawnSync('curl', ['-sf', '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', `http://127.0.0.1:${port}/v2/fromreg/manifests/1`]).stdout.toString()) as { layers: { digest: string }[] };
    assert.equal(manifest.layers.at(-1)!.digest, stored, 'push sent the stored blob');

    // --restart=always: the registry comes back after its process dies.
    const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', 'registry']).stdout.trim());
    process.kill(pid, 'SIGKILL');
    let back = '';
    for (let i = 0; i < 100 && !back; i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = curl(`http://127.0.0.1:${port}/v2/_catalog`);
    }
    assert.deepEqual(JSON.parse(back || '{}'), { repositories: ['busybox', 'fromreg'] });
    assert.ok(Number(d.docker(['inspect', '-f', '{{.RestartCount}}', 'registry']).stdout.trim()) >= 1);
  });
});
