import assert from 'node:assert/strict';
import { directorySize } from '../core/dir-size.ts';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, linkSync, writeFileSync, chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import tarStream from 'tar-stream';
import { chunked, collect, gnuTar, paxEntry, sh, sha256, tarEntry, tarOf, tempDir, tempStore } from './test-helpers.ts';

const CAP_NET_RAW = '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=';

/** A directory with every kind of member a layer may hold. */
function richTree(t: TestContext): string {
  const src = join(tempDir(t), 'src');
  mkdirSync(join(src, 'etc', 'deep'), { recursive: true });
  const longDir = join(src, 'l'.repeat(90), 'm'.repeat(90), 'n'.repeat(90));
  mkdirSync(longDir, { recursive: true });
  writeFileSync(join(longDir, `${'x'.repeat(150)}.txt`), 'long name content\n');
  writeFileSync(join(src, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(src, 'etc', 'empty'), '');
  writeFileSync(join(src, 'etc', 'deep', 'blob'), Buffer.alloc(70000, 0x5a));
  writeFileSync(join(src, 'étoile ü'), 'utf-8 name');
  writeFileSync(Buffer.concat([Buffer.from(`${src}/rawname-`), Buffer.from([0xe9, 0xff])]), 'raw');
  writeFileSync(join(src, 'suid'), '#!/bin/sh\n');
  chmodSync(join(src, 'suid'), 0o4755);
  writeFileSync(join(src, 'owned'), 'someone else');
  chownSync(join(src, 'owned'), 1234, 5678);
  writeFileSync(join(src, 'capped'), 'ping');
  sh(`setfattr -n security.capability -v ${CAP_NET_RAW} '${join(src, 'capped')}'`);
  sh(`setfattr -n user.note -v hello '${join(src, 'etc', 'hosts')}'`);
  linkSync(join(src, 'etc', 'hosts'), join(src, 'etc', 'hosts.hard'));
  symlinkSync('hosts', join(src, 'etc', 'hosts.sym'));
  symlinkSync('/nonexistent/abs', join(src, 'dangling'));
  sh(`mknod '${join(src, 'null')}' c 1 3 && mkfifo '${join(src, 'fifo')}'`);
  mkdirSync(join(src, 'private'), { mode: 0o700 });
  chmodSync(join(src, 'private'), 0o700);
  return src;
}

function checkExtracted(diff: string): void {
  assert.equal(statSync(join(diff, 'suid')).mode & 0o7777, 0o4755);
  const owned = statSync(join(diff, 'owned'));
  assert.deepEqual([owned.uid, owned.gid], [1234, 5678]);
  assert.match(sh(`getfattr --absolute-names -e base64 -n security.capability '${join(diff, 'capped')}'`), /AQAAAgAgAAAAAAAAAAAAAAAAAAA=/);
  assert.match(sh(`getfattr --absolute-names -n user.note '${join(diff, 'etc', 'hosts')}'`), /user.note="hello"/);
  assert.equal(statSync(join(diff, 'etc', 'hosts')).ino, statSync(join(diff, 'etc', 'hosts.hard')).ino);
  assert.equal(readlinkSync(join(diff, 'etc', 'hosts.sym')), 'hosts');
  assert.equal(readlinkSync(join(diff, 'dangling')), '/nonexistent/abs');
  const dev = lstatSync(join(diff, 'null'));
  assert.ok(dev.isCharacterDevice());
  assert.equal(dev.rdev, (1 << 8) | 3);
  assert.ok(lstatSync(join(diff, 'fifo')).isFIFO());
  assert.equal(statSync(join(diff, 'private')).mode & 0o777, 0o700);
  assert.equal(readFileSync(join(diff, 'étoile ü'), 'utf8'), 'utf-8 name');
  assert.equal(readFileSync(Buffer.concat([Buffer.from(`${diff}/rawname-`), Buffer.from([0xe9, 0xff])]), 'utf8'), 'raw');
}

for (const format of ['gnu', 'pax', 'ustar'] as const) {
  test(`round trip: GNU tar --format=${format} archive is extracted faithfully and replayed byte for byte`, async (t) => {
    const src = richTree(t);
    // ustar cannot hold names over 255 bytes or xattrs: leave those out there
    const tar = format === 'ustar'
      ? gnuTar(src, format, ['--exclude=./l*', '--no-xattrs'])
      : gnuTar(src, format);
    const { store } = tempStore(t);
    const layer = await store.unpack(chunked(tar, 3000));
    assert.equal(layer.diffId, sha256(tar));
    assert.equal(layer.tarSize, tar.length);
    assert.equal(layer.compressed, undefined);
    // file bytes plus the symlinks' target lengths (5 + 16), hard links once: dockerd's directory.Size of the diff
    assert.equal(layer.size, 20 + 10 + 12 + 4 + 70000 + 10 + 3 + (format === 'ustar' ? 0 : 18) + 5 + 16);
    const diff = store.diffDir(layer.cacheId);
    assert.equal(layer.size, await directorySize(diff));
    if (format !== 'ustar') checkExtracted(diff);
    const again = await collect(store.tarStream(layer.cacheId));
    assert.equal(sha256(again), layer.diffId);
    assert.ok(again.equals(tar));
  });
}

test('round trip: archive written by tar-stream (ustar + pax long names)', async (t) => {
  const pack = tarStream.pack();
  const longName = `${'p'.repeat(200)}/${'q'.repeat(80)}`;
  pack.entry({ name: 'dir', type: 'directory', mode: 0o755 });
  pack.entry({ name: 'dir/file.txt', mode: 0o600, uid: 42, gid: 43 }, 'tar-stream data');
  pack.entry({ name: longName }, Buffer.alloc(1025, 1));
  pack.entry({ name: 'dir/link', type: 'symlink', linkname: 'file.txt' });
  pack.entry({ name: 'dir/hard', type: 'link', linkname: 'dir/file.txt' });
  pack.entry({ name: 'dir/empty' }, '');
  pack.finalize();
  const tar = await collect(pack);
  const { store } = tempStore(t);
  const layer = await store.unpack(chunked(tar, 777));
  assert.equal(layer.diffId, sha256(tar));
  const diff = store.diffDir(layer.cacheId);
  assert.equal(readFileSync(join(diff, longName)).length, 1025);
  assert.equal(statSync(join(diff, 'dir', 'file.txt')).uid, 42);
  assert.ok((await collect(store.tarStream(layer.cacheId))).equals(tar));
});

test('round trip: trailing bytes after the end blocks, and an archive without end blocks', async (t) => {
  const { store } = tempStore(t);
  const body = tarEntry({ name: 'f' }, 'content');
  for (const tar of [Buffer.concat([body, Buffer.alloc(1024), Buffer.alloc(20000), Buffer.from('trailer')]), body]) {
    const layer = await store.unpack(chunked(tar, 1000));
    assert.equal(layer.diffId, sha256(tar));
    assert.equal(readFileSync(join(store.diffDir(layer.cacheId), 'f'), 'utf8'), 'content');
    assert.ok((await collect(store.tarStream(layer.cacheId))).equals(tar));
  }
});

test('round trip: an empty stream is an empty layer (diffId of zero bytes)', async (t) => {
  const { store } = tempStore(t);
  const layer = await store.unpack(chunked(Buffer.alloc(0)));
  assert.equal(layer.diffId, sha256(Buffer.alloc(0)));
  assert.equal(layer.tarSize, 0);
  assert.equal((await collect(store.tarStream(layer.cacheId))).length, 0);
});

test('round trip: a file overwritten later in the same tar still replays or fails clearly', async (t) => {
  const { store } = tempStore(t);
  const same = tarOf(tarEntry({ name: 'f' }, 'AAAA'), tarEntry({ name: 'f' }, 'AAAA'));
  const a = await store.unpack(chunked(same));
  assert.ok((await collect(store.tarStream(a.cacheId))).equals(same));

  const differ = tarOf(tarEntry({ name: 'f' }, 'first'), tarEntry({ name: 'f' }, 'second!'));
  const b = await store.unpack(chunked(differ));
  assert.equal(readFileSync(join(store.diffDir(b.cacheId), 'f'), 'utf8'), 'second!');
  await assert.rejects(collect(store.tarStream(b.cacheId)), /cannot be rebuilt/);
});

test('round trip: files written through a symlink of the same layer (inside it) replay', async (t) => {
  const { store } = tempStore(t);
  const tar = tarOf(
    tarEntry({ name: 'usr/lib/', type: '5', mode: 0o755 }),
    tarEntry({ name: 'lib', type: '2', linkname: 'usr/lib' }),
    tarEntry({ name: 'lib/libx.so' }, 'ELF'),
  );
  const layer = await store.unpack(chunked(tar));
  assert.equal(readFileSync(join(store.diffDir(layer.cacheId), 'usr/lib/libx.so'), 'utf8'), 'ELF');
  assert.ok((await collect(store.tarStream(layer.cacheId))).equals(tar));
});

for (const format of ['gnu', 'posix'] as const) {
  test(`round trip: sparse files (--format=${format} -S) keep their payload in the tar-split`, async (t) => {
    const src = join(tempDir(t), 'src');
    mkdirSync(src);
    sh(`cd '${src}' && truncate -s 3M sparse && printf data | dd of=sparse bs=1 seek=1048576 conv=notrunc 2>/dev/null && echo plain > plain`);
    const tar = gnuTar(src, format, ['-S']);
    const { store } = tempStore(t);
    const layer = await store.unpack(chunked(tar, 10000));
    const diff = store.diffDir(layer.cacheId);
    assert.ok(readFileSync(join(diff, 'sparse')).equals(readFileSync(join(src, 'sparse'))));
    assert.ok((await collect(store.tarStream(layer.cacheId))).equals(tar));
  });
}

test('round trip: PAX global headers and a file replaced by a symlink later in the tar', async (t) => {
  const { store } = tempStore(t);
  const global = tarOf(paxEntry({ comment: 'global header', mtime: '1700000000' }, 'g'), tarEntry({ name: 'g' }, 'after a global header'));
  const a = await store.unpack(chunked(global));
  assert.ok((await collect(store.tarStream(a.cacheId))).equals(global));

  const replaced = tarOf(tarEntry({ name: 'f' }, 'payload'), tarEntry({ name: 'f', type: '2', linkname: '/etc/passwd' }));
  const b = await store.unpack(chunked(replaced));
  assert.equal(readlinkSync(join(store.diffDir(b.cacheId), 'f')), '/etc/passwd');
  await assert.rejects(collect(store.tarStream(b.cacheId)), /cannot be rebuilt/);
});
