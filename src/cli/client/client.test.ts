import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { API_VERSION, buildPath, createClient, lowerVersion } from './client.ts';
import { ApiError, DaemonConnectError, JsonStreamError } from './errors.ts';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

const dir = mkdtempSync(join(tmpdir(), 'berth-client-test-'));
const socket = join(dir, 'api.sock');
const host = `unix://${socket}`;
const seen: Seen[] = [];
let server: http.Server;

function send(res: http.ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}

before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0];
      switch (path) {
        case '/_ping':
          res.writeHead(200, { 'Api-Version': '1.50', Ostype: 'linux', 'Docker-Experimental': 'false', 'Builder-Version': '1' });
          return res.end('OK');
        case '/v1.50/echo':
          return send(res, 200, JSON.stringify({ method: req.method, url: req.url, body, type: req.headers['content-type'] ?? null }));
        case '/v1.50/empty':
          res.writeHead(204);
          return res.end();
        case '/v1.50/missing':
          return send(res, 404, '{"message":"No such image: nope:latest"}\n');
        case '/v1.50/text-error':
          return send(res, 500, 'something broke\n', 'text/plain');
        case '/v1.50/bare-error':
          res.writeHead(400);
          return res.end();
        case '/v1.50/lines': {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          // A message split across writes, a blank line, and no trailing newline.
          res.write('{"status":"one"}\n{"stat');
          setTimeout(() => { res.write('us":"two"}\n\n'); res.end('{"stream":"three"}'); }, 5);
          return;
        }
        case '/v1.50/lines-error':
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return res.end('{"status":"a"}\n{"errorDetail":{"message":"unauthorized: no"},"error":"unauthorized: no"}\n{"status":"after"}\n');
        case '/v1.50/stream':
          res.writeHead(200, { 'Content-Type': 'application/x-tar' });
          res.write('abc');
          return res.end('def');
        default:
          return send(res, 404, '{"message":"page not found"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('buildPath versions paths and encodes queries like docker', () => {
  assert.equal(API_VERSION, '1.50');
  assert.equal(buildPath('/images/json', { all: true, digests: false, filters: '{"a":{"b":true}}', skip: undefined }),
    '/v1.50/images/json?all=1&digests=0&filters=%7B%22a%22%3A%7B%22b%22%3Atrue%7D%7D');
  assert.equal(buildPath('/images/get', { names: ['a:1', 'b'] }), '/v1.50/images/get?names=a%3A1&names=b');
  assert.equal(buildPath('/_ping'), '/_ping');
  assert.equal(buildPath('/info', {}, false), '/info');
  assert.equal(buildPath('/containers/json', { limit: 5 }), '/v1.50/containers/json?limit=5');
});

test('json() sends a JSON body with its content type and parses the answer', async () => {
  const c = createClient(host);
  try {
    const r = await c.json<{ method: string; url: string; body: string; type: string }>('POST', '/echo', { body: { Image: 'alpine' }, query: { name: 'x' } });
    assert.deepEqual(r, { method: 'POST', url: '/v1.50/echo?name=x', body: '{"Image":"alpine"}', type: 'application/json' });
    assert.equal(await c.json('DELETE', '/empty'), undefined);
    assert.equal(seen.at(-1)!.headers['user-agent'], 'Berth-Client');
  } finally {
    c.close?.();
  }
});

test('raw Buffer and stream bodies are sent as is', async () => {
  const c = createClient(host);
  try {
    const b = await c.json<{ body: string; type: string }>('POST', '/echo', { body: Buffer.from('tar bytes'), headers: { 'Content-Type': 'application/x-tar' } });
    assert.deepEqual([b.body, b.type], ['tar bytes', 'application/x-tar']);
    const s = await c.json<{ body: string; type: string }>('POST', '/echo', { body: Readable.from([Buffer.from('part1-'), Buffer.from('part2')]) });
    assert.deepEqual([s.body, s.type], ['part1-part2', 'application/octet-stream']);
    assert.equal(seen.at(-1)!.headers['transfer-encoding'], 'chunked');
  } finally {
    c.close?.();
  }
});

test('request() exposes status, headers and body', async () => {
  const c = createClient(host);
  try {
    const r = await c.request('GET', '/echo');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.json<{ method: string }>().method, 'GET');
    assert.match(r.text(), /"url":"\/v1.50\/echo"/);
  } finally {
    c.close?.();
  }
});

test('error answers become ApiError with the daemon message, status and kind', async () => {
  const c = createClient(host);
  try {
    await assert.rejects(c.json('GET', '/missing'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 404);
      assert.equal(e.kind, 'not-found');
      assert.equal(e.message, 'No such image: nope:latest');
      return true;
    });
    await assert.rejects(c.request('GET', '/text-error'), { name: 'ApiError', status: 500, message: 'something broke' });
    await assert.rejects(c.request('GET', '/bare-error'), {
      status: 400,
      message: 'request returned Bad Request for API route and version /v1.50/bare-error, check if the server supports the requested API version',
    });
    await assert.rejects(c.stream('GET', '/missing'), { status: 404, message: 'No such image: nope:latest' });
  } finally {
    c.close?.();
  }
});

