/** Catalog pagination and speed, search in Docker Hub's shape, read-only and delete-disabled modes, error JSON. */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPOS } from './paths.ts';
import { http, makeImage, pushImage, startRegistry, type TestRegistry } from './testutil.ts';

describe('catalog and search', () => {
  let r: TestRegistry;
  before(async () => {
    r = await startRegistry({ catalogMaxEntries: 5000 });
    const img = makeImage();
    for (const n of ['library/busybox', 'tools/busy-box', 'other/alpine']) await pushImage(r.url, n, img);
  });
  after(async () => { await r.close(); });

  it('pages the catalog with n/last and a Link header; n past the maximum is capped', async () => {
    const a = await http(r.url, 'GET', '/v2/_catalog?n=2');
    assert.deepEqual(a.json(), { repositories: ['library/busybox', 'other/alpine'] });
    assert.equal(a.headers.get('link'), '</v2/_catalog?n=2&last=other%2Falpine>; rel="next"');
    const b = await http(r.url, 'GET', '/v2/_catalog?n=2&last=other%2Falpine');
    assert.deepEqual(b.json(), { repositories: ['tools/busy-box'] });
    assert.equal(b.headers.get('link'), null);
    const bad = await http(r.url, 'GET', '/v2/_catalog?n=-1');
    assert.equal(bad.status, 400);
    assert.equal(bad.json().errors[0].code, 'PAGINATION_NUMBER_INVALID');
  });

  it('searches like Docker Hub: /v1/search?q=busy', async () => {
    const res = await http(r.url, 'GET', '/v1/search?q=busy&n=25');
    assert.equal(res.status, 200);
    const body = res.json();
    assert.equal(body.num_results, 2);
    assert.equal(body.query, 'busy');
    assert.deepEqual(body.results.map((x: { name: string }) => x.name), ['library/busybox', 'tools/busy-box']);
    assert.deepEqual(Object.keys(body.results[0]).sort(), ['description', 'is_automated', 'is_official', 'name', 'star_count']);
    const p2 = await http(r.url, 'GET', '/v1/search?q=busy&n=1&page=2');
    assert.deepEqual(p2.json().results.map((x: { name: string }) => x.name), ['tools/busy-box']);
    assert.equal(p2.json().num_pages, 2);
  });

  it('answers _catalog over 10,000 repositories in under 100 ms', async () => {
    for (let i = 0; i < 10_000; i++) mkdirSync(join(r.root, REPOS, `bulk/repo${String(i).padStart(5, '0')}`, '_manifests'), { recursive: true });
    await r.reg.catalog.reload();
    await http(r.url, 'GET', '/v2/_catalog?n=1');
    const t0 = performance.now();
    const res = await http(r.url, 'GET', '/v2/_catalog?n=5000');
    const res2 = await http(r.url, 'GET', `/v2/_catalog?n=5000&last=${encodeURIComponent(res.json().repositories.at(-1))}`);
    const ms = (performance.now() - t0) / 2;
    assert.equal(res.json().repositories.length + res2.json().repositories.length, 10_000);
    assert.ok(ms < 100, `${ms} ms`);
  });
});

describe('modes and errors', () => {
  let ro: TestRegistry;
  let nodel: TestRegistry;
  before(async () => {
    ro = await startRegistry({ readOnly: true });
    nodel = await startRegistry({ deleteEnabled: false });
  });
  after(async () => { await ro.close(); await nodel.close(); });

  it('read-only refuses every write with 405 UNSUPPORTED and still serves reads', async () => {
    for (const [m, p] of [['POST', '/v2/a/blobs/uploads/'], ['PUT', '/v2/a/manifests/x'], ['DELETE', '/v2/a/manifests/x']]) {
      const res = await http(ro.url, m, p, { body: m === 'PUT' ? '{}' : undefined });
      assert.equal(res.status, 405, `${m} ${p}`);
      assert.equal(res.json().errors[0].code, 'UNSUPPORTED');
    }
    assert.equal((await http(ro.url, 'GET', '/v2/')).status, 200);
  });

  it('deletes are refused with 405 unless enabled', async () => {
    const img = makeImage();
    await pushImage(nodel.url, 'a/b', img, 'v1');
    const res = await http(nodel.url, 'DELETE', `/v2/a/b/manifests/${img.digest}`);
    assert.equal(res.status, 405);
    assert.equal((await http(nodel.url, 'GET', '/v2/a/b/manifests/v1')).status, 200);
  });

  it('answers spec error JSON with the API version header; bad names are 400 NAME_INVALID', async () => {
    const res = await http(nodel.url, 'GET', '/v2/UPPER/tags/list');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.json().errors[0].code, 'NAME_INVALID');
    assert.equal((await http(nodel.url, 'GET', '/v2/a/manifests/bad:tag:x')).status, 400);
    assert.equal((await http(nodel.url, 'GET', '/nothing')).status, 404);
  });

  it('a manifest whose mediaType disagrees with Content-Type is MANIFEST_INVALID', async () => {
    const img = makeImage();
    await pushImage(nodel.url, 'c/d', img, 'v1');
    const res = await http(nodel.url, 'PUT', '/v2/c/d/manifests/v2', { body: img.manifest, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(res.status, 400);
    assert.equal(res.json().errors[0].code, 'MANIFEST_INVALID');
  });
});

describe('bad input never gives a 500', () => {
  let r: TestRegistry;
  before(async () => { r = await startRegistry(); });
  after(async () => { await r.close(); });

  it('answers malformed paths, escapes, digests and bodies with 4xx', async () => {
    const { request } = await import('node:http');
    const raw = (method: string, path: string, body?: string) => new Promise<number>((resolve, reject) => {
      const u = new URL(r.url);
      const rq = request({ host: u.hostname, port: u.port, method, path, headers: body ? { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } : {} }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      rq.on('error', reject);
      rq.end(body);
    });
    const cases: [string, string, string?][] = [
      ['GET', '/v2/a/manifests/%E0%A4%A'], ['GET', '/v2/a/blobs/%zz'], ['GET', '/v2/a/blobs/uploads/%E0'],
      ['GET', '/v2/a/referrers/sha256:nothex'], ['GET', '/v2/a/blobs/sha1:abc'], ['GET', '/v2/../../etc/passwd/manifests/x'],
      ['PUT', '/v2/a/manifests/..%2F..%2Fx', '{}'], ['PUT', '/v2/a/manifests/v1', '[]'], ['PUT', '/v2/a/manifests/v1', '{"schemaVersion":2,"config":{"digest":"x"}}'],
      ['PUT', '/v2/a/manifests/v1', '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"sha256:../../x","size":1},"layers":[]}'],
      ['GET', '/v2/_catalog?n=abc'], ['GET', '/v2/a/tags/list?n=1e3'], ['GET', '/v1/search?n=-4'], ['PATCH', '/v2/a/blobs/uploads/'],
    ];
    for (const [m, p, b] of cases) {
      const status = await raw(m, p, b);
      assert.ok(status >= 400 && status < 500, `${m} ${p}: ${status}`);
    }
  });
});
