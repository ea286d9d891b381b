/**
 * berthd's registry client against Debian's docker-registry 2.8 behind token
 * auth: a token service in this process signs the registry's JWTs (x5c to a
 * certificate in its rootcertbundle). Anonymous callers may pull `public/`;
 * a known user may push and pull everything. The expected texts are those
 * dockerd 20.10 prints against the same registry and token service.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DistributionRegistry } from '../registry/distribution.ts';
import { berthAsync, dockerAsync } from '../registry/run.ts';
import type { TokenRequest } from '../registry/token-server.ts';
import { Daemon, busyboxRootfs, have } from './harness.ts';

const skip = !have('docker-registry') || !have('openssl') ? 'docker-registry or openssl missing' : false;

describe('push and pull through docker-registry with token auth', { skip }, () => {
  const d = new Daemon();
  const reg = new DistributionRegistry();
  const bob = { user: 'bob', pass: 'b0b-s3cret' };
  let busyboxId = '';
  before(async () => {
    await reg.start({ token: { users: [bob] } });
    await d.start();
    const imp = d.docker(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    assert.equal(imp.code, 0, imp.stderr);
    busyboxId = imp.stdout.trim();
  });
  after(async () => {
    await d.cleanup();
    await reg.stop();
  });

  /** Token requests made while `fn` ran. */
  async function tokenRequests(fn: () => Promise<void>): Promise<TokenRequest[]> {
    const from = reg.tokens!.requests.length;
    await fn();
    return reg.tokens!.requests.slice(from);
  }
  const scoped = (reqs: TokenRequest[], scope: string) => reqs.some((r) => r.scopes.includes(scope));
  /** The registry's tags of `name`, read with a token of our own (404 → null). */
  async function tags(name: string): Promise<string[] | null> {
    const token = reg.tokens!.token('checker', [{ type: 'repository', name, actions: ['pull'] }]);
    const res = await fetch(`http://${reg.host}/v2/${name}/tags/list`, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 404) return null;
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { tags: string[] }).tags;
  }
  const R = () => reg.host;

  it('refuses an anonymous push and an anonymous pull of a private repository, as dockerd words them', async () => {
    assert.equal(d.docker(['tag', 'busybox', `${R()}/public/bb`]).code, 0);
    let push = { code: 0, stdout: '', stderr: '' };
    const reqs = await tokenRequests(async () => { push = await dockerAsync(d, ['push', `${R()}/public/bb`]); });
    assert.equal(push.code, 1, push.stdout);
    assert.match(push.stdout, new RegExp(`The push refers to repository \\[${R()}/public/bb\\]`));
    assert.equal(push.stderr.trim(), 'denied: requested access to the resource is denied');
    assert.ok(scoped(reqs, 'repository:public/bb:pull,push'), JSON.stringify(reqs));
    assert.ok(reqs.every((r) => !r.authorization && r.status === 200), JSON.stringify(reqs));
    assert.equal(await tags('public/bb'), null);
    const pull = await dockerAsync(d, ['pull', `${R()}/private/bb`]);
    assert.equal(pull.code, 1);
    assert.equal(pull.stderr.trim(), `Error response from daemon: pull access denied for ${R()}/private/bb, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`);
  });

  it('docker login checks the password at the token service and stores the credentials', async () => {
    let bad = { code: 0, stdout: '', stderr: '' };
    const badReqs = await tokenRequests(async () => { bad = await dockerAsync(d, ['login', '-u', bob.user, '--password-stdin', R()], 'wrong\n'); });
    assert.equal(bad.code, 1, bad.stdout);
    assert.equal(bad.stderr.trim(), `Error response from daemon: Get "http://${R()}/v2/": unauthorized: incorrect username or password`);
    assert.deepEqual(badReqs.map((r) => [r.authorization, r.status]), [[true, 401]]);
    let ok = { code: 1, stdout: '', stderr: '' };
    const okReqs = await tokenRequests(async () => { ok = await dockerAsync(d, ['login', '-u', bob.user, '--password-stdin', R()], `${bob.pass}\n`); });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Login Succeeded$/m);
    assert.deepEqual(okReqs.map((r) => [r.user, r.status]), [[bob.user, 200]]);
    const cfg = JSON.parse(readFileSync(join(d.dir, 'docker-config', 'config.json'), 'utf8'));
    assert.equal(Buffer.from(cfg.auths[R()].auth, 'base64').toString(), `${bob.user}:${bob.pass}`);
  });

  it('logged in, pushes and pulls a private repository with Basic credentials at the token service', async () => {
    const name = `${R()}/private/bb`;
    assert.equal(d.docker(['tag', 'busybox', name]).code, 0);
    const reqs = await tokenRequests(async () => {
      for (const n of [name, `${R()}/public/bb`]) {
        const push = await dockerAsync(d, ['push', n]);
        assert.equal(push.code, 0, push.stderr);
        assert.match(push.stdout, /latest: digest: sha256:[0-9a-f]{64} size: \d+/);
      }
      assert.equal(d.docker(['rmi', name]).code, 0);
      const pull = await dockerAsync(d, ['pull', name]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.match(pull.stdout, new RegExp(`Status: Downloaded newer image for ${name}:latest`));
    });
    assert.deepEqual(await tags('private/bb'), ['latest']);
    assert.deepEqual(await tags('public/bb'), ['latest']);
    assert.equal(d.docker(['image', 'inspect', '--format', '{{.Id}}', name]).stdout.trim(), busyboxId);
    assert.ok(scoped(reqs, 'repository:private/bb:pull,push') && scoped(reqs, 'repository:private/bb:pull'), JSON.stringify(reqs));
    assert.ok(reqs.length > 0 && reqs.every((r) => r.authorization && r.user === bob.user && r.status === 200), JSON.stringify(reqs));
  });

  it('a push with credentials the token service no longer accepts states docker\'s reason', async () => {
    const u = reg.tokens!.users[0];
    u.pass = 'changed';
    try {
      const push = await dockerAsync(d, ['push', `${R()}/private/bb`]);
      assert.equal(push.code, 1, push.stdout);
      assert.equal(push.stderr.trim(), 'unauthorized: incorrect username or password');
    } finally {
      u.pass = bob.pass;
    }
  });

  it('pulls a public repository anonymously, asking for a token without credentials', async () => {
    const out = await dockerAsync(d, ['logout', R()]);
    assert.match(out.stdout, new RegExp(`Removing login credentials for ${R()}`));
    const name = `${R()}/public/bb`;
    assert.equal(d.docker(['rmi', name]).code, 0);
    let pull = { code: 1, stdout: '', stderr: '' };
    const reqs = await tokenRequests(async () => { pull = await dockerAsync(d, ['pull', name]); });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Status: Downloaded newer image for ${name}:latest`));
    assert.equal(d.docker(['image', 'inspect', '--format', '{{.Id}}', name]).stdout.trim(), busyboxId);
    assert.ok(scoped(reqs, 'repository:public/bb:pull'), JSON.stringify(reqs));
    assert.ok(reqs.every((r) => !r.authorization && r.status === 200), JSON.stringify(reqs));
    const denied = await dockerAsync(d, ['pull', `${R()}/private/bb`]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /pull access denied for .*private\/bb.*: denied: requested access to the resource is denied/);
  });

  it('berth pull uses the credentials docker login stored', async () => {
    const login = await dockerAsync(d, ['login', '-u', bob.user, '--password-stdin', R()], `${bob.pass}\n`);
    assert.equal(login.code, 0, login.stderr);
    const name = `${R()}/private/bb`;
    d.docker(['rmi', name]);
    assert.notEqual(d.docker(['image', 'inspect', name]).code, 0);
    let pull = { code: 1, stdout: '', stderr: '' };
    const reqs = await tokenRequests(async () => { pull = await berthAsync(d, ['pull', name]); });
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(pull.stdout.trim().split('\n').at(-1), `${name}:latest`);
    assert.equal(d.docker(['image', 'inspect', '--format', '{{.Id}}', name]).stdout.trim(), busyboxId);
    assert.ok(reqs.length > 0 && reqs.every((r) => r.authorization && r.user === bob.user), JSON.stringify(reqs));
    const lo = await berthAsync(d, ['logout', R()]);
    assert.equal(lo.stdout, `Removing login credentials for ${R()}\n`);
    d.docker(['rmi', name]);
    const denied = await berthAsync(d, ['pull', name]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, new RegExp(`pull access denied for ${R()}/private/bb, repository does not exist or may require 'docker login'`));
  });
});
