import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { InvalidParameterError } from '../core/errors.ts';
import { detectCompression } from './decompress.ts';
import { chunked, collect, have, sha256, tarEntry, tarOf, tempStore } from './test-helpers.ts';

const TAR = tarOf(
  tarEntry({ name: 'hello.txt' }, 'hello from a compressed layer\n'),
  tarEntry({ name: 'data.bin' }, Buffer.alloc(200_000, 0x41)),
);

function compressWith(cmd: string, data: Buffer): Buffer {
  return execFileSync(cmd, ['-c'], { input: data, maxBuffer: 1 << 28 });
}

const FORMATS: { name: string; make: () => Buffer; mediaType: string; needs?: string }[] = [
  { name: 'gzip', make: () => gzipSync(TAR), mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' },
  { name: 'zstd', make: () => zstdCompressSync(TAR), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' },
  { name: 'zstd-cli', make: () => compressWith('zstd', TAR), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', needs: 'zstd' },
  { name: 'bzip2', make: () => compressWith('bzip2', TAR), mediaType: 'application/vnd.oci.image.layer.v1.tar+bzip2', needs: 'bzip2' },
  { name: 'xz', make: () => compressWith('xz', TAR), mediaType: 'application/vnd.oci.image.layer.v1.tar+xz', needs: 'xz' },
];

for (const f of FORMATS) {
  test(`compression: ${f.name} layer is detected, digested and unpacked`, { skip: f.needs && !have(f.needs) ? `${f.needs} missing` : false }, async (t) => {
    const blob = f.make();
    const { store } = tempStore(t);
    const layer = await store.unpack(chunked(blob, 1000));
    assert.deepEqual(layer.compressed, { digest: sha256(blob), size: blob.length, mediaType: f.mediaType });
    assert.equal(layer.diffId, sha256(TAR));
    assert.equal(layer.tarSize, TAR.length);
    assert.equal(readFileSync(join(store.diffDir(layer.cacheId), 'hello.txt'), 'utf8'), 'hello from a compressed layer\n');
    assert.ok((await collect(store.tarStream(layer.cacheId))).equals(TAR));
  });

  test(`compression: truncated ${f.name} input fails cleanly and leaves nothing behind`, { skip: f.needs && !have(f.needs) ? `${f.needs} missing` : false }, async (t) => {
    const blob = f.make();
    const { store } = tempStore(t);
    await assert.rejects(store.unpack(chunked(blob.subarray(0, Math.floor(blob.length / 2)))), (e: unknown) => {
      assert.ok(e instanceof InvalidParameterError);
      assert.match(e.message, new RegExp(`${f.name.replace('-cli', '')}|truncated`));
      return true;
    });
    assert.deepEqual(readdirSync(store.root), ['l']);
  });
}

test('compression: concatenated gzip members decompress as one stream', async (t) => {
  const blob = Buffer.concat([gzipSync(TAR.subarray(0, 1000)), gzipSync(TAR.subarray(1000))]);
  const { store } = tempStore(t);
  const layer = await store.unpack(chunked(blob));
  assert.equal(layer.diffId, sha256(TAR));
});

test('compression: corrupt gzip data is reported as invalid layer data', async (t) => {
  const blob = gzipSync(TAR);
  blob.fill(0x55, 20, 60);
  const { store } = tempStore(t);
  await assert.rejects(store.unpack(chunked(blob)), (e: unknown) => e instanceof InvalidParameterError && /gzip/.test(e.message));
  assert.deepEqual(readdirSync(store.root), ['l']);
});

test('compression: magic bytes are sniffed; anything else is a plain tar', () => {
  assert.equal(detectCompression(Buffer.from([0x1f, 0x8b, 8])), 'gzip');
  assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), 'zstd');
  assert.equal(detectCompression(Buffer.from('BZh91AY')), 'bzip2');
  assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
  assert.equal(detectCompression(TAR), null);
  assert.equal(detectCompression(Buffer.from([0x1f])), null);
});

test('compression: the zstd frame tracker accepts whole streams and refuses every cut', async () => {
  const { ZstdFrameTracker } = await import('./zstd-frames.ts');
  const { constants, zstdCompressSync: zc } = await import('node:zlib');
  const data = Buffer.concat([Buffer.from('x'.repeat(5000)), Buffer.alloc(300_000, 3), TAR]);
  const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
  const blob = Buffer.concat([
    zc(data, { params: { [constants.ZSTD_c_checksumFlag]: 1 } }), skippable, zc(Buffer.alloc(0)), zc(TAR.subarray(0, 700)),
  ]);
  const run = (b: Buffer) => { const z = new ZstdFrameTracker(); z.update(b); z.end(); };
  run(blob);
  for (let cut = 1; cut < blob.length; cut += Math.max(1, Math.floor(blob.length / 500))) {
    const frameEnds = new Set<number>();
    let off = 0;
    for (const part of [zc(data, { params: { [constants.ZSTD_c_checksumFlag]: 1 } }), skippable, zc(Buffer.alloc(0))]) frameEnds.add(off += part.length);
    if (frameEnds.has(cut)) continue;
    assert.throws(() => run(blob.subarray(0, cut)), /zstd/, `cut at ${cut}`);
  }
});

test('compression: zstd in several frames, with a skippable frame between, is decompressed whole', async (t) => {
  const skippable = Buffer.concat([Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from('skip!')]);
  const blob = Buffer.concat([
    zstdCompressSync(TAR.subarray(0, 3000)), skippable, zstdCompressSync(TAR.subarray(3000, 150_000)), zstdCompressSync(TAR.subarray(150_000)),
  ]);
  const { store } = tempStore(t);
  for (const step of [1000, 7, blob.length]) {
    const layer = await store.unpack(chunked(blob, step));
    assert.equal(layer.diffId, sha256(TAR));
    assert.equal(layer.compressed?.digest, sha256(blob));
  }
  await assert.rejects(store.unpack(chunked(blob.subarray(0, blob.length - 3))), /zstd/);
  const junk = Buffer.concat([blob, Buffer.from('garbage after the last frame')]);
  await assert.rejects(store.unpack(chunked(junk)), /zstd/);
});
