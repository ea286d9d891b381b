/** Pull-through cache: content missing locally comes from the upstream (with token auth), is checked, stored and then served locally. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { htpasswdLine } from './auth/htpasswd.ts';
import { http, makeImage, pushImage, sha256, startRegistry, type TestRegistry } from './testutil.ts';

describe('proxy mode', () => {
  let upstream: TestRegistry;
  let cache: TestRegistry;
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-proxy-'));
  const img = makeImage();
  let token = '';

  before(async () => {
    writeFileSync(join(dir, 'users'), `${htpasswdLine('mirror', 'pw', 5)}\n`);
    upstream = await startRegistry({
      auth: { kind: 'token', realm: '', service: 'up', issuer: 'up', users: join(dir, 'users'), anonymousPull: false, expiration: 300_000 },
    }, join(dir, 'up'));
    const t = await http(upstream.url, 'GET', '/token?service=up&scope=repository:lib/app:pull,push', { headers: { Authorization: `Basic ${Buffer.from('mirror:pw').toString('base64')}` } });
    token = t.json().token;
    await pushImage(upstream.url, 'lib/app', img, 'v1', { Authorization: `Bearer ${token}` });
    cache = await startRegistry({ proxy: { remoteUrl: upstream.url, username: 'mirror', password: 'pw' } }, join(dir, 'cache'));
  });
  after(async () => {
    await cache.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves manifests and blobs from the upstream and keeps them', async () => {
    const m = await http(cache.url, 'GET', '/v2/lib/app/manifests/v1');
    assert.equal(m.status, 200);
    assert.deepEqual(m.body, img.manifest);
    for (const l of img.layers) assert.deepEqual((await http(cache.url, 'GET', `/v2/lib/app/blobs/${sha256(l)}`)).body, l);
    await upstream.close();
    // Upstream gone: what was pulled is still served.
    assert.deepEqual((await http(cache.url, 'GET', `/v2/lib/app/manifests/${img.digest}`)).body, img.manifest);
    assert.deepEqual((await http(cache.url, 'GET', `/v2/lib/app/blobs/${sha256(img.layers[0])}`)).body, img.layers[0]);
    upstream = await startRegistry({}, join(dir, 'up2'));
  });

  it('refuses pushes', async () => {
    const r = await http(cache.url, 'POST', '/v2/lib/app/blobs/uploads/');
    assert.equal(r.status, 405);
    assert.equal(r.json().errors[0].code, 'UNSUPPORTED');
  });
});

describe('TLS', () => {
  it('serves https with the given certificate', async () => {
    const { spawnSync } = await import('node:child_process');
    const d = mkdtempSync(join(tmpdir(), 'berth-registry-tls-'));
    try {
      const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem')]);
      assert.equal(gen.status, 0, gen.stderr?.toString());
      const r = await startRegistry({ tls: { certificate: join(d, 'cert.pem'), key: join(d, 'key.pem') } }, join(d, 'root'));
      try {
        const { get } = await import('node:https');
        const { readFileSync } = await import('node:fs');
        const res = await new Promise<{ status?: number; api?: string }>((resolve, reject) => {
          get(`https://${r.host}/v2/`, { ca: readFileSync(join(d, 'cert.pem')) }, (m) => {
            m.resume();
            resolve({ status: m.statusCode, api: m.headers['docker-distribution-api-version'] as string });
          }).on('error', reject);
        });
        assert.deepEqual(res, { status: 200, api: 'registry/2.0' });
      } finally {
        await r.close();
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
