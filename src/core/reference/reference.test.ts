import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../errors.ts';
import {
  familiarName,
  familiarString,
  fullName,
  isDigestLike,
  isValidDomain,
  looksLikeImageIdPrefix,
  parseDigest,
  parseReference,
  repositoryName,
  withDefaultTag,
  withTag,
} from './reference.ts';

const HEX = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
const DIGEST = `sha256:${HEX}`;

function throwsMsg(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, `expected InvalidParameterError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

// [input, domain, path, familiar name] — docker's normalisation table.
const TABLE: Array<[string, string, string, string]> = [
  ['busybox', 'docker.io', 'library/busybox', 'busybox'],
  ['library/busybox', 'docker.io', 'library/busybox', 'busybox'],
  ['docker.io/busybox', 'docker.io', 'library/busybox', 'busybox'],
  ['docker.io/library/busybox', 'docker.io', 'library/busybox', 'busybox'],
  ['index.docker.io/busybox', 'docker.io', 'library/busybox', 'busybox'],
  ['index.docker.io/user/x', 'docker.io', 'user/x', 'user/x'],
  ['user/x', 'docker.io', 'user/x', 'user/x'],
  ['library/foo/bar', 'docker.io', 'library/foo/bar', 'library/foo/bar'],
  ['store/foo/bar', 'docker.io', 'store/foo/bar', 'store/foo/bar'],
  ['other/library', 'docker.io', 'other/library', 'other/library'],
  ['test_com/foo', 'docker.io', 'test_com/foo', 'test_com/foo'],
  ['localhost/foo', 'localhost', 'foo', 'localhost/foo'],
  ['localhost:5000/a/b', 'localhost:5000', 'a/b', 'localhost:5000/a/b'],
  ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000', 'private/moonbase', '127.0.0.1:8000/private/moonbase'],
  ['example.com/privatebase', 'example.com', 'privatebase', 'example.com/privatebase'],
  ['example.com:8000/privatebasee', 'example.com:8000', 'privatebasee', 'example.com:8000/privatebasee'],
  ['test-com:8080/foo', 'test-com:8080', 'foo', 'test-com:8080/foo'],
  ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo', 'xn--n3h.com:18080/foo'],
  ['[fc00::1]:5000/docker/docker', '[fc00::1]:5000', 'docker/docker', '[fc00::1]:5000/docker/docker'],
  ['Foo/bar', 'Foo', 'bar', 'Foo/bar'],
  ['FOO/bar', 'FOO', 'bar', 'FOO/bar'],
  ['ubuntu-12.04-base', 'docker.io', 'library/ubuntu-12.04-base', 'ubuntu-12.04-base'],
  ['docker---rules/docker', 'docker.io', 'docker---rules/docker', 'docker---rules/docker'],
  ['dock__er/docker', 'docker.io', 'dock__er/docker', 'dock__er/docker'],
  ['192.168.0.1', 'docker.io', 'library/192.168.0.1', '192.168.0.1'],
  ['dbcc1', 'docker.io', 'library/dbcc1', 'dbcc1'],
  [`docker.io/${HEX}`, 'docker.io', `library/${HEX}`, HEX],
];

for (const [input, domain, path, familiar] of TABLE) {
  test(`normalises ${input}`, () => {
    const r = parseReference(input);
    assert.deepEqual(r, { domain, path });
    assert.equal(familiarName(r), familiar);
    assert.equal(repositoryName(r), `${domain}/${path}`);
  });
}

test('tag and digest are split off and kept', () => {
  assert.deepEqual(parseReference('busybox:1.36'), { domain: 'docker.io', path: 'library/busybox', tag: '1.36' });
  assert.deepEqual(parseReference('localhost:5000/a/b:1'), { domain: 'localhost:5000', path: 'a/b', tag: '1' });
  assert.deepEqual(parseReference(`busybox@${DIGEST}`), { domain: 'docker.io', path: 'library/busybox', digest: DIGEST });
  const both = parseReference(`busybox:latest@${DIGEST}`);
  assert.deepEqual(both, { domain: 'docker.io', path: 'library/busybox', tag: 'latest', digest: DIGEST });
  assert.equal(fullName(both), `docker.io/library/busybox:latest@${DIGEST}`);
  assert.equal(familiarString(both), `busybox:latest@${DIGEST}`);
});

test('a port is not mistaken for a tag', () => {
  assert.deepEqual(parseReference('registry:5000/app'), { domain: 'registry:5000', path: 'app' });
  assert.deepEqual(parseReference('registry:5000/app:v2'), { domain: 'registry:5000', path: 'app', tag: 'v2' });
});

test('withDefaultTag adds latest only without tag and digest', () => {
  assert.equal(fullName(withDefaultTag(parseReference('busybox'))), 'docker.io/library/busybox:latest');
  assert.equal(fullName(withDefaultTag(parseReference('busybox:1'))), 'docker.io/library/busybox:1');
  assert.equal(fullName(withDefaultTag(parseReference(`busybox@${DIGEST}`))), `docker.io/library/busybox@${DIGEST}`);
});

test('familiarString forms', () => {
  assert.equal(familiarString(withDefaultTag(parseReference('busybox'))), 'busybox:latest');
  assert.equal(familiarString(parseReference(`user/x@${DIGEST}`)), `user/x@${DIGEST}`);
  assert.equal(familiarString(parseReference('docker.io/library/foo/bar:2')), 'library/foo/bar:2');
  assert.equal(familiarString(parseReference('localhost:5000/a/b:1')), 'localhost:5000/a/b:1');
});

test('uppercase repository names: docker messages', () => {
  throwsMsg(() => parseReference('Busybox'), 'invalid reference format: repository name (library/Busybox) must be lowercase');
  throwsMsg(() => parseReference('docker/Docker'), 'invalid reference format: repository name (docker/Docker) must be lowercase');
  throwsMsg(() => parseReference('docker.io/docker/Docker:tag'), 'invalid reference format: repository name (docker/Docker) must be lowercase');
});

test('invalid reference format', () => {
  for (const bad of [
    '',
    ':latest',
    '-docker',
    '-docker/docker',
    'docker-/docker',
    '-docker.io/docker/docker',
    'docker///docker',
    'docker.io/docker///docker',
    'docker/',
    '____/____',
    '_docker/_docker',
    'dock..er/docker',
    'dock_.er/docker',
    'dock-.er/docker',
    'https://github.com/docker/docker',
    '[fc00::1]',
    '[fc00::1]:5000',
    'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian',
    'busybox:',
    'busybox:-tag',
    'busybox:.tag',
    `busybox:${'a'.repeat(129)}`,
    'busybox@sha256:abc',
    'busybox@',
    'a b',
  ]) {
    throwsMsg(() => parseReference(bad), 'invalid reference format');
  }
});

test('tag length limit is 128', () => {
  assert.equal(parseReference(`busybox:${'a'.repeat(128)}`).tag?.length, 128);
  assert.equal(parseReference('busybox:_x.Y-z').tag, '_x.Y-z');
});

test('64-hex names are refused as repository names', () => {
  throwsMsg(() => parseReference(HEX), `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`);
  // 63 hex characters are an ordinary name.
  assert.equal(familiarName(parseReference(HEX.slice(1))), HEX.slice(1));
});

test('repository path length is limited to 255', () => {
  const long = `${'a'.repeat(200)}/${'b'.repeat(60)}`;
  throwsMsg(() => parseReference(long), 'repository name must not be more than 255 characters');
  const ok = `${'a'.repeat(100)}/${'b'.repeat(100)}`;
  assert.equal(parseReference(ok).path, ok);
});

test('digest validation inside references', () => {
  throwsMsg(() => parseReference(`busybox@sha256:${HEX}ab`), 'invalid checksum digest length');
  throwsMsg(() => parseReference(`busybox@sha256:${HEX.toUpperCase()}`), 'invalid checksum digest format');
  throwsMsg(() => parseReference(`busybox@sha384:${'a'.repeat(96)}`), 'unsupported digest algorithm');
  // docker checks case on everything before the first ':' — a quirk kept on purpose.
  throwsMsg(() => parseReference(`busybox@Sha256:${HEX}`), 'invalid reference format: repository name (library/busybox@Sha256) must be lowercase');
  throwsMsg(() => parseReference(`busybox:1@Sha256:${HEX}`), 'invalid checksum digest format');
  assert.equal(parseReference(`busybox@sha512:${'a'.repeat(128)}`).digest, `sha512:${'a'.repeat(128)}`);
});

test('parseDigest and isDigestLike', () => {
  assert.deepEqual(parseDigest(DIGEST), { algorithm: 'sha256', hex: HEX });
  assert.deepEqual(parseDigest(`sha512:${'0'.repeat(128)}`), { algorithm: 'sha512', hex: '0'.repeat(128) });
  assert.equal(isDigestLike(DIGEST), true);
  assert.equal(isDigestLike(HEX), false);
  assert.equal(isDigestLike('sha256:'), false);
  throwsMsg(() => parseDigest('sha256'), 'invalid checksum digest format');
  throwsMsg(() => parseDigest('sha256:'), 'invalid checksum digest format');
  throwsMsg(() => parseDigest(':abc'), 'invalid checksum digest format');
  throwsMsg(() => parseDigest('sha256:abc'), 'invalid checksum digest length');
  throwsMsg(() => parseDigest(`sha256:${'g'.repeat(64)}`), 'invalid checksum digest format');
  throwsMsg(() => parseDigest(`md5:${'a'.repeat(32)}`), 'unsupported digest algorithm');
  throwsMsg(() => parseDigest('MD5:xyz!'), 'invalid checksum digest format');
});

test('looksLikeImageIdPrefix', () => {
  for (const yes of ['a', 'dbcc1c35', HEX, `sha256:${HEX}`, 'sha256:db']) assert.equal(looksLikeImageIdPrefix(yes), true, yes);
  for (const no of ['', 'sha256:', `${HEX}0`, 'DBCC', 'busybox', 'sha512:ab', 'xyz']) assert.equal(looksLikeImageIdPrefix(no), false, no);
});

test('withTag validates the tag', () => {
  assert.equal(fullName(withTag(parseReference('busybox'), 'v1')), 'docker.io/library/busybox:v1');
  throwsMsg(() => withTag(parseReference('busybox'), '-x'), 'invalid tag format');
});

test('isValidDomain', () => {
  for (const yes of ['localhost', 'localhost:5000', 'example.com', 'Example.COM:443', '[::1]:5000', '10.0.0.1']) {
    assert.equal(isValidDomain(yes), true, yes);
  }
  for (const no of ['-x.com', 'a_b.com', 'x.com:', 'x.com:abc', '']) assert.equal(isValidDomain(no), false, no);
});
