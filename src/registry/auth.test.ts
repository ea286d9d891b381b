/** htpasswd and token auth: challenges, credentials, signatures, expiry, audience and per-repository scopes. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { htpasswdLine } from './auth/htpasswd.ts';
import { signToken } from './auth/jwt.ts';
import { http, makeImage, pushImage, startRegistry, type TestRegistry } from './testutil.ts';

const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

describe('htpasswd auth', () => {
  let r: TestRegistry;
  before(async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-registry-auth-'));
    const file = join(root, 'htpasswd');
    writeFileSync(file, `${htpasswdLine('alice', 's3cret', 5)}\nbob:{SHA}notbcrypt\n`);
    r = await startRegistry({ auth: { kind: 'htpasswd', realm: 'test-realm', path: file } }, root);
  });
  after(async () => { await r.close(); rmSync(r.root, { recursive: true, force: true }); });

  it('answers 401 with a Basic challenge and UNAUTHORIZED without credentials', async () => {
    for (const [m, p] of [['GET', '/v2/'], ['GET', '/v2/_catalog'], ['POST', '/v2/x/blobs/uploads/'], ['GET', '/v2/x/manifests/latest'], ['GET', '/v1/search?q=x']]) {
      const res = await http(r.url, m, p);
      assert.equal(res.status, 401, `${m} ${p}`);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="test-realm"');
      assert.equal(res.json().errors[0].code, 'UNAUTHORIZED');
    }
  });

  it('accepts the right password and refuses a wrong one or a non-bcrypt entry', async () => {
    assert.equal((await http(r.url, 'GET', '/v2/', { headers: basic('alice', 's3cret') })).status, 200);
    assert.equal((await http(r.url, 'GET', '/v2/', { headers: basic('alice', 'wrong') })).status, 401);
    assert.equal((await http(r.url, 'GET', '/v2/', { headers: basic('bob', 'notbcrypt') })).status, 401);
    assert.equal((await http(r.url, 'GET', '/v2/', { headers: basic('nobody', 'x') })).status, 401);
  });

  it('lets an authenticated user push and pull', async () => {
    const img = makeImage();
    await pushImage(r.url, 'team/app', img, 'v1', basic('alice', 's3cret'));
    const g = await http(r.url, 'GET', '/v2/team/app/manifests/v1', { headers: { ...basic('alice', 's3cret'), Accept: img.mediaType } });
    assert.deepEqual(g.body, img.manifest);
  });
});

describe('token auth', () => {
  let r: TestRegistry;
  const service = 'test-service';
  before(async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-registry-token-'));
    const users = join(root, 'users');
    writeFileSync(users, `${htpasswdLine('alice', 'pw', 5)}\n${htpasswdLine('eve', 'pw', 5)}\n`);
    r = await startRegistry({
      auth: {
        kind: 'token', realm: '', service, issuer: 'test-issuer', users, anonymousPull: false, expiration: 300_000,
        acl: [
          { account: 'alice', name: '**', actions: ['*'] },
          { account: 'alice', name: 'registry:catalog', actions: ['*'] },
          { account: 'eve', name: 'public/*', actions: ['pull'] },
          { account: '', name: 'public/*', actions: ['pull'] },
        ],
      },
    }, root);
  });
  after(async () => { await r.close(); rmSync(r.root, { recursive: true, force: true }); });

  async function token(scope: string, cred?: { u: string; p: string }): Promise<string> {
    const res = await http(r.url, 'GET', `/token?service=${service}&scope=${encodeURIComponent(scope)}`, { headers: cred ? basic(cred.u, cred.p) : {} });
    assert.equal(res.status, 200, res.body.toString());
    return res.json().token;
  }
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

  it('challenges with realm, service and the scope the request needs', async () => {
    const res = await http(r.url, 'PUT', '/v2/team/app/manifests/v1', { body: '{}' });
    assert.equal(res.status, 401);
    const h = res.headers.get('www-authenticate') ?? '';
    assert.match(h, /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="test-service",scope="repository:team\/app:pull,push"$/);
  });

  it('grants per repository and action: push for alice, pull only on public/* for eve and anonymous', async () => {
    const img = makeImage();
    const t = await token('repository:team/app:pull,push', { u: 'alice', p: 'pw' });
    await pushImage(r.url, 'team/app', img, 'v1', bearer(t));
    await pushImage(r.url, 'public/app', img, 'v1', bearer(await token('repository:public/app:pull,push', { u: 'alice', p: 'pw' })));
    // eve asks for push on public/app but gets pull only.
    const te = await token('repository:public/app:pull,push', { u: 'eve', p: 'pw' });
    assert.equal((await http(r.url, 'GET', '/v2/public/app/manifests/v1', { headers: bearer(te) })).status, 200);
    const denied = await http(r.url, 'POST', '/v2/public/app/blobs/uploads/', { headers: bearer(te) });
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    // eve's token for team/app carries no access at all.
    const te2 = await token('repository:team/app:pull', { u: 'eve', p: 'pw' });
    assert.equal((await http(r.url, 'GET', '/v2/team/app/manifests/v1', { headers: bearer(te2) })).status, 401);
    // anonymous: public pull only.
    const ta = await token('repository:public/app:pull');
    assert.equal((await http(r.url, 'GET', '/v2/public/app/manifests/v1', { headers: bearer(ta) })).status, 200);
    // A token for one repository does not open another.
    assert.equal((await http(r.url, 'GET', '/v2/team/app/manifests/v1', { headers: bearer(ta) })).status, 401);
    // Catalog needs registry:catalog:*.
    const tc = await token('registry:catalog:*', { u: 'alice', p: 'pw' });
    assert.equal((await http(r.url, 'GET', '/v2/_catalog', { headers: bearer(tc) })).status, 200);
    assert.equal((await http(r.url, 'GET', '/v2/_catalog', { headers: bearer(te) })).status, 401);
  });

  it('refuses wrong credentials at the issuer', async () => {
    const res = await http(r.url, 'GET', `/token?service=${service}&scope=repository:x:pull`, { headers: basic('alice', 'nope') });
    assert.equal(res.status, 401);
  });

  it('checks signature, expiry, audience and issuer', async () => {
    const issuer = r.reg.auth.issuer;
    assert.ok(issuer);
    const now = Math.floor(Date.now() / 1000);
    const access = [{ type: 'repository', name: 'team/app', actions: ['pull'] }];
    const base = { iss: 'test-issuer', sub: 'alice', aud: service, exp: now + 300, nbf: now - 1, iat: now, access };
    const good = signToken(issuer.privateKey, base);
    assert.equal((await http(r.url, 'GET', '/v2/team/app/tags/list', { headers: bearer(good) })).status, 200);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const cases: [string, string][] = [
      ['foreign key', signToken(other, base)],
      ['expired', signToken(issuer.privateKey, { ...base, exp: now - 3600 })],
      ['audience', signToken(issuer.privateKey, { ...base, aud: 'someone-else' })],
      ['issuer', signToken(issuer.privateKey, { ...base, iss: 'evil' })],
      ['not yet valid', signToken(issuer.privateKey, { ...base, nbf: now + 3600 })],
      ['tampered', good.replace(/\.([^.]+)\./, (_m, p: string) => `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'x' })).toString('base64url')}.`)],
      ['garbage', 'not.a.jwt'],
    ];
    for (const [what, t] of cases) {
      const res = await http(r.url, 'GET', '/v2/team/app/tags/list', { headers: bearer(t) });
      assert.equal(res.status, 401, what);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/, what);
    }
  });
});