test('stream() hands back the body as it arrives', async () => {
  const c = createClient(host);
  try {
    const res = await c.stream('GET', '/stream');
    assert.equal(res.headers['content-type'], 'application/x-tar');
    let data = '';
    for await (const chunk of res) data += String(chunk);
    assert.equal(data, 'abcdef');
  } finally {
    c.close?.();
  }
});

test('jsonLines() parses messages split across chunks and skips blank lines', async () => {
  const c = createClient(host);
  try {
    const msgs: unknown[] = [];
    await c.jsonLines('POST', '/lines', undefined, (m) => msgs.push(m));
    assert.deepEqual(msgs, [{ status: 'one' }, { status: 'two' }, { stream: 'three' }]);
  } finally {
    c.close?.();
  }
});

test('jsonLines() rejects with the stream error after draining', async () => {
  const c = createClient(host);
  try {
    const msgs: unknown[] = [];
    await assert.rejects(c.jsonLines('POST', '/lines-error', {}, (m) => msgs.push(m)), (e: unknown) => {
      assert.ok(e instanceof JsonStreamError);
      assert.ok(e instanceof ApiError);
      assert.equal(e.message, 'unauthorized: no');
      return true;
    });
    assert.deepEqual(msgs, [{ status: 'a' }]);
    // The connection is still usable afterwards.
    assert.equal((await c.ping()).apiVersion, '1.50');
  } finally {
    c.close?.();
  }
});

test('ping() reads the API headers from the unversioned /_ping', async () => {
  const c = createClient(host);
  try {
    assert.deepEqual(await c.ping(), { apiVersion: '1.50', osType: 'linux', experimental: false, builderVersion: '1' });
    assert.equal(seen.at(-1)!.url, '/_ping');
  } finally {
    c.close?.();
  }
});

test('a missing socket gives docker\'s "Cannot connect" message with Berth names', async () => {
  const missing = `unix://${join(dir, 'nothing.sock')}`;
  const c = createClient(missing);
  await assert.rejects(c.ping(), (e: unknown) => {
    assert.ok(e instanceof DaemonConnectError);
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.message, `Cannot connect to the Berth daemon at ${missing}. Is the berth daemon running?`);
    return true;
  });
  c.close?.();
});

test('a socket path nobody listens on is "Cannot connect" too (ECONNREFUSED)', async () => {
  const path = join(dir, 'dead.sock');
  writeFileSync(path, '');
  const c = createClient(`unix://${path}`);
  await assert.rejects(c.json('GET', '/info'), {
    name: 'DaemonConnectError', code: 'ECONNREFUSED', message: `Cannot connect to the Berth daemon at unix://${path}. Is the berth daemon running?`,
  });
  c.close?.();
});

test('tcp hosts are not implemented yet; unknown schemes are rejected', async () => {
  await assert.rejects(createClient('tcp://127.0.0.1:2375').ping(), { kind: 'not-implemented', message: /tcp:\/\/127\.0\.0\.1:2375 is not implemented yet/ });
  await assert.rejects(createClient('bogus').ping(), { message: 'unable to parse berth host `bogus`' });
});

test('the API version is negotiated down to an older daemon\'s, or fixed by the caller; lowerVersion compares numerically', async () => {
  assert.equal(lowerVersion('1.41', '1.50'), '1.41');
  assert.equal(lowerVersion('1.9', '1.10'), '1.9');
  assert.equal(lowerVersion('1.51', '1.50'), '1.50');
  const oldSock = join(dir, 'old.sock');
  const urls: string[] = [];
  const old = http.createServer((req, res) => {
    urls.push(req.url!);
    if (req.url === '/_ping') {
      res.writeHead(200, { 'Api-Version': '1.41' });
      return res.end('OK');
    }
    send(res, 200, '{"ok":true}');
  });
  await new Promise<void>((resolve) => old.listen(oldSock, resolve));
  try {
    const c = createClient(`unix://${oldSock}`);
    assert.deepEqual(await c.json('GET', '/info'), { ok: true });
    await c.json('GET', '/version');
    assert.equal(await c.version!(), '1.41');
    assert.deepEqual(urls, ['/_ping', '/v1.41/info', '/v1.41/version'], 'one ping, then the lower version');
    c.close?.();
    urls.length = 0;
    const fixed = createClient(`unix://${oldSock}`, { apiVersion: 'v1.40' });
    await fixed.json('GET', '/info');
    assert.deepEqual(urls, ['/v1.40/info'], 'a fixed version sends no ping');
    fixed.close?.();
  } finally {
    await new Promise<void>((resolve) => old.close(() => resolve()));
  }
  // A current daemon keeps ours.
  const cur = createClient(host);
  assert.equal(await cur.version!(), API_VERSION);
  cur.close?.();
});
