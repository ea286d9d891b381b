import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameterError } from '../core/errors.ts';
import { normalizeMemberPath } from './tar-paths.ts';
import { paxEntry, tarEntry, tarHeader, tarOf } from './test-helpers.ts';
import { TarSplitter, type TarEntry } from './tar-splitter.ts';

interface Split {
  raw: Buffer[];
  files: { path: string; size: number }[];
  entries: TarEntry[];
  forwarded: number;
}

/** Split `buf` fed in chunks of `step` bytes. */
function split(buf: Buffer, step = buf.length || 1): Split {
  const out: Split = { raw: [], files: [], entries: [], forwarded: 0 };
  const s = new TarSplitter({
    raw: (b) => out.raw.push(Buffer.from(b)),
    file: (p, size) => out.files.push({ path: p.toString(), size }),
    entry: (e) => out.entries.push(e),
  });
  for (let i = 0; i < buf.length; i += step) out.forwarded += s.write(buf.subarray(i, i + step));
  s.end();
  return out;
}

test('splitter: raw bytes plus file payloads rebuild the stream, at any chunk size', () => {
  const tar = tarOf(
    tarEntry({ name: 'dir/', type: '5', mode: 0o755 }),
    tarEntry({ name: 'dir/a.txt' }, 'hello world'),
    tarEntry({ name: 'dir/empty' }),
    tarEntry({ name: 'dir/link', type: '2', linkname: 'a.txt' }),
    tarEntry({ name: 'dir/hard', type: '1', linkname: 'dir/a.txt' }),
    tarEntry({ name: 'big', type: '0' }, Buffer.alloc(5000, 7)),
  );
  for (const step of [1, 7, 511, 512, 513, 4096, tar.length]) {
    const r = split(tar, step);
    assert.deepEqual(r.files, [{ path: 'dir/a.txt', size: 11 }, { path: 'big', size: 5000 }]);
    const rawLen = r.raw.reduce((n, b) => n + b.length, 0);
    assert.equal(rawLen + 11 + 5000, tar.length);
    assert.equal(r.forwarded, tar.length);
    assert.deepEqual(r.entries.map((e) => [e.path?.toString(), e.type, e.linkPath?.toString() ?? null]), [
      ['dir', '5', null], ['dir/a.txt', '0', null], ['dir/empty', '0', null], ['dir/link', '2', 'a.txt'],
      ['dir/hard', '1', 'dir/a.txt'], ['big', '0', null],
    ]);
  }
});

test('splitter: names from PAX path, GNU long names and the ustar prefix', () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
  const gnuLong = tarEntry({ name: '././@LongLink', type: 'L' }, `${long}x\0`);
  const tar = tarOf(
    paxEntry({ path: long, mtime: '1.5' }), tarEntry({ name: 'truncated' }, 'pax'),
    gnuLong, tarEntry({ name: 'short' }, 'gnu'),
    tarEntry({ name: 'file', prefix: 'some/prefix' }, 'ustar'),
    paxEntry({ size: '3' }), tarEntry({ name: 'paxsize', size: 0 }, 'abc'),
  );
  const r = split(tar, 100);
  assert.deepEqual(r.files, [
    { path: long, size: 3 }, { path: `${long}x`, size: 3 }, { path: 'some/prefix/file', size: 5 }, { path: 'paxsize', size: 3 },
  ]);
});

test('splitter: whiteouts, sparse files and old-style directories keep their payload raw', () => {
  const tar = tarOf(
    tarEntry({ name: 'a/.wh.gone' }),
    tarEntry({ name: 'a/.wh..wh..opq' }),
    paxEntry({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'sp' }),
    tarEntry({ name: 'GNUSparseFile.0/sp' }, 'sparse-map-and-data'),
    tarEntry({ name: 'olddir/', type: '\0' }),
  );
  const r = split(tar);
  assert.deepEqual(r.files, []);
  assert.equal(r.entries.find((e) => e.path?.toString() === 'olddir')?.dir, true);
  assert.equal(r.raw.reduce((n, b) => n + b.length, 0), tar.length);
});

test('splitter: GNU base-256 sizes are understood', () => {
  const h = tarHeader({ name: 'b256', size: 0 });
  h.fill(0, 124, 136);
  h[124] = 0x80;
  h.writeUInt32BE(10, 132);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  const r = split(tarOf(h, Buffer.concat([Buffer.from('0123456789'), Buffer.alloc(502)])));
  assert.deepEqual(r.files, [{ path: 'b256', size: 10 }]);
});

test('splitter: trailing bytes after the end marker are recorded but only 1024 bytes go to tar', () => {
  const body = tarEntry({ name: 'f' }, 'x');
  const tar = Buffer.concat([body, Buffer.alloc(1024), Buffer.alloc(9216), Buffer.from('junk')]);
  const r = split(tar, 1000);
  assert.equal(r.forwarded, body.length + 1024);
  assert.equal(r.raw.reduce((n, b) => n + b.length, 0) + 1, tar.length);
});

test('splitter: an archive without end blocks, ending on a member boundary, is accepted', () => {
  const r = split(tarEntry({ name: 'f' }, 'data'));
  assert.deepEqual(r.files, [{ path: 'f', size: 4 }]);
});

test('splitter: corrupt and truncated input is refused', () => {
  const good = tarOf(tarEntry({ name: 'f' }, 'x'.repeat(700)));
  const bad = (buf: Buffer, msg: RegExp) => assert.throws(() => split(buf), (e: unknown) => e instanceof InvalidParameterError && msg.test(e.message));
  bad(good.subarray(0, 700), /truncated/);
  bad(good.subarray(0, 1000), /truncated/);
  bad(good.subarray(0, 300), /truncated/);
  bad(tarOf(tarEntry({ name: 'f', badChecksum: true }, 'x')), /checksum/);
  bad(Buffer.concat([Buffer.from('this is not a tar file'.repeat(30)), Buffer.alloc(1024)]), /checksum|bad/);
  bad(paxEntry({ path: 'dangling' }), /truncated/);
  bad(tarOf(tarEntry({ name: 'd', type: '5', size: 512 }, Buffer.alloc(512))), /payload/);
  bad(tarOf(tarEntry({ name: 'l', type: '2', linkname: 'x', size: 3 }, 'abc')), /payload/);
  const brokenPax = tarEntry({ name: 'PaxHeader', type: 'x' }, '99 path=x\n');
  bad(tarOf(brokenPax, tarEntry({ name: 'f' })), /PAX/);
});

test('splitter: ".." names and hard link targets are refused; leading "/" and "./" are stripped', () => {
  assert.throws(() => split(tarOf(tarEntry({ name: '../evil' }, 'x'))), /\.\./);
  assert.throws(() => split(tarOf(tarEntry({ name: 'a/../../evil' }, 'x'))), /\.\./);
  assert.throws(() => split(tarOf(tarEntry({ name: 'h', type: '1', linkname: '../../etc/passwd' }))), /hard link/);
  const r = split(tarOf(tarEntry({ name: '/abs/file' }, 'x'), tarEntry({ name: './/dot/./file' }, 'y')));
  assert.deepEqual(r.files, [{ path: 'abs/file', size: 1 }, { path: 'dot/file', size: 1 }]);
  assert.equal(normalizeMemberPath(Buffer.from('./')), null);
  assert.equal(normalizeMemberPath(Buffer.from('a/b/'))?.toString(), 'a/b');
  assert.equal(normalizeMemberPath(Buffer.from('..a/b..'))?.toString(), '..a/b..');
});
