import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DistributionRegistry } from '../registry/distribution.ts';
import { FakeRegistry } from '../registry/fake.ts';
import { berthAsync, dockerAsync } from '../registry/run.ts';
import { Daemon, busyboxRootfs, have, daemonWithFakeRegistry } from './harness.ts';

const skip = !have('docker-registry') || !have('htpasswd') ? 'docker-registry or htpasswd missing' : false;

describe('login, and push/pull with credentials (docker-registry + htpasswd)', { skip }, () => {
  const d = new Daemon();
  const reg = new DistributionRegistry();
  before(async () => {
    await reg.start({ htpasswd: { user: 'alice', pass: 's3cret' } });
    await d.start();
    const imp = d.docker(['import', '-c', 'CMD ["sh"]', '-', `${'busybox'}:latest`], busyboxRootfs());
    assert.equal(imp.code, 0, imp.stderr);
  });
  after(async () => {
    await d.cleanup();
    await reg.stop();
  });

  it('refuses a push and a pull without credentials, as docker words it', async () => {
    const name = `${reg.host}/private/bb`;
    assert.equal(d.docker(['tag', 'busybox', name]).code, 0);
    const push = await dockerAsync(d, ['push', name]);
    assert.equal(push.code, 1);
    assert.match(push.stderr, /no basic auth credentials/);
    const pull = await dockerAsync(d, ['pull', name]);
    assert.equal(pull.code, 1);
    assert.match(pull.stderr, new RegExp(`Error response from daemon: Get "http://${reg.host}/v2/private/bb/manifests/latest": no basic auth credentials`));
  });

  it('docker login checks the password and stores the credentials; push and pull then work', async () => {
    const bad = await dockerAsync(d, ['login', '-u', 'alice', '--password-stdin', reg.host], 'wrong\n');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`Error response from daemon: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`));
    const ok = await dockerAsync(d, ['login', '-u', 'alice', '--password-stdin', reg.host], 's3cret\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Login Succeeded/);
    const cfg = JSON.parse(readFileSync(join(d.dir, 'docker-config', 'config.json'), 'utf8'));
    assert.equal(Buffer.from(cfg.auths[reg.host].auth, 'base64').toString(), 'alice:s3cret');
    const name = `${reg.host}/private/bb`;
    const push = await dockerAsync(d, ['push', name]);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(d.docker(['rmi', name]).code, 0);
    const pull = await dockerAsync(d, ['pull', name]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /Downloaded newer image/);
    const out = await dockerAsync(d, ['logout', reg.host]);
    assert.match(out.stdout, new RegExp(`Removing login credentials for ${reg.host}`));
  });

  it('berth login/logout keep the credentials in config.json and send them as X-Registry-Auth', async () => {
    const bad = await berthAsync(d, ['login', '-u', 'alice', '-p', 'nope', reg.host]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /WARNING! Using --password via the CLI is insecure/);
    assert.match(bad.stderr, /failed with status: 401 Unauthorized/);
    const ok = await berthAsync(d, ['login', '-u', 'alice', '--password-stdin', reg.host], 's3cret\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'Login Succeeded\n');
    const cfg = JSON.parse(readFileSync(join(d.dir, 'docker-config', 'config.json'), 'utf8'));
    assert.equal(cfg.auths[reg.host].auth, Buffer.from('alice:s3cret').toString('base64'));
    const name = `${reg.host}/private/bb2`;
    assert.equal(d.docker(['tag', 'busybox', name]).code, 0);
    const push = await berthAsync(d, ['push', name]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /latest: digest: sha256:[0-9a-f]{64} size: \d+/);
    assert.equal(d.docker(['rmi', name]).code, 0);
    const pull = await berthAsync(d, ['pull', name]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(pull.stdout.trim().split('\n').at(-1), `${name}:latest`);
    const lo = await berthAsync(d, ['logout', reg.host]);
    assert.equal(lo.stdout, `Removing login credentials for ${reg.host}\n`);
    const again = await berthAsync(d, ['logout', reg.host]);
    assert.equal(again.stdout, `Not logged in to ${reg.host}\n`);
    const denied = await berthAsync(d, ['pull', `${reg.host}/private/bb2`]);
    assert.equal(denied.code, 1);
  });
});

describe('token auth with credentials, and the insecure-registry rules', () => {
  const { d, reg } = daemonWithFakeRegistry();

  it('logs in through a token service and pulls with the stored credentials', async () => {
    reg.token = true;
    reg.tokenUser = { user: 'bob', pass: 'pw' };
    reg.addImage('team/app', 'v2', [{ files: { 'app.txt': 'app\n' }, compression: 'gzip' }]);
    const bad = await dockerAsync(d, ['login', '-u', 'bob', '--password-stdin', reg.host], 'nope\n');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unauthorized: incorrect username or password/);
    const anon = await dockerAsync(d, ['pull', `${reg.host}/team/app:v2`]);
    assert.equal(anon.code, 1);
    const ok = await dockerAsync(d, ['login', '-u', 'bob', '--password-stdin', reg.host], 'pw\n');
    assert.equal(ok.code, 0, ok.stderr);
    const pull = await dockerAsync(d, ['pull', `${reg.host}/team/app:v2`]);
    assert.equal(pull.code, 0, pull.stderr);
    const tokenReqs = reg.log.filter((l) => l.url.startsWith('/token') && l.headers.authorization);
    assert.ok(tokenReqs.length > 0);
    reg.token = false;
    reg.tokenUser = undefined;
  });

  const ip = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  it('refuses plain http from a registry that is not insecure, until daemon.json lists it', { skip: ip ? false : 'no non-loopback address' }, async () => {
    const remote = new FakeRegistry();
    await remote.start(ip);
    try {
      remote.addImage('x', 'latest', [{ files: { 'x.txt': 'x\n' }, compression: 'gzip' }]);
      const host = `${ip}:${remote.port}`;
      const r = await dockerAsync(d, ['pull', `${host}/x`]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), `Error response from daemon: Get "https://${host}/v2/": http: server gave HTTP response to HTTPS client`);
      d.writeConfig({ 'insecure-registries': [host] });
      d.proc!.kill('SIGHUP');
      await new Promise((res) => setTimeout(res, 500));
      const info = await dockerAsync(d, ['info', '--format', '{{json .RegistryConfig.IndexConfigs}}']);
      assert.match(info.stdout, new RegExp(host.replace(/\./g, '\\.')));
      const ok = await dockerAsync(d, ['pull', `${host}/x`]);
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      d.writeConfig({});
      await remote.stop();
    }
  });
});
