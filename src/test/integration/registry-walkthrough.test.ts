import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DistributionRegistry } from '../registry/distribution.ts';
import { Daemon, busyboxRootfs, have } from './harness.ts';

const skip = !have('docker-registry') || !have('skopeo') ? 'docker-registry or skopeo missing' : false;

function skopeoInspect(ref: string, extra: string[] = []): Record<string, unknown> {
  const r = spawnSync('skopeo', ['inspect', '--tls-verify=false', ...extra, `docker://${ref}`]);
  if (r.status !== 0) throw new Error(`skopeo inspect: ${r.stderr}`);
  return JSON.parse(r.stdout.toString());
}

describe('registry walkthrough against docker-registry 2.8 with the docker CLI', { skip }, () => {
  const d = new Daemon();
  const reg = new DistributionRegistry();
  before(async () => {
    await reg.start();
    await d.start();
    const imp = d.docker(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    assert.equal(imp.code, 0, imp.stderr);
  });
  after(async () => {
    await d.cleanup();
    await reg.stop();
  });

  it('tags, pushes, removes, pulls and runs the image; the registry lists it', () => {
    const name = `${reg.host}/my-busybox`;
    assert.equal(d.docker(['tag', 'busybox', name]).code, 0);
    const id = d.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox']).stdout.trim();
    const push = d.docker(['push', name]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, new RegExp(`The push refers to repository \\[${reg.host}/my-busybox\\]`));
    assert.match(push.stdout, /[0-9a-f]{12}: Pushed/);
    const m = /latest: digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(push.stdout);
    assert.ok(m, push.stdout);
    // what the registry holds is what berth said it pushed
    const info = skopeoInspect(`${name}:latest`);
    assert.equal(info.Digest, m[1]);
    const cfg = skopeoInspect(`${name}:latest`, ['--config', '--raw']);
    assert.ok(cfg.rootfs);
    const raw = spawnSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${name}:latest`]).stdout.toString();
    assert.equal(JSON.parse(raw).config.digest, id);
    assert.equal(raw.length, Number(m[2]));
    // a second push finds the layer there
    const again = d.docker(['push', name]);
    assert.match(again.stdout, /Layer already exists/);

    assert.equal(d.docker(['rmi', name]).code, 0);
    assert.equal(d.docker(['rmi', 'busybox']).code, 0);
    assert.equal(d.docker(['images', '-q']).stdout.trim(), '');
    const pull = d.docker(['pull', name]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /latest: Pulling from my-busybox/);
    assert.match(pull.stdout, /[0-9a-f]{12}: Pull complete/);
    assert.match(pull.stdout, new RegExp(`Digest: ${m[1]}`));
    assert.match(pull.stdout, new RegExp(`Status: Downloaded newer image for ${reg.host}/my-busybox:latest`));
    assert.equal(pull.stdout.trim().split('\n').at(-1), `${name}:latest`);
    assert.equal(d.docker(['image', 'inspect', '-f', '{{.Id}}', name]).stdout.trim(), id);
    assert.equal(d.docker(['image', 'inspect', '-f', '{{index .RepoDigests 0}}', name]).stdout.trim(), `${name}@${m[1]}`);
    const up = d.docker(['pull', name]);
    assert.match(up.stdout, /Status: Image is up to date for/);
    const run = d.docker(['run', '--rm', name, 'echo', 'hello from the registry']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'hello from the registry\n');
    const cat = spawnSync('curl', ['-s', `http://${reg.host}/v2/_catalog`]).stdout.toString();
    assert.deepEqual(JSON.parse(cat), { repositories: ['my-busybox'] });
  });

  it('pulls by digest and runs a missing image implicitly', () => {
    const name = `${reg.host}/my-busybox`;
    const digest = skopeoInspect(`${name}:latest`).Digest as string;
    assert.equal(d.docker(['rmi', '-f', name]).code, 0);
    const pull = d.docker(['pull', `${name}@${digest}`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Status: Downloaded newer image for ${name}@${digest}`));
    assert.equal(d.docker(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']).stdout.trim(), `${name} <none> ${digest}`);
    assert.equal(d.docker(['rmi', '-f', `${name}@${digest}`]).code, 0);
    const run = d.docker(['run', '--rm', name, 'true']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`Unable to find image '${name}:latest' locally`));
    assert.match(run.stderr, /Pull complete/);
  });

  it('reports a missing tag and a missing repository as docker does', () => {
    const tag = d.docker(['pull', `${reg.host}/my-busybox:nope`]);
    assert.equal(tag.code, 1);
    assert.equal(tag.stderr.trim(), `Error response from daemon: manifest for ${reg.host}/my-busybox:nope not found: manifest unknown: manifest unknown`);
    const run = d.docker(['run', '--rm', `${reg.host}/nothing-here:v9`]);
    assert.equal(run.code, 125);
    assert.match(run.stderr, new RegExp(`Unable to find image '${reg.host}/nothing-here:v9' locally`));
    assert.match(run.stderr, /docker: Error response from daemon: (repository|manifest for) .*nothing-here.* not found/);
    const repo = d.docker(['pull', `${reg.host}/nothing-here`]);
    assert.equal(repo.code, 1);
    assert.match(repo.stderr, /Error response from daemon: (repository|manifest for) .*nothing-here.* not found/);
  });

  it('keeps the pulled compressed blob, and pushes it to another repository by mounting it', () => {
    const blobs = readdirSync(join(d.dataRoot, 'content', 'blobs', 'sha256'));
    const layerDigest = (JSON.parse(spawnSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/my-busybox:latest`]).stdout.toString()).layers[0].digest as string);
    assert.ok(blobs.includes(layerDigest.slice(7)), 'the compressed layer is in the content store');
    const tag = d.docker(['tag', `${reg.host}/my-busybox`, `${reg.host}/other/copy:v1`]);
    assert.equal(tag.code, 0, tag.stderr);
    const push = d.docker(['push', `${reg.host}/other/copy:v1`]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /Mounted from my-busybox/);
    assert.equal((skopeoInspect(`${reg.host}/other/copy:v1`).Layers as string[])[0], layerDigest);
    // push -a sends every tag of the repository
    assert.equal(d.docker(['tag', `${reg.host}/other/copy:v1`, `${reg.host}/other/copy:v2`]).code, 0);
    const all = d.docker(['push', '-a', `${reg.host}/other/copy`]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /v1: digest: sha256:[0-9a-f]{64} size: \d+/);
    assert.match(all.stdout, /v2: digest: sha256:[0-9a-f]{64} size: \d+/);
    assert.deepEqual(JSON.parse(spawnSync('curl', ['-s', `http://${reg.host}/v2/other/copy/tags/list`]).stdout.toString()).tags.sort(), ['v1', 'v2']);
    // same bytes: no recompression
    assert.equal(readFileSync(join(d.dataRoot, 'content', 'blobs', 'sha256', layerDigest.slice(7))).length > 0, true);
  });

  it('removes the stored compressed blob once no image uses its layer', async () => {
    const blobPath = join(d.dataRoot, 'content', 'blobs', 'sha256');
    const layerDigest = (JSON.parse(spawnSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/my-busybox:latest`]).stdout.toString()).layers[0].digest as string).slice(7);
    assert.ok(readdirSync(blobPath).includes(layerDigest));
    const id = d.docker(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/my-busybox`]).stdout.trim();
    const rmi = d.docker(['rmi', '-f', id]);
    assert.equal(rmi.code, 0, rmi.stderr);
    for (let i = 0; i < 50 && readdirSync(blobPath).includes(layerDigest); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!readdirSync(blobPath).includes(layerDigest), 'the blob went with the last image of its layer');
    // and the pull that follows downloads it again and keeps it
    const pull = d.docker(['pull', `${reg.host}/my-busybox`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.ok(readdirSync(blobPath).includes(layerDigest));
  });
});
