/**
 * Berth's own distribution-spec conformance suite, grouped like the OCI
 * conformance suite (pull, push: blob monolithic / POST-PUT / chunked /
 * mount, manifest push, content discovery: tag listing, referrers, content
 * management: deletes). `defineSuite` runs against any registry URL; tests
 * listed in `knownFailures` must fail there (so the list stays honest).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { http, makeImage, pushBlob, pushImage, rand, sha256, sha512 } from '../testutil.ts';

export interface Target { url: string }

type Body = (t: Target, repo: string) => Promise<void>;

const OCTET = { 'Content-Type': 'application/octet-stream' };
let counter = 0;

export function defineSuite(label: string, target: () => Target, knownFailures: Record<string, string> = {}, opts: { skip?: string | false } = {}): void {
  const check = (name: string, body: Body) => {
    const reason = knownFailures[name];
    it(reason ? `${name} (known failure: ${reason})` : name, { skip: opts.skip }, async () => {
      const repo = `conformance/r${process.pid}-${Date.now().toString(36)}-${counter++}`;
      if (!reason) { await body(target(), repo); return; }
      await assert.rejects(body(target(), repo), Error, `${name} is listed as a known failure of ${label} but passed`);
    });
  };

  describe(`${label}: pull`, () => {
    check('pull: manifest by tag and by digest, exact bytes and headers', async (t, repo) => {
      const img = makeImage();
      await pushImage(t.url, repo, img, 'v1');
      for (const ref of ['v1', img.digest]) {
        const r = await http(t.url, 'GET', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: img.mediaType } });
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, img.manifest);
        assert.equal(r.headers.get('docker-content-digest'), img.digest);
        assert.equal(r.headers.get('content-type'), img.mediaType);
        const h = await http(t.url, 'HEAD', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: img.mediaType } });
        assert.equal(h.status, 200);
        assert.equal(h.headers.get('content-length'), String(img.manifest.length));
        assert.equal(h.headers.get('docker-content-digest'), img.digest);
      }
    });
    check('pull: blob GET and HEAD with Docker-Content-Digest', async (t, repo) => {
      const img = makeImage();
      await pushImage(t.url, repo, img);
      const d = sha256(img.layers[1]);
      const r = await http(t.url, 'GET', `/v2/${repo}/blobs/${d}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, img.layers[1]);
      assert.equal(r.headers.get('docker-content-digest'), d);
      const h = await http(t.url, 'HEAD', `/v2/${repo}/blobs/${d}`);
      assert.equal(h.status, 200);
      assert.equal(h.headers.get('content-length'), String(img.layers[1].length));
      assert.equal(r.headers.get('docker-distribution-api-version'), 'registry/2.0');
    });
    check('pull: blob GET with Range gives 206 and Content-Range', async (t, repo) => {
      const img = makeImage();
      await pushImage(t.url, repo, img);
      const d = sha256(img.layers[0]);
      const r = await http(t.url, 'GET', `/v2/${repo}/blobs/${d}`, { headers: { Range: 'bytes=10-19' } });
      assert.equal(r.status, 206);
      assert.deepEqual(r.body, img.layers[0].subarray(10, 20));
      assert.equal(r.headers.get('content-range'), `bytes 10-19/${img.layers[0].length}`);
      const bad = await http(t.url, 'GET', `/v2/${repo}/blobs/${d}`, { headers: { Range: 'bytes=5000-6000' } });
      assert.equal(bad.status, 416);
    });
    check('pull: unknown manifest and blob give 404 MANIFEST_UNKNOWN / BLOB_UNKNOWN', async (t, repo) => {
      await pushImage(t.url, repo, makeImage());
      const m = await http(t.url, 'GET', `/v2/${repo}/manifests/nope`);
      assert.equal(m.status, 404);
      assert.equal(m.json().errors[0].code, 'MANIFEST_UNKNOWN');
      const b = await http(t.url, 'GET', `/v2/${repo}/blobs/${sha256('missing')}`);
      assert.equal(b.status, 404);
      assert.equal(b.json().errors[0].code, 'BLOB_UNKNOWN');
    });
    check('pull: malformed digest gives 400 DIGEST_INVALID', async (t, repo) => {
      const r = await http(t.url, 'GET', `/v2/${repo}/blobs/sha256:xyz`);
      assert.equal(r.status, 400);
      assert.equal(r.json().errors[0].code, 'DIGEST_INVALID');
    });
  });

  describe(`${label}: push`, () => {
    check('blob push: monolithic POST ?digest=', async (t, repo) => {
      const b = rand(4096);
      const r = await http(t.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${sha256(b)}`, { body: b, headers: OCTET });
      assert.equal(r.status, 201);
      assert.ok(r.headers.get('location'));
      assert.equal(r.headers.get('docker-content-digest'), sha256(b));
    });
    check('blob push: POST then PUT', async (t, repo) => {
      const b = rand(5000);
      const p = await http(t.url, 'POST', `/v2/${repo}/blobs/uploads/`);
      assert.equal(p.status, 202);
      const loc = new URL(p.headers.get('location') as string, t.url);
      loc.searchParams.set('digest', sha256(b));
      const r = await http(t.url, 'PUT', loc.pathname + loc.search, { body: b, headers: OCTET });
      assert.equal(r.status, 201);
      assert.deepEqual((await http(t.url, 'GET', `/v2/${repo}/blobs/${sha256(b)}`)).body, b);
    });
    check('blob push: digest mismatch gives 400 DIGEST_INVALID', async (t, repo) => {
      const b = rand(100);
      const p = await http(t.url, 'POST', `/v2/${repo}/blobs/uploads/`);
      const loc = new URL(p.headers.get('location') as string, t.url);
      loc.searchParams.set('digest', sha256('other'));
      const r = await http(t.url, 'PUT', loc.pathname + loc.search, { body: b, headers: OCTET });
      assert.equal(r.status, 400);
      assert.equal(r.json().errors[0].code, 'DIGEST_INVALID');
    });
    check('blob push: sha512 digest', async (t, repo) => {
      const b = rand(3000);
      const r = await http(t.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${sha512(b)}`, { body: b, headers: OCTET });
      assert.equal(r.status, 201);
      const g = await http(t.url, 'GET', `/v2/${repo}/blobs/${sha512(b)}`);
      assert.equal(g.status, 200);
      assert.deepEqual(g.body, b);
    });
    check('blob chunked: PATCH chunks with Content-Range, status, then PUT', async (t, repo) => {
      const b = rand(10_000);
      const p = await http(t.url, 'POST', `/v2/${repo}/blobs/uploads/`);
      let loc = new URL(p.headers.get('location') as string, t.url);
      const parts = [b.subarray(0, 4000), b.subarray(4000, 8000), b.subarray(8000)];
      let off = 0;
      for (const part of parts.slice(0, 2)) {
        const r = await http(t.url, 'PATCH', loc.pathname + loc.search, { body: part, headers: { ...OCTET, 'Content-Range': `${off}-${off + part.length - 1}` } });
        assert.equal(r.status, 202);
        off += part.length;
        assert.equal(r.headers.get('range'), `0-${off - 1}`);
        loc = new URL(r.headers.get('location') as string, t.url);
      }
      const s = await http(t.url, 'GET', loc.pathname + loc.search);
      assert.equal(s.status, 204);
      assert.equal(s.headers.get('range'), `0-${off - 1}`);
      loc.searchParams.set('digest', sha256(b));
      const r = await http(t.url, 'PUT', loc.pathname + loc.search, { body: parts[2], headers: { ...OCTET, 'Content-Range': `${off}-${b.length - 1}` } });
      assert.equal(r.status, 201);
      assert.deepEqual((await http(t.url, 'GET', `/v2/${repo}/blobs/${sha256(b)}`)).body, b);
    });
    check('blob chunked: out-of-order chunk gives 416 with Range', async (t, repo) => {
      const p = await http(t.url, 'POST', `/v2/${repo}/blobs/uploads/`);
      let loc = new URL(p.headers.get('location') as string, t.url);
      const r1 = await http(t.url, 'PATCH', loc.pathname + loc.search, { body: rand(100), headers: { ...OCTET, 'Content-Range': '0-99' } });
      assert.equal(r1.status, 202);
      loc = new URL(r1.headers.get('location') as string, t.url);
      const r2 = await http(t.url, 'PATCH', loc.pathname + loc.search, { body: rand(100), headers: { ...OCTET, 'Content-Range': '200-299' } });
      assert.equal(r2.status, 416);
    });
    check('blob chunked: cancel gives 204 and then 404 BLOB_UPLOAD_UNKNOWN', async (t, repo) => {
      const p = await http(t.url, 'POST', `/v2/${repo}/blobs/uploads/`);
      const loc = new URL(p.headers.get('location') as string, t.url);
      const d = await http(t.url, 'DELETE', loc.pathname + loc.search);
      assert.equal(d.status, 204);
      const s = await http(t.url, 'GET', loc.pathname + loc.search);
      assert.equal(s.status, 404);
      assert.equal(s.json().errors[0].code, 'BLOB_UPLOAD_UNKNOWN');
    });
    check('blob mount: from another repository', async (t, repo) => {
      const b = rand(2048);
      await pushBlob(t.url, repo, b);
      const r = await http(t.url, 'POST', `/v2/${repo}-other/blobs/uploads/?mount=${sha256(b)}&from=${repo}`);
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('docker-content-digest'), sha256(b));
      assert.equal((await http(t.url, 'HEAD', `/v2/${repo}-other/blobs/${sha256(b)}`)).status, 200);
    });
    check('blob mount: unknown source falls back to an upload (202)', async (t, repo) => {
      const r = await http(t.url, 'POST', `/v2/${repo}/blobs/uploads/?mount=${sha256('nothing here')}&from=${repo}-none`);
      assert.equal(r.status, 202);
      assert.ok(r.headers.get('location'));
    });
    check('blob mount: anonymous mount without from', async (t, repo) => {
      const b = rand(512);
      await pushBlob(t.url, repo, b);
      const r = await http(t.url, 'POST', `/v2/${repo}-anon/blobs/uploads/?mount=${sha256(b)}`);
      assert.equal(r.status, 201);
    });
    check('manifest push: by tag and by digest', async (t, repo) => {
      const img = makeImage();
      const digest = await pushImage(t.url, repo, img, 'v1');
      const r = await http(t.url, 'PUT', `/v2/${repo}/manifests/${digest}`, { body: img.manifest, headers: { 'Content-Type': img.mediaType } });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('docker-content-digest'), digest);
    });
    check('manifest push: Docker schema2 manifest and manifest list', async (t, repo) => {
      const a = makeImage({ mediaType: 'application/vnd.docker.distribution.manifest.v2+json' });
      await pushImage(t.url, repo, a, 'amd64');
      const list = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [{ mediaType: a.mediaType, digest: a.digest, size: a.manifest.length, platform: { architecture: 'amd64', os: 'linux' } }],
      }));
      const r = await http(t.url, 'PUT', `/v2/${repo}/manifests/multi`, { body: list, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json' } });
      assert.equal(r.status, 201);
      const g = await http(t.url, 'GET', `/v2/${repo}/manifests/multi`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.list.v2+json' } });
      assert.deepEqual(g.body, list);
    });
    check('manifest push: missing blob gives MANIFEST_BLOB_UNKNOWN', async (t, repo) => {
      const img = makeImage();
      const r = await http(t.url, 'PUT', `/v2/${repo}/manifests/v1`, { body: img.manifest, headers: { 'Content-Type': img.mediaType } });
      assert.equal(r.status, 400 === r.status ? 400 : 404);
      assert.equal(r.json().errors[0].code, 'MANIFEST_BLOB_UNKNOWN');
    });
    check('manifest push: invalid JSON gives 400 MANIFEST_INVALID', async (t, repo) => {
      const r = await http(t.url, 'PUT', `/v2/${repo}/manifests/v1`, { body: '{not json', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(r.status, 400);
      assert.equal(r.json().errors[0].code, 'MANIFEST_INVALID');
    });
    check('manifest push: oversized manifest gives 413', async (t, repo) => {
      const big = Buffer.alloc(5 << 20, 32);
      const r = await http(t.url, 'PUT', `/v2/${repo}/manifests/v1`, { body: big, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(r.status, 413);
    });
    check('manifest push: sha512 by digest', async (t, repo) => {
      const img = makeImage();
      await pushImage(t.url, repo, img, 'v1');
      const d = sha512(img.manifest);
      const r = await http(t.url, 'PUT', `/v2/${repo}/manifests/${d}`, { body: img.manifest, headers: { 'Content-Type': img.mediaType } });
      assert.equal(r.status, 201);
      const g = await http(t.url, 'GET', `/v2/${repo}/manifests/${d}`, { headers: { Accept: img.mediaType } });
      assert.equal(g.status, 200);
      assert.equal(g.headers.get('docker-content-digest'), d);
    });
    check('manifest push: invalid repository name gives 400 NAME_INVALID', async (t) => {
      const r = await http(t.url, 'POST', '/v2/Bad..Name/blobs/uploads/');
      assert.ok(r.status === 400 || r.status === 404);
      if (r.status === 400) assert.equal(r.json().errors[0].code, 'NAME_INVALID');
    });
  });

  describe(`${label}: content discovery`, () => {
    check('tag listing: sorted list', async (t, repo) => {
      const img = makeImage();
      for (const tag of ['c', 'a', 'b']) await pushImage(t.url, repo, img, tag);
      const r = await http(t.url, 'GET', `/v2/${repo}/tags/list`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), { name: repo, tags: ['a', 'b', 'c'] });
    });
    check('tag listing: n and last pagination with Link', async (t, repo) => {
      const img = makeImage();
      for (const tag of ['t1', 't2', 't3', 't4']) await pushImage(t.url, repo, img, tag);
      const r = await http(t.url, 'GET', `/v2/${repo}/tags/list?n=2`);
      assert.deepEqual(r.json().tags, ['t1', 't2']);
      assert.match(r.headers.get('link') ?? '', /last=t2.*rel="next"/);
      const r2 = await http(t.url, 'GET', `/v2/${repo}/tags/list?n=2&last=t2`);
      assert.deepEqual(r2.json().tags, ['t3', 't4']);
      const r3 = await http(t.url, 'GET', `/v2/${repo}/tags/list?last=t3`);
      assert.deepEqual(r3.json().tags, ['t4']);
    });
    check('tag listing: unknown repository gives 404 NAME_UNKNOWN', async (t, repo) => {
      const r = await http(t.url, 'GET', `/v2/${repo}-none/tags/list`);
      assert.equal(r.status, 404);
      assert.equal(r.json().errors[0].code, 'NAME_UNKNOWN');
    });
    check('catalog: lists pushed repositories with pagination', async (t, repo) => {
      await pushImage(t.url, repo, makeImage());
      await pushImage(t.url, `${repo}-b`, makeImage());
      let last = '';
      const seen: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        const r = await http(t.url, 'GET', `/v2/_catalog?n=100${last ? `&last=${encodeURIComponent(last)}` : ''}`);
        assert.equal(r.status, 200);
        const names: string[] = r.json().repositories;
        seen.push(...names);
        if (!r.headers.get('link') || names.length === 0) break;
        last = names[names.length - 1];
      }
      assert.ok(seen.includes(repo) && seen.includes(`${repo}-b`));
    });
    check('referrers: lists artifacts with subject, filters by artifactType', async (t, repo) => {
      const img = makeImage();
      await pushImage(t.url, repo, img, 'v1');
      const subject = { mediaType: img.mediaType, digest: img.digest, size: img.manifest.length };
      const sig = makeImage({ subject, artifactType: 'application/vnd.example.sig', annotations: { k: 'v' } });
      const sbom = makeImage({ subject, artifactType: 'application/vnd.example.sbom' });
      for (const a of [sig, sbom]) {
        for (const b of [a.config, ...a.layers]) await pushBlob(t.url, repo, b);
        const r = await http(t.url, 'PUT', `/v2/${repo}/manifests/${a.digest}`, { body: a.manifest, headers: { 'Content-Type': a.mediaType } });
        assert.equal(r.status, 201);
        assert.equal(r.headers.get('oci-subject'), img.digest);
      }
      const all = await http(t.url, 'GET', `/v2/${repo}/referrers/${img.digest}`);
      assert.equal(all.status, 200);
      assert.equal(all.json().manifests.length, 2);
      const f = await http(t.url, 'GET', `/v2/${repo}/referrers/${img.digest}?artifactType=application/vnd.example.sig`);
      const ms = f.json().manifests;
      assert.equal(ms.length, 1);
      assert.equal(ms[0].digest, sig.digest);
      assert.equal(ms[0].artifactType, 'application/vnd.example.sig');
      assert.deepEqual(ms[0].annotations, { k: 'v' });
      assert.equal(f.headers.get('oci-filters-applied'), 'artifactType');
    });
    check('referrers: unknown subject gives an empty index', async (t, repo) => {
      const r = await http(t.url, 'GET', `/v2/${repo}/referrers/${sha256('none')}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json().manifests, []);
    });
  });

  describe(`${label}: content management`, () => {
    check('deletes: manifest by digest', async (t, repo) => {
      const img = makeImage();
      await pushImage(t.url, repo, img, 'v1');
      const d = await http(t.url, 'DELETE', `/v2/${repo}/manifests/${img.digest}`);
      assert.equal(d.status, 202);
      assert.equal((await http(t.url, 'GET', `/v2/${repo}/manifests/${img.digest}`)).status, 404);
      assert.equal((await http(t.url, 'GET', `/v2/${repo}/manifests/v1`)).status, 404);
    });
    check('deletes: tag', async (t, repo) => {
      const img = makeImage();
      await pushImage(t.url, repo, img, 'v1');
      await pushImage(t.url, repo, img, 'v2');
      const d = await http(t.url, 'DELETE', `/v2/${repo}/manifests/v1`);
      assert.equal(d.status, 202);
      assert.equal((await http(t.url, 'GET', `/v2/${repo}/manifests/v1`)).status, 404);
      assert.equal((await http(t.url, 'GET', `/v2/${repo}/manifests/v2`)).status, 200);
    });
    check('deletes: blob', async (t, repo) => {
      const b = rand(100);
      await pushBlob(t.url, repo, b);
      const d = await http(t.url, 'DELETE', `/v2/${repo}/blobs/${sha256(b)}`);
      assert.equal(d.status, 202);
      assert.equal((await http(t.url, 'GET', `/v2/${repo}/blobs/${sha256(b)}`)).status, 404);
    });
  });
}
