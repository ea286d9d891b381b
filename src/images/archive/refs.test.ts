import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { familiarRepo, familiarString, fullString, parseTagged, tagFromAnnotations } from './refs.ts';
import { detectCompression, looksLikeJson, looksLikeTar } from './sniff.ts';

describe('archive references', () => {
  it('normalises names between familiar and full forms', () => {
    const cases: [string, string, string][] = [
      ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest'],
      ['docker.io/library/busybox:1.36', 'busybox:1.36', 'docker.io/library/busybox:1.36'],
      ['user/app:v1', 'user/app:v1', 'docker.io/user/app:v1'],
      ['index.docker.io/user/app:v1', 'user/app:v1', 'docker.io/user/app:v1'],
      ['localhost:5000/app', 'localhost:5000/app:latest', 'localhost:5000/app:latest'],
      ['localhost/a/b:c', 'localhost/a/b:c', 'localhost/a/b:c'],
    ];
    for (const [input, familiar, full] of cases) {
      const r = parseTagged(input)!;
      assert.equal(familiarString(r), familiar, input);
      assert.equal(fullString(r), full, input);
    }
    assert.equal(familiarRepo(parseTagged('docker.io/library/busybox:1')!), 'busybox');
    for (const bad of ['Upper/Case', 'a@sha256:' + '0'.repeat(64), 'a:b:c', '', 'x/:y']) assert.equal(parseTagged(bad), null, bad);
  });

  it('takes tags from index annotations', () => {
    assert.equal(tagFromAnnotations({ 'io.containerd.image.name': 'docker.io/library/a:1', 'org.opencontainers.image.ref.name': '1' }), 'a:1');
    assert.equal(tagFromAnnotations({ 'org.opencontainers.image.ref.name': 'quay.io/x/y:2' }), 'quay.io/x/y:2');
    assert.equal(tagFromAnnotations({ 'org.opencontainers.image.ref.name': 'latest' }), null);
    assert.equal(tagFromAnnotations(undefined), null);
  });

  it('sniffs layers and metadata', () => {
    assert.equal(detectCompression(Buffer.from([0x1f, 0x8b, 0x08, 0])), 'gzip');
    assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
    assert.equal(detectCompression(Buffer.from('BZh91AY')), 'bzip2');
    assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
    assert.equal(detectCompression(Buffer.from('{"a":1}')), null);
    assert.ok(looksLikeTar(Buffer.alloc(512)));
    assert.ok(!looksLikeTar(Buffer.alloc(511)));
    const v7 = Buffer.alloc(512);
    v7.write('file.txt');
    v7.write('0000644\0', 100);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : v7[i];
    v7.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    assert.ok(looksLikeTar(v7), 'a v7 header with a valid checksum');
    assert.ok(!looksLikeTar(Buffer.alloc(512, 'x')));
    assert.ok(looksLikeJson(Buffer.from('\n  [1]')));
    assert.ok(!looksLikeJson(Buffer.from('1.0')));
  });
});
