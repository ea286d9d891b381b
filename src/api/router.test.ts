import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameterError } from '../core/errors.ts';
import { statusFor } from './errors.ts';
import { Router, type Handler } from './router.ts';

function routerWith(...specs: [string, string][]): { router: Router; handlers: Map<string, Handler> } {
  const router = new Router();
  const handlers = new Map<string, Handler>();
  router.add(specs.map(([method, path]) => {
    const handler: Handler = () => undefined;
    handlers.set(`${method} ${path}`, handler);
    return { method, path, handler };
  }));
  return { router, handlers };
}

test('router: {name} matches one segment, {name*} the rest including slashes', () => {
  const { router, handlers } = routerWith(
    ['GET', '/containers/{id}/json'],
    ['GET', '/images/{name*}/json'],
    ['DELETE', '/images/{name*}'],
  );
  const c = router.match('GET', '/containers/abc/json');
  assert.equal(c.handler, handlers.get('GET /containers/{id}/json'));
  assert.deepEqual(c.params, ['abc']);
  assert.equal(router.match('GET', '/containers/a/b/json').handler, undefined, 'one segment only');
  assert.equal(router.match('GET', '/containers//json').handler, undefined, 'a segment is not empty');

  const i = router.match('GET', '/images/localhost:5000/org/app:1.0/json');
  assert.equal(i.handler, handlers.get('GET /images/{name*}/json'));
  assert.deepEqual(i.params, ['localhost:5000/org/app:1.0']);
  const d = router.match('DELETE', '/images/docker.io/library/busybox:latest');
  assert.equal(d.handler, handlers.get('DELETE /images/{name*}'));
  assert.deepEqual(d.params, ['docker.io/library/busybox:latest']);
});

test('router: whole-path match only; literal dots are not wildcards', () => {
  const { router } = routerWith(['GET', '/_ping'], ['GET', '/v1.2/x']);
  assert.ok(router.match('GET', '/_ping').handler);
  assert.equal(router.match('GET', '/_ping/extra').handler, undefined);
  assert.equal(router.match('GET', '/x/_ping').handler, undefined);
  assert.equal(router.match('GET', '/v1x2/x').handler, undefined);
});

test('router: params are URL-decoded', () => {
  const { router } = routerWith(['GET', '/images/{name*}/json'], ['GET', '/volumes/{name}']);
  assert.deepEqual(router.match('GET', '/images/my%2Fimage%3Av1/json').params, ['my/image:v1']);
  assert.deepEqual(router.match('GET', '/volumes/a%20b').params, ['a b']);
  assert.deepEqual(router.match('GET', '/volumes/caf%C3%A9').params, ['café']);
});

test('router: a malformed percent-escape is a client error, not a 500', () => {
  const { router } = routerWith(['GET', '/volumes/{name}']);
  let outcome: number | 'matched';
  try {
    router.match('GET', '/volumes/%zz');
    outcome = 'matched';
  } catch (e) {
    outcome = statusFor(e);
  }
  assert.ok(outcome === 'matched' || outcome === 400, `got ${outcome}`);
});

test('router: bad escapes are InvalidParameterErrors naming the escape', () => {
  const { router } = routerWith(['GET', '/volumes/{name}']);
  const bad = (path: string, msg: string): void => assert.throws(() => router.match('GET', path),
    (e: unknown) => e instanceof InvalidParameterError && statusFor(e) === 400 && e.message === msg, path);
  bad('/volumes/%zz', 'invalid URL escape "%zz"');
  bad('/volumes/a%', 'invalid URL escape "%"');
  bad('/volumes/a%2', 'invalid URL escape "%2"');
  bad('/volumes/%C3', 'invalid URL escape in "%C3"');
  assert.equal(router.match('GET', '/other/%zz').handler, undefined, 'unmatched paths are not decoded');
});

test('router: HEAD uses GET routes, not other methods', () => {
  const { router, handlers } = routerWith(['GET', '/_ping'], ['POST', '/build']);
  assert.equal(router.match('HEAD', '/_ping').handler, handlers.get('GET /_ping'));
  const b = router.match('HEAD', '/build');
  assert.equal(b.handler, undefined);
  assert.equal(b.methodMismatch, true);
});

test('router: methodMismatch when the path exists with other methods only', () => {
  const { router, handlers } = routerWith(['GET', '/images/json'], ['POST', '/images/{name*}/tag']);
  const m = router.match('POST', '/images/json');
  assert.equal(m.handler, undefined);
  assert.equal(m.methodMismatch, true);
  assert.deepEqual(m.params, []);
  const none = router.match('GET', '/nothing');
  assert.equal(none.handler, undefined);
  assert.equal(none.methodMismatch, false);
  const ok = router.match('POST', '/images/a/tag');
  assert.equal(ok.handler, handlers.get('POST /images/{name*}/tag'));
  assert.equal(ok.methodMismatch, false);
});

test('router: first matching route wins, and add() appends', () => {
  const { router, handlers } = routerWith(['GET', '/images/json'], ['GET', '/images/{name*}']);
  assert.equal(router.match('GET', '/images/json').handler, handlers.get('GET /images/json'));
  const extra: Handler = () => undefined;
  router.add([{ method: 'GET', path: '/extra/{x}', handler: extra }]);
  assert.equal(router.match('GET', '/extra/1').handler, extra);
});
