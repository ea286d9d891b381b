import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { request } from './http.ts';

test('HTTP_PROXY is honoured and NO_PROXY exempts hosts; redirects to another host drop Authorization', async () => {
  const seen: { url?: string; auth?: string }[] = [];
  const proxy = http.createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
    if (req.url?.includes('/redirect')) {
      res.writeHead(307, { Location: 'http://other.test/target' });
      res.end();
      return;
    }
    res.end('via proxy');
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as AddressInfo).port;
  process.env.HTTP_PROXY = `http://127.0.0.1:${port}`;
  process.env.NO_PROXY = 'direct.test';
  try {
    const res = await request('http://registry.test/v2/');
    assert.equal(await res.text(), 'via proxy');
    assert.equal(seen[0].url, 'http://registry.test/v2/');
    const r2 = await request('http://registry.test/redirect', { headers: { Authorization: 'Bearer secret' } });
    assert.equal(await r2.text(), 'via proxy');
    assert.equal(seen[1].auth, 'Bearer secret');
    assert.equal(seen[2].url, 'http://other.test/target');
    assert.equal(seen[2].auth, undefined);
    await assert.rejects(request('http://direct.test:1/v2/', { timeoutMs: 3000 }), /direct\.test/);
    assert.equal(seen.length, 3);
  } finally {
    delete process.env.HTTP_PROXY;
    delete process.env.NO_PROXY;
    proxy.closeAllConnections();
    proxy.close();
  }
});
