/** Garbage collection: what goes, what stays (uploads in progress, index children, referrers, young content), and GC during pushes. */
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectGarbage } from './gc.ts';
import { paths } from './paths.ts';
import { http, makeImage, pushBlob, pushImage, rand, sha256, startRegistry, type TestRegistry } from './testutil.ts';

const OLD = new Date(Date.now() - 24 * 3600_000);

/** Makes everything under the root look a day old (past any grace period). */
async function age(r: TestRegistry): Promise<void> {
  const { readdirSync, statSync } = await import('node:fs');
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p); else utimesSync(p, OLD, OLD);
    }
  };
  walk(r.root);
}

const exists = async (r: TestRegistry, d: string) => (await r.reg.blobs.size(d)) !== null;

describe('garbage collection', () => {
  let r: TestRegistry;
  before(async () => { r = await startRegistry(); });
  after(async () => { await r.close(); });

  it('deletes unreferenced blobs and keeps referenced ones; dry run deletes nothing', async () => {
    const img = makeImage();
    await pushImage(r.url, 'gc/a', img, 'v1');
    const orphan = await pushBlob(r.url, 'gc/a', rand(777));
    await age(r);
    const dry = await collectGarbage(r.reg.driver, r.reg.lock, { grace: 60_000, dryRun: true });
    assert.ok(dry.deletedBlobs.includes(orphan));
    assert.ok(await exists(r, orphan));
    const rep = await collectGarbage(r.reg.driver, r.reg.lock, { grace: 60_000 });
    assert.deepEqual(rep.deletedBlobs, [orphan]);
    assert.equal(await exists(r, orphan), false);
    for (const b of [img.config, ...img.layers]) assert.ok(await exists(r, sha256(b)));
    assert.equal((await http(r.url, 'GET', `/v2/gc/a/blobs/${orphan}`)).status, 404);
    assert.equal((await http(r.url, 'GET', '/v2/gc/a/manifests/v1')).status, 200);
  });

  it('never deletes young blobs (grace period) nor the data of an upload in progress', async () => {
    const young = await pushBlob(r.url, 'gc/b', rand(100));
    const p = await http(r.url, 'POST', '/v2/gc/b/blobs/uploads/');
    const loc = p.headers.get('location') as string;
    const data = rand(5000);
    await http(r.url, 'PATCH', loc, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
    await age(r);
    // Re-touch the young blob: it was pushed "just now".
    await r.reg.blobs.touch('gc/b', young);
    await collectGarbage(r.reg.driver, r.reg.lock, { grace: 60_000, uploadPurgeAge: 7 * 24 * 3600_000 });
    assert.ok(await exists(r, young));
    const fin = await http(r.url, 'PUT', `${loc}?digest=${sha256(data)}`);
    assert.equal(fin.status, 201);
    assert.deepEqual((await http(r.url, 'GET', `/v2/gc/b/blobs/${sha256(data)}`)).body, data);
  });

  it('--delete-untagged keeps children of a tagged index and referrers, deletes other untagged manifests', async () => {
    const a = makeImage();
    const b = makeImage();
    const loose = makeImage();
    await pushImage(r.url, 'gc/c', a, a.digest);
    await pushImage(r.url, 'gc/c', b, b.digest);
    await pushImage(r.url, 'gc/c', loose, loose.digest);
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [a, b].map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.manifest.length })),
    }));
    assert.equal((await http(r.url, 'PUT', '/v2/gc/c/manifests/multi', { body: index, headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' } })).status, 201);
    const sig = makeImage({ subject: { mediaType: a.mediaType, digest: a.digest, size: a.manifest.length }, artifactType: 'application/vnd.example.sig' });
    await pushImage(r.url, 'gc/c', sig, sig.digest);
    await age(r);
    const rep = await collectGarbage(r.reg.driver, r.reg.lock, { grace: 60_000, deleteUntagged: true });
    assert.deepEqual(rep.deletedManifests.map((m) => m.digest), [loose.digest]);
    for (const m of [a, b, sig]) assert.equal((await http(r.url, 'GET', `/v2/gc/c/manifests/${m.digest}`)).status, 200, m.digest);
    for (const blob of [...a.layers, a.config, ...b.layers, ...sig.layers]) assert.ok(await exists(r, sha256(blob)));
    assert.equal((await http(r.url, 'GET', `/v2/gc/c/manifests/${loose.digest}`)).status, 404);
    assert.equal(await exists(r, sha256(loose.layers[0])), false);
    const refs = await http(r.url, 'GET', `/v2/gc/c/referrers/${a.digest}`);
    assert.equal(refs.json().manifests.length, 1);
  });

  it('runs while pushes go on: a pushed manifest never loses a blob, even one that was unreferenced before', async () => {
    // Old, unreferenced blobs (a client will HEAD them and skip the upload, or reference them directly).
    const old = Array.from({ length: 8 }, () => rand(10_000));
    for (const b of old) await pushBlob(r.url, 'gc/live', b);
    await age(r);
    let stop = false;
    let runs = 0;
    const gcLoop = (async () => {
      while (!stop) {
        await collectGarbage(r.reg.driver, r.reg.lock, { grace: 2000, deleteUntagged: true });
        runs++;
        await new Promise((res) => setImmediate(res));
      }
    })();
    try {
      await Promise.all(old.map(async (b, i) => {
        const img = makeImage({ layers: [b, rand(5000)] });
        if (i % 2 === 0) await http(r.url, 'HEAD', `/v2/gc/live/blobs/${sha256(b)}`);
        await pushBlob(r.url, 'gc/live', img.config);
        await pushBlob(r.url, 'gc/live', img.layers[1]);
        const put = await http(r.url, 'PUT', `/v2/gc/live/manifests/t${i}`, { body: img.manifest, headers: { 'Content-Type': img.mediaType } });
        if (put.status === 404) {
          assert.equal(put.json().errors[0].code, 'MANIFEST_BLOB_UNKNOWN');
          return;
        }
        assert.equal(put.status, 201);
        for (const l of [img.config, ...img.layers]) {
          const res = await http(r.url, 'GET', `/v2/gc/live/blobs/${sha256(l)}`);
          assert.equal(res.status, 200, `blob of t${i} lost`);
          assert.deepEqual(res.body, l);
        }
      }));
    } finally {
      stop = true;
      await gcLoop;
    }
    assert.ok(runs >= 1);
    // Those pushed are now kept by a later collection too.
    await collectGarbage(r.reg.driver, r.reg.lock, { grace: 0, deleteUntagged: true });
    for (const t of (await http(r.url, 'GET', '/v2/gc/live/tags/list')).json().tags as string[]) {
      const m = (await http(r.url, 'GET', `/v2/gc/live/manifests/${t}`)).json();
      for (const l of m.layers) assert.equal((await http(r.url, 'HEAD', `/v2/gc/live/blobs/${l.digest}`)).status, 200);
    }
  });

  it('--delete-untagged keeps a manifest tagged after the mark (a push that lands during GC), and its blobs', async () => {
    const img = makeImage();
    await pushImage(r.url, 'gc/late', img, 'v1');
    await age(r);
    // the mark sees no tag (as if the push tagged it just after); the fresh look under the lock sees it
    let hidden = true;
    const driver = Object.create(r.reg.driver) as typeof r.reg.driver;
    driver.list = async (path: string) => {
      if (hidden && path === paths.tags('gc/late')) {
        hidden = false;
        return [];
      }
      return r.reg.driver.list(path);
    };
    const rep = await collectGarbage(driver, r.reg.lock, { grace: 0, deleteUntagged: true });
    assert.equal(hidden, false, 'the mark looked at the tags');
    assert.deepEqual(rep.deletedManifests, []);
    assert.equal((await http(r.url, 'GET', '/v2/gc/late/manifests/v1')).status, 200);
    for (const b of [img.config, ...img.layers]) assert.ok(await exists(r, sha256(b)), 'its blobs stay');
  });

  it('paths never leave the root for hostile digests', () => {
    assert.throws(() => paths.blobData('sha256:../../etc/passwd'));
    assert.throws(() => paths.layerLink('a', 'sha256:' + 'g'.repeat(64)));
  });
});
