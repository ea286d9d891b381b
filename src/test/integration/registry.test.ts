/**
 * `berth registry serve` with real clients on loopback: curl as in the seeds,
 * skopeo (OCI layout and docker-archive, both ways, digests checked), podman
 * push/pull, dockerd 20.10 push/pull/search/login through the docker CLI,
 * and `berth registry garbage-collect` beside a running push.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { BERTH, NODE, ROOT, busyboxRootfs, have } from './harness.ts';
import { PeerDockerd, Podman, ok, run } from './peers.ts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const isRoot = process.getuid?.() === 0;

/** A `berth registry serve` child process on 127.0.0.1 with an ephemeral port. */
class RegistryProcess {
  proc?: ChildProcess;
  host = '';
  stderr = '';
  readonly root: string;
  readonly extra: string[];
  constructor(root: string, extra: string[] = []) {
    this.root = root;
    this.extra = extra;
  }

  async start(): Promise<void> {
    this.proc = spawn(NODE, [BERTH, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', this.root, '--access-log=false', ...this.extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr?.on('data', (c: Buffer) => { this.stderr += c.toString(); });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(this.stderr);
      if (m) { this.host = m[1]; return; }
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`registry did not start: ${this.stderr}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}

/** An OCI image layout holding busybox (one gzip layer) under the tag `v1`. */
function writeOciLayout(dir: string): { manifestDigest: string; layerDigest: string; configDigest: string } {
  const layer = gzipSync(busyboxRootfs());
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [sha256(busyboxRootfs())] },
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  }));
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  for (const b of [layer, config, manifest]) writeFileSync(join(dir, 'blobs/sha256', sha256(b).slice(7)), b);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
  }));
  return { manifestDigest: sha256(manifest), layerDigest: sha256(layer), configDigest: sha256(config) };
}

describe('berth registry with real clients', { skip: !isRoot ? 'needs root' : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-it-registry-'));
  const reg = new RegistryProcess(join(dir, 'storage'), ['--delete']);
  const env = () => ({ TMPDIR: join(dir, 'tmp') });
  let img: ReturnType<typeof writeOciLayout>;
  const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], env());

  before(async () => {
    mkdirSync(join(dir, 'tmp'));
    img = writeOciLayout(join(dir, 'oci'));
    await reg.start();
  });
  after(async () => {
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers curl http://HOST/v2/_catalog as in the seeds', () => {
    const out = ok(run('curl', ['-sf', `http://${reg.host}/v2/_catalog`]), 'curl');
    assert.deepEqual(JSON.parse(out), { repositories: [] });
  });

  it('skopeo: OCI layout → registry → OCI layout and docker-archive, and back, with the same digests', { skip: have('skopeo') ? false : 'skopeo is not installed' }, () => {
    ok(skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${join(dir, 'oci')}:v1`, `docker://${reg.host}/skopeo/busybox:v1`]), 'skopeo push');
    const raw = ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/skopeo/busybox:v1`]), 'skopeo inspect');
    assert.equal(sha256(raw), img.manifestDigest);
    ok(skopeo(['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/skopeo/busybox:v1`, `oci:${join(dir, 'oci-back')}:v1`]), 'skopeo pull to oci');
    const index = JSON.parse(readFileSync(join(dir, 'oci-back/index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, img.manifestDigest);
    const archive = join(dir, 'busybox.tar');
    ok(skopeo(['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/skopeo/busybox:v1`, `docker-archive:${archive}:busybox:v1`]), 'skopeo pull to docker-archive');
    ok(skopeo(['copy', '-q', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.host}/skopeo/fromarchive:v1`]), 'skopeo push docker-archive');
    const m = JSON.parse(ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/skopeo/fromarchive:v1`]), 'inspect'));
    const cfg = JSON.parse(ok(skopeo(['inspect', '--config', '--raw', '--tls-verify=false', `docker://${reg.host}/skopeo/fromarchive:v1`]), 'inspect config'));
    assert.equal(m.config.digest, img.configDigest);
    assert.deepEqual(cfg.rootfs.diff_ids, [sha256(busyboxRootfs())]);
    const tags = JSON.parse(ok(run('curl', ['-sf', `http://${reg.host}/v2/skopeo/busybox/tags/list`]), 'curl tags'));
    assert.deepEqual(tags, { name: 'skopeo/busybox', tags: ['v1'] });
  });

  it('podman pulls and pushes', { skip: have('podman') ? false : 'podman is not installed' }, () => {
    const podman = new Podman(dir);
    try {
      ok(podman.run(['pull', '-q', '--tls-verify=false', `docker://${reg.host}/skopeo/busybox:v1`]), 'podman pull');
      ok(podman.run(['tag', `${reg.host}/skopeo/busybox:v1`, `${reg.host}/podman/busybox:v2`]), 'podman tag');
      ok(podman.run(['push', '-q', '--tls-verify=false', `${reg.host}/podman/busybox:v2`]), 'podman push');
      const cfg = JSON.parse(ok(skopeo(['inspect', '--config', '--raw', '--tls-verify=false', `docker://${reg.host}/podman/busybox:v2`]), 'inspect'));
      assert.deepEqual(cfg.rootfs.diff_ids, [sha256(busyboxRootfs())]);
    } finally {
      podman.run(['rmi', '-a', '-f']);
    }
  });

  describe('dockerd 20.10 through the docker CLI', { skip: have('dockerd') ? false : 'dockerd is not installed' }, () => {
    const peer = new PeerDockerd();
    const auth = new RegistryProcess(join(dir, 'auth-storage'), ['--htpasswd', join(dir, 'htpasswd'), '--realm', 'berth-test']);
    const tokenReg = new RegistryProcess(join(dir, 'token-storage'), ['--token-auth', '--token-users', join(dir, 'htpasswd'), '--token-service', 'berth-test']);
    before(async () => {
      writeFileSync(join(dir, 'htpasswd'), `alice:${bcrypt.hashSync('wonderland', 5)}\n`);
      await Promise.all([peer.start(), auth.start(), tokenReg.start()]);
      if (!readFileSync(join(dir, 'busybox.tar')).length) throw new Error('skopeo test did not leave busybox.tar');
    });
    after(async () => {
      await Promise.all([peer.stop(), auth.stop(), tokenReg.stop()]);
    });

    it('pushes and pulls', () => {
      ok(peer.docker(['load', '-i', join(dir, 'busybox.tar')]), 'docker load');
      const id = ok(peer.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox:v1']), 'inspect').trim();
      ok(peer.docker(['tag', 'busybox:v1', `${reg.host}/peer/busybox:v1`]), 'docker tag');
      const push = ok(peer.docker(['push', `${reg.host}/peer/busybox:v1`]), 'docker push');
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push)?.[1];
      assert.ok(digest, push);
      ok(peer.docker(['rmi', `${reg.host}/peer/busybox:v1`, 'busybox:v1']), 'docker rmi');
      const pull = ok(peer.docker(['pull', `${reg.host}/peer/busybox:v1`]), 'docker pull');
      assert.match(pull, new RegExp(`Digest: ${digest}`));
      assert.equal(ok(peer.docker(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/peer/busybox:v1`]), 'inspect').trim(), id);
      const byDigest = ok(peer.docker(['pull', `${reg.host}/peer/busybox@${digest}`]), 'docker pull by digest');
      assert.match(byDigest, /Digest:|up to date/i);
    });

    it('searches with docker search HOST/busy', () => {
      const out = ok(peer.docker(['search', `${reg.host}/busy`]), 'docker search');
      const lines = out.trim().split('\n');
      assert.match(lines[0], /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL/);
      const names = lines.slice(1).map((l) => l.split(/\s+/)[0]);
      assert.ok(names.includes('peer/busybox') && names.includes('skopeo/busybox'), out);
      assert.ok(names.every((n) => n.includes('busy')), out);
      assert.ok(!names.includes('skopeo/fromarchive'), out);
    });

    it('runs the `registry` image built by scripts/registry-image.sh (docker run -d -v … registry)', async () => {
      const tarPath = join(dir, 'registry-image.tar');
      ok(run('bash', [join(ROOT, 'scripts/registry-image.sh'), tarPath, 'registry:latest']), 'registry-image.sh');
      ok(peer.docker(['load', '-i', tarPath]), 'docker load registry');
      const port = await freePort();
      const vol = join(dir, 'registry-volume');
      const name = `berth-it-registry-${process.pid}`;
      ok(peer.docker(['run', '-d', '--name', name, '--network', 'host', '-v', `${vol}:/var/lib/registry`, 'registry',
        '/etc/docker/registry/config.yml', '--addr', `127.0.0.1:${port}`]), 'docker run registry');
      try {
        let cat = '';
        for (let i = 0; i < 100 && !cat; i++) {
          cat = run('curl', ['-sf', `http://127.0.0.1:${port}/v2/_catalog`]).stdout;
          if (!cat) await new Promise((r) => setTimeout(r, 100));
        }
        assert.deepEqual(JSON.parse(cat || '{}'), { repositories: [] }, peer.docker(['logs', name]).stderr);
        ok(peer.docker(['tag', `${reg.host}/peer/busybox:v1`, `127.0.0.1:${port}/busybox:v1`]), 'tag');
        ok(peer.docker(['push', `127.0.0.1:${port}/busybox:v1`]), 'push to the containerized registry');
        assert.deepEqual(JSON.parse(run('curl', ['-sf', `http://127.0.0.1:${port}/v2/_catalog`]).stdout), { repositories: ['busybox'] });
        // The data is in the volume, in distribution's layout.
        assert.ok(readFileSync(join(vol, 'docker/registry/v2/repositories/busybox/_manifests/tags/v1/current/link'), 'utf8').startsWith('sha256:'));
      } finally {
        peer.docker(['rm', '-f', name]);
      }
    });

    it('logs in through the built-in token issuer (Bearer JWTs), pushes and pulls', () => {
      const bad = peer.docker(['login', tokenReg.host, '-u', 'alice', '-p', 'nope']);
      assert.notEqual(bad.code, 0);
      ok(peer.docker(['login', tokenReg.host, '-u', 'alice', '-p', 'wonderland']), 'docker login (token)');
      const ref = `${tokenReg.host}/alice/busybox:v1`;
      ok(peer.docker(['tag', `${reg.host}/peer/busybox:v1`, ref]), 'tag');
      ok(peer.docker(['push', ref]), 'docker push (token)');
      ok(peer.docker(['rmi', ref]), 'rmi');
      ok(peer.docker(['pull', ref]), 'docker pull (token)');
      const anon = run('curl', ['-s', '-D', '-', '-o', '/dev/null', `http://${tokenReg.host}/v2/alice/busybox/tags/list`]).stdout;
      assert.match(anon, /401[\s\S]*Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="berth-test",scope="repository:alice\/busybox:pull"/);
      ok(peer.docker(['logout', tokenReg.host]), 'logout');
    });

    it('logs in with htpasswd credentials and pushes; refuses a wrong password', () => {
      const bad = peer.docker(['login', auth.host, '-u', 'alice', '-p', 'nope']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /unauthorized|401/i);
      ok(peer.docker(['login', auth.host, '-u', 'alice', '-p', 'wonderland']), 'docker login');
      ok(peer.docker(['tag', `${reg.host}/peer/busybox:v1`, `${auth.host}/alice/busybox:v1`]), 'tag');
      ok(peer.docker(['push', `${auth.host}/alice/busybox:v1`]), 'docker push with auth');
      const noauth = run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${auth.host}/v2/alice/busybox/tags/list`]);
      assert.equal(noauth.stdout, '401');
      const tags = run('curl', ['-sf', '-u', 'alice:wonderland', `http://${auth.host}/v2/alice/busybox/tags/list`]);
      assert.deepEqual(JSON.parse(tags.stdout), { name: 'alice/busybox', tags: ['v1'] });
    });
  });

  it('garbage-collect: dry run lists an orphan, a real run removes it while a push goes on', { skip: have('skopeo') ? false : 'skopeo is not installed' }, async () => {
    const orphan = Buffer.from(`orphan ${Date.now()}`);
    const up = spawn('curl', ['-sf', '-X', 'POST', '--data-binary', '@-', '-H', 'Content-Type: application/octet-stream', `http://${reg.host}/v2/gc/orphan/blobs/uploads/?digest=${sha256(orphan)}`]);
    up.stdin.end(orphan);
    await new Promise((r) => up.once('exit', r));
    const gc = (extra: string[]) => run(NODE, [BERTH, 'registry', 'garbage-collect', '--root', reg.root, '--grace', '0s', ...extra]);
    const dry = ok(gc(['--dry-run']), 'gc dry run');
    assert.match(dry, new RegExp(`blob eligible for deletion: ${sha256(orphan)}`));
    assert.equal(run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-I', `http://${reg.host}/v2/gc/orphan/blobs/${sha256(orphan)}`]).stdout, '200');
    // A push runs while GC deletes: the pushed image stays complete.
    const push = spawn('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${join(dir, 'oci')}:v1`, `docker://${reg.host}/gc/during:v1`], { env: { ...process.env, ...env() } });
    const pushed = new Promise<number | null>((r) => push.once('exit', (c) => r(c)));
    const real = ok(gc(['--delete-untagged']), 'gc');
    assert.match(real, new RegExp(`blob eligible for deletion: ${sha256(orphan)}`));
    assert.equal(await pushed, 0);
    assert.equal(run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-I', `http://${reg.host}/v2/gc/orphan/blobs/${sha256(orphan)}`]).stdout, '404');
    ok(skopeo(['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/gc/during:v1`, `oci:${join(dir, 'oci-gc')}:v1`]), 'pull after gc');
    for (const d of [img.layerDigest, img.configDigest]) assert.ok(readFileSync(join(dir, 'oci-gc/blobs/sha256', d.slice(7))).length > 0);
  });
});
