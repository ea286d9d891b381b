import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsOf, decodeAuthHeader } from '../core/distribution/types.ts';
import { parseChallenges, registryErrorText } from './auth.ts';
import { endpointsFor, isInsecure } from './endpoints.ts';
import { isHttpToHttps } from './http.ts';
import { parsePlatform, selectManifest } from '../core/platform.ts';
import { humanSize, progressText, shortId } from './progress.ts';

test('WWW-Authenticate challenges: bearer with quoted params, basic, several at once', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  assert.deepEqual(parseChallenges(['Basic realm="a"', 'Bearer realm="b",service=x']).map((c) => c.scheme), ['basic', 'bearer']);
  assert.deepEqual(parseChallenges(undefined), []);
});

test('registry error bodies become docker\'s "code: message" text', () => {
  assert.equal(registryErrorText('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'), 'manifest unknown: manifest unknown');
  assert.equal(registryErrorText('{"details":"incorrect username or password"}'), 'incorrect username or password');
  assert.equal(registryErrorText('<html>'), '');
});

test('X-Registry-Auth decodes URL-safe base64 JSON; junk means anonymous', () => {
  const h = Buffer.from(JSON.stringify({ username: 'u', password: 'p?>' })).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  assert.deepEqual(decodeAuthHeader(h), { username: 'u', password: 'p?>' });
  assert.equal(decodeAuthHeader('!!!'), undefined);
  assert.equal(decodeAuthHeader(undefined), undefined);
  assert.deepEqual(credentialsOf({ auth: Buffer.from('alice:pa:ss').toString('base64') }), { username: 'alice', password: 'pa:ss' });
  assert.equal(credentialsOf({}), undefined);
});

test('platforms: parsing with defaults and aliases; index selection prefers the exact variant', () => {
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('linux/aarch64/v8'), { os: 'linux', architecture: 'arm64' });
  assert.throws(() => parsePlatform('linux//x'), /unknown operating system or architecture/);
  const d = (architecture: string, variant?: string) => ({ mediaType: 'm', digest: `sha256:${architecture}${variant ?? ''}`, size: 1, platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) } });
  const list = [d('arm', 'v6'), d('arm', 'v7'), d('amd64'), d('arm64', 'v8')];
  assert.equal(selectManifest(list, parsePlatform('linux/arm/v7'))?.digest, 'sha256:armv7');
  assert.equal(selectManifest(list, parsePlatform('linux/arm64'))?.digest, 'sha256:arm64v8');
  assert.equal(selectManifest(list, parsePlatform('linux/amd64'))?.digest, 'sha256:amd64');
  assert.equal(selectManifest(list, parsePlatform('linux/s390x')), undefined);
});

test('insecure registries: loopback by default, CIDRs and host:port from the config', async () => {
  const none = { mirrors: [], insecure: [] };
  assert.equal(await isInsecure('127.0.0.1:5000', none), true);
  assert.equal(await isInsecure('[::1]:5000', none), true);
  assert.equal(await isInsecure('192.0.2.7:5000', none), false);
  assert.equal(await isInsecure('192.0.2.7:5000', { mirrors: [], insecure: ['192.0.2.0/24'] }), true);
  assert.equal(await isInsecure('reg.example:5000', { mirrors: [], insecure: ['reg.example:5000'] }), true);
  assert.deepEqual((await endpointsFor('127.0.0.1:5000', none)).map((e) => e.url), ['https://127.0.0.1:5000', 'http://127.0.0.1:5000']);
  assert.deepEqual((await endpointsFor('192.0.2.7:5000', none)).map((e) => e.url), ['https://192.0.2.7:5000']);
  const hub = await endpointsFor('docker.io', { mirrors: ['http://127.0.0.1:9/'], insecure: [] });
  assert.deepEqual(hub.map((e) => [e.url, e.mirror]), [['http://127.0.0.1:9', true], ['https://registry-1.docker.io', false]]);
  assert.deepEqual((await endpointsFor('docker.io', { mirrors: ['http://127.0.0.1:9/'], insecure: [] }, { push: true })).map((e) => e.url), ['https://registry-1.docker.io']);
});

test('an http answer to a TLS hello is recognised', () => {
  assert.equal(isHttpToHttps(Object.assign(new Error('x'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' })), true);
  assert.equal(isHttpToHttps(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), false);
});

test('progress texts as the daemon formats them', () => {
  assert.equal(humanSize(512), '512B');
  assert.equal(humanSize(45_100), '45.1kB');
  assert.equal(humanSize(1_234_567), '1.235MB');
  assert.equal(progressText(50, 100), `[=========================>                         ]      50B/100B`);
  assert.equal(shortId('sha256:0123456789abcdef'), '0123456789ab');
});
