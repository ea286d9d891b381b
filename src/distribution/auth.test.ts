import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { UnauthorizedError } from '../core/errors.ts';
import { AuthFailure, AuthSession, challengeError } from './auth.ts';
import { RegistryError, Repository } from './registry.ts';

test('a bearer challenge\'s error is docker\'s DENIED or UNAUTHORIZED; other challenges state none', () => {
  const base = 'Bearer realm="http://t/token",service="reg",scope="repository:a:pull,push"';
  assert.deepEqual(challengeError(`${base},error="insufficient_scope"`), { code: 'DENIED', message: 'requested access to the resource is denied' });
  assert.deepEqual(challengeError(`${base},error="invalid_token",error_description="token expired"`), { code: 'UNAUTHORIZED', message: 'token expired' });
  assert.equal(challengeError(base), undefined);
  assert.equal(challengeError('Basic realm="x",error="insufficient_scope"'), undefined);
  assert.equal(challengeError(undefined), undefined);
});

test('a 401 with insufficient_scope reads as denied ahead of the body\'s errors', () => {
  const body = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}';
  const denied = new RegistryError(401, body, 'blob upload', 'Bearer realm="http://t/token",service="reg",error="insufficient_scope"');
  assert.deepEqual(denied.codes, ['DENIED', 'UNAUTHORIZED']);
  assert.equal(denied.text, 'denied: requested access to the resource is denied');
  const plain = new RegistryError(401, body, 'blob upload', 'Bearer realm="http://t/token",service="reg"');
  assert.deepEqual(plain.codes, ['UNAUTHORIZED']);
  assert.equal(plain.text, 'unauthorized: authentication required');
  // only a 401 carries the challenge's verdict
  assert.deepEqual(new RegistryError(403, body, 'x', 'Bearer realm="r",error="insufficient_scope"').codes, ['UNAUTHORIZED']);
});

/** A registry whose token service (at /token) refuses every credential, with `tokenBody` as its 401 body. */
async function refusingRegistry(tokenBody: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/token')) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(tokenBody);
      return;
    }
    const { port } = server.address() as AddressInfo;
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="reg"`, 'Content-Type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

test('refused credentials name the request (login, pull) as dockerd does; a push states the bare reason', async () => {
  const reg = await refusingRegistry('{"details":"incorrect username or password"}');
  const creds = { username: 'bob', password: 'wrong' };
  try {
    const login = new AuthSession(reg.url, true, creds);
    await assert.rejects(login.check(), (e: Error) => {
      assert.ok(e instanceof AuthFailure);
      assert.equal(e.message, `Get "${reg.url}/v2/": unauthorized: incorrect username or password`);
      return true;
    });
    const pull = new Repository(new AuthSession(reg.url, true, creds), 'team/app');
    await assert.rejects(pull.manifest('latest'), { message: `Get "${reg.url}/v2/team/app/manifests/latest": unauthorized: incorrect username or password` });
    const push = new Repository(new AuthSession(reg.url, true, creds), 'team/app', true);
    await assert.rejects(push.startUpload(), (e: Error) => {
      assert.ok(e instanceof UnauthorizedError);
      assert.equal(e.message, 'unauthorized: incorrect username or password');
      return true;
    });
  } finally {
    reg.close();
  }
});

test('a token service\'s errcode body is not prefixed a second time', async () => {
  const reg = await refusingRegistry('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
  try {
    const login = new AuthSession(reg.url, true, { username: 'bob', password: 'wrong' });
    await assert.rejects(login.check(), { message: `Get "${reg.url}/v2/": unauthorized: bad credentials` });
    const anon = new AuthSession(reg.url, true, {});
    await assert.rejects(anon.check(), { message: `Get "${reg.url}/v2/": unauthorized: bad credentials` });
  } finally {
    reg.close();
  }
});
