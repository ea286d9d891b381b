/** The upload state machine: offsets, 416s, resume after a restart, size limits, concurrent chunks and dropped connections. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { http, rand, sha256, startRegistry, type TestRegistry } from './testutil.ts';

const OCTET = { 'Content-Type': 'application/octet-stream' };

async function start(r: TestRegistry, name: string): Promise<string> {
  const p = await http(r.url, 'POST', `/v2/${name}/blobs/uploads/`);
  assert.equal(p.status, 202);
  assert.equal(p.headers.get('range'), '0-0');
  assert.match(p.headers.get('docker-upload-uuid') ?? '', /^[0-9a-f-]{36}$/);
  return p.headers.get('location') as string;
}

describe('uploads', () => {
  let r: TestRegistry;
  before(async () => { r = await startRegistry({ maxBlobSize: 1 << 20 }); });
  after(async () => { await r.close(); });

  it('streams chunks without Content-Range and finishes with a digest', async () => {
    const b = rand(300_000);
    const loc = await start(r, 'up/a');
    let res = await http(r.url, 'PATCH', loc, { body: b.subarray(0, 100_000), headers: OCTET });
    assert.equal(res.headers.get('range'), '0-99999');
    res = await http(r.url, 'PATCH', loc, { body: b.subarray(100_000), headers: OCTET });
    assert.equal(res.headers.get('range'), '0-299999');
    res = await http(r.url, 'PUT', `${loc}?digest=${sha256(b)}`);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `/v2/up/a/blobs/${sha256(b)}`);
  });

  it('rejects malformed and mismatched Content-Range with 416 and the current Range', async () => {
    const loc = await start(r, 'up/b');
    await http(r.url, 'PATCH', loc, { body: rand(10), headers: { ...OCTET, 'Content-Range': '0-9' } });
    for (const cr of ['abc', '5-2', '10-30', '0-9']) {
      const res = await http(r.url, 'PATCH', loc, { body: rand(10), headers: { ...OCTET, 'Content-Range': cr } });
      assert.equal(res.status, 416, cr);
      assert.equal(res.headers.get('range'), '0-9', cr);
      assert.equal(res.json().errors[0].code, 'BLOB_UPLOAD_INVALID');
    }
  });

  it('resumes after a restart (hash state rebuilt from the file)', async () => {
    const b = rand(50_000);
    const root = mkdtempSync(join(tmpdir(), 'berth-registry-resume-'));
    await r.close();
    r = await startRegistry({}, root);
    const loc = await start(r, 'up/c');
    await http(r.url, 'PATCH', loc, { body: b.subarray(0, 20_000), headers: OCTET });
    await r.close();
    const r2 = await startRegistry({}, root);
    try {
      const s = await http(r2.url, 'GET', loc);
      assert.equal(s.status, 204);
      assert.equal(s.headers.get('range'), '0-19999');
      await http(r2.url, 'PATCH', loc, { body: b.subarray(20_000), headers: { ...OCTET, 'Content-Range': `20000-${b.length - 1}` } });
      const res = await http(r2.url, 'PUT', `${loc}?digest=${sha256(b)}`);
      assert.equal(res.status, 201);
      assert.deepEqual((await http(r2.url, 'GET', `/v2/up/c/blobs/${sha256(b)}`)).body, b);
    } finally {
      await r2.close();
      rmSync(root, { recursive: true, force: true });
      r = await startRegistry({ maxBlobSize: 1 << 20 });
    }
  });

  it('refuses blobs over the size limit with 413 and keeps the upload resumable', async () => {
    const loc = await start(r, 'up/d');
    const res = await http(r.url, 'PATCH', loc, { body: rand((1 << 20) + 1), headers: OCTET });
    assert.equal(res.status, 413);
    const s = await http(r.url, 'GET', loc);
    assert.equal(s.status, 204);
    assert.equal(s.headers.get('range'), '0-0');
    const mono = await http(r.url, 'POST', `/v2/up/d/blobs/uploads/?digest=${sha256('x')}`, { body: rand((1 << 20) + 5), headers: OCTET });
    assert.equal(mono.status, 413);
  });

  it('unknown or malformed upload IDs give 404 BLOB_UPLOAD_UNKNOWN', async () => {
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '..']) {
      const res = await http(r.url, 'GET', `/v2/up/e/blobs/uploads/${id}`);
      assert.ok(res.status === 404, `${id}: ${res.status}`);
    }
  });

  it('PUT without a digest gives 400 DIGEST_INVALID; a bad digest gives 400, never 500', async () => {
    const loc = await start(r, 'up/f');
    assert.equal((await http(r.url, 'PUT', loc)).status, 400);
    for (const d of ['sha256:zz', 'md5:abc', 'sha256:' + 'a'.repeat(63), 'sha512:' + 'a'.repeat(64)]) {
      const res = await http(r.url, 'PUT', `${loc}?digest=${encodeURIComponent(d)}`);
      assert.equal(res.status, 400, d);
      assert.equal(res.json().errors[0].code, 'DIGEST_INVALID', d);
    }
  });

  it('a dropped connection mid-chunk leaves a resumable upload at the last good offset', async () => {
    const loc = await start(r, 'up/g');
    await http(r.url, 'PATCH', loc, { body: rand(1000), headers: OCTET });
    await new Promise<void>((resolve) => {
      const u = new URL(loc, r.url);
      const rq = request({ host: '127.0.0.1', port: u.port, path: u.pathname, method: 'PATCH', headers: { 'Content-Length': '100000' } });
      rq.on('error', () => resolve());
      rq.write(rand(5000));
      setTimeout(() => { rq.destroy(); setTimeout(resolve, 200); }, 100);
    });
    const s = await http(r.url, 'GET', loc);
    assert.equal(s.status, 204);
    assert.equal(s.headers.get('range'), '0-999');
    // Until the server has seen the drop, the upload is busy (416 at the same offset); then it continues.
    let p = await http(r.url, 'PATCH', loc, { body: rand(10), headers: { ...OCTET, 'Content-Range': '1000-1009' } });
    for (let i = 0; i < 100 && p.status === 416; i++) {
      assert.equal(p.headers.get('range'), '0-999');
      await new Promise((res) => setTimeout(res, 50));
      p = await http(r.url, 'PATCH', loc, { body: rand(10), headers: { ...OCTET, 'Content-Range': '1000-1009' } });
    }
    assert.equal(p.status, 202);
    const s2 = await http(r.url, 'GET', loc);
    assert.equal(s2.headers.get('range'), '0-1009');
  });

  it('a second chunk or a PUT while a chunk is being written gets 416 at the committed offset', async () => {
    const loc = await start(r, 'up/h');
    await http(r.url, 'PATCH', loc, { body: rand(100), headers: OCTET });
    const u = new URL(loc, r.url);
    const slow = request({ host: '127.0.0.1', port: u.port, path: u.pathname, method: 'PATCH', headers: { 'Content-Length': '2000' } });
    const slowDone = new Promise<number>((resolve, reject) => { slow.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); }); slow.on('error', reject); });
    slow.write(rand(1000));
    await new Promise((res) => setTimeout(res, 100));
    const second = await http(r.url, 'PATCH', loc, { body: rand(10), headers: OCTET });
    assert.equal(second.status, 416);
    assert.equal(second.headers.get('range'), '0-99');
    assert.equal((await http(r.url, 'PUT', `${loc}?digest=${sha256('x')}`)).status, 416);
    assert.equal((await http(r.url, 'GET', loc)).headers.get('range'), '0-99');
    slow.end(rand(1000));
    assert.equal(await slowDone, 202);
    assert.equal((await http(r.url, 'GET', loc)).headers.get('range'), '0-2099');
  });

  it('leaves no temporary files behind', async () => {
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : [e.name]);
    assert.deepEqual(walk(r.root).filter((n) => n.startsWith('.tmp-')), []);
  });
});
