import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../registry/distribution.ts';
import { FakeRegistry } from '../registry/fake.ts';
import { dockerAsync } from '../registry/run.ts';
import { Daemon } from './harness.ts';

describe('registry mirrors for docker.io', () => {
  const d = new Daemon();
  const mirror = new FakeRegistry();
  before(async () => {
    await mirror.start();
    const dead = await freePort();
    // the first mirror refuses connections: the pull falls back to the next one
    d.writeConfig({ 'registry-mirrors': [`http://127.0.0.1:${dead}`, mirror.url] });
    await d.start();
  });
  after(async () => {
    await d.cleanup();
    await mirror.stop();
  });

  it('pulls docker.io images through the next working mirror', async () => {
    const img = mirror.addImage('library/hubimg', 'latest', [{ files: { 'hub.txt': 'from the mirror\n' }, compression: 'gzip' }]);
    const r = await dockerAsync(d, ['pull', 'hubimg']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /latest: Pulling from library\/hubimg/);
    assert.match(r.stdout, /Status: Downloaded newer image for hubimg:latest/);
    assert.equal(r.stdout.trim().split('\n').at(-1), 'docker.io/library/hubimg:latest');
    const inspect = JSON.parse((await dockerAsync(d, ['image', 'inspect', 'hubimg'])).stdout)[0];
    assert.equal(inspect.Id, img.configDigest);
    assert.deepEqual(inspect.RepoTags, ['hubimg:latest']);
    assert.deepEqual(inspect.RepoDigests, [`hubimg@${img.manifestDigest}`]);
    assert.ok(mirror.log.some((l) => l.url === '/v2/library/hubimg/manifests/latest'));
  });
});
