import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, configFromObject, parseAddr, parseDuration, parseSize } from './config.ts';
import { allows, globMatch, parseScopes } from './scope.ts';
import { checkDigest, isValidName, isValidTag } from './names.ts';

describe('registry config', () => {
  it('reads distribution config.yml keys', () => {
    const c = configFromObject({
      version: 0.1,
      storage: { filesystem: { rootdirectory: '/srv/reg' }, delete: { enabled: true }, maintenance: { readonly: { enabled: true } } },
      http: { addr: '127.0.0.1:5001', tls: { certificate: 'c.pem', key: 'k.pem' } },
      auth: { htpasswd: { realm: 'r', path: '/etc/htpasswd' } },
      catalog: { maxentries: 50 },
      gc: { interval: '1h', grace: '30m', deleteuntagged: true },
      limits: { maxmanifestsize: '1M' },
    });
    assert.equal(c.root, '/srv/reg');
    assert.equal(c.deleteEnabled, true);
    assert.equal(c.readOnly, true);
    assert.equal(c.addr, '127.0.0.1:5001');
    assert.deepEqual(c.tls, { certificate: 'c.pem', key: 'k.pem' });
    assert.deepEqual(c.auth, { kind: 'htpasswd', realm: 'r', path: '/etc/htpasswd' });
    assert.equal(c.catalogMaxEntries, 50);
    assert.deepEqual(c.gc, { interval: 3_600_000, grace: 1_800_000, deleteUntagged: true });
    assert.equal(c.maxManifestSize, 1 << 20);
  });
  it('refuses bad values', () => {
    assert.throws(() => configFromObject({ catalog: { maxentries: -1 } }), ConfigError);
    assert.throws(() => configFromObject({ auth: { htpasswd: { realm: 'x' } } }), ConfigError);
    assert.throws(() => parseDuration('5 parsecs', 'x'), ConfigError);
    assert.throws(() => parseSize('lots', 'x'), ConfigError);
    assert.throws(() => parseAddr('nohost'), ConfigError);
    assert.deepEqual(parseAddr(':5000'), { host: '', port: 5000 });
    assert.deepEqual(parseAddr('[::1]:80'), { host: '::1', port: 80 });
  });
  it('parses scopes and matches ACL globs', () => {
    assert.deepEqual(parseScopes('repository:a/b:pull,push registry:catalog:*'), [
      { type: 'repository', name: 'a/b', actions: ['pull', 'push'] }, { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    assert.ok(allows([{ type: 'repository', name: 'a', actions: ['pull'] }], 'repository', 'a', 'pull'));
    assert.ok(!allows([{ type: 'repository', name: 'a', actions: ['pull'] }], 'repository', 'a', 'push'));
    assert.ok(globMatch('team/*', 'team/app') && !globMatch('team/*', 'team/a/b') && globMatch('team/**', 'team/a/b'));
  });
  it('checks names, tags and digests', () => {
    assert.ok(isValidName('library/busy-box_1.2'));
    for (const bad of ['', 'UP', 'a//b', '../x', 'a/', '-a', 'a'.repeat(256)]) assert.ok(!isValidName(bad), bad);
    assert.ok(isValidTag('v1.0_rc-1') && !isValidTag('.x') && !isValidTag('a'.repeat(129)));
    assert.throws(() => checkDigest('sha256:abc'), /DIGEST|invalid/i);
    assert.equal(checkDigest('sha512:' + 'a'.repeat(128)).algorithm, 'sha512');
  });
});
