import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { chunked, tarEntry, tarOf } from '../layers/test-helpers.ts';
import { extractToContainer } from './archive-extract.ts';

const asRoot = process.getuid?.() === 0;
const MARKER = `berth-extract-test-${process.pid}`;

interface Box { base: string; root: string; outside: string }

/** A fake container root next to an "outside" host directory that must stay empty. */
function box(t: TestContext): Box {
  const base = mkdtempSync(join(tmpdir(), 'berth-extract-'));
  t.after(() => {
    rmSync(base, { recursive: true, force: true });
    rmSync(join('/etc', MARKER), { force: true });
  });
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'tmp/d'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  mkdirSync(outside);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nbob:x:1234:2345::/home/bob:/bin/sh\n');
  symlinkSync(outside, join(root, 'esc'));        // absolute host path: inside the root it means <root><outside>
  symlinkSync('/etc', join(root, 'etclink'));     // the container's /etc, never the host's
  symlinkSync('../../../../../../..', join(root, 'up'));
  return { base, root, outside };
}

function put(b: Box, path: string, tar: Buffer, opts = { noOverwriteDirNonDir: true, copyUIDGID: false }, user = ''): Promise<void> {
  return extractToContainer({
    root: b.root, path, container: 'c1', input: chunked(tar, 65536), opts,
    signal: new AbortController().signal, readonlyRootfs: false, user,
  });
}

function assertContained(b: Box): void {
  assert.deepEqual(readdirSync(b.outside), [], 'nothing written outside the container');
  assert.deepEqual(readdirSync(b.base).sort(), ['outside', 'root']);
  assert.equal(existsSync(join('/etc', MARKER)), false, 'the host /etc is untouched');
  for (const d of [join(b.root, 'tmp'), b.root]) {
    assert.deepEqual(readdirSync(d).filter((n) => n.startsWith('.berth-cp-')), [], 'staging removed');
  }
}

test('extract: files, dirs and symlinks land in the resolved directory; gzip is accepted', async (t) => {
  const b = box(t);
  const tar = tarOf(tarEntry({ name: 'dir/', type: '5', mode: 0o750 }), tarEntry({ name: 'dir/f' }, 'hello'), tarEntry({ name: 'dir/l', type: '2', linkname: 'f' }));
  await put(b, '/up/tmp', gzipSync(tar));
  assert.equal(readFileSync(join(b.root, 'tmp/dir/f'), 'utf8'), 'hello');
  assert.equal(lstatSync(join(b.root, 'tmp/dir/l')).isSymbolicLink(), true);
  assert.equal(statSync(join(b.root, 'tmp/dir')).mode & 0o777, 0o750);
  // again: an existing directory takes the archive's metadata, files are replaced
  await put(b, '/tmp', tarOf(tarEntry({ name: 'dir/', type: '5', mode: 0o700 }), tarEntry({ name: 'dir/f' }, 'again')));
  assert.equal(readFileSync(join(b.root, 'tmp/dir/f'), 'utf8'), 'again');
  assert.equal(statSync(join(b.root, 'tmp/dir')).mode & 0o777, 0o700);
  // a big file goes through with backpressure
  const big = Buffer.alloc(24 << 20, 0x61);
  await put(b, '/tmp', tarOf(tarEntry({ name: 'big' }, big)));
  assert.equal(statSync(join(b.root, 'tmp/big')).size, big.length);
  assertContained(b);
});

test('extract: "../" names, archive symlinks and hard links out of the root write nothing outside', async (t) => {
  const b = box(t);
  await assert.rejects(put(b, '/tmp', tarOf(tarEntry({ name: '../../outside/evil' }, 'x'))), /contains "\.\."/);
  await assert.rejects(put(b, '/tmp', tarOf(tarEntry({ name: 'ok' }, 'x'), tarEntry({ name: 'a/../../evil' }, 'x'))), /contains "\.\."/);
  assert.equal(existsSync(join(b.root, 'tmp/ok')), false, 'a refused archive changes nothing');
  // a symlink of the archive pointing out, then a file through it
  await put(b, '/tmp', tarOf(tarEntry({ name: 's', type: '2', linkname: b.outside }), tarEntry({ name: 's/evil' }, 'x'))).catch(() => undefined);
  await put(b, '/tmp', tarOf(tarEntry({ name: 'u', type: '2', linkname: '../../../../../..' }), tarEntry({ name: `u${b.outside}/evil` }, 'x'))).catch(() => undefined);
  // hard links to files outside
  await assert.rejects(put(b, '/tmp', tarOf(tarEntry({ name: 'h', type: '1', linkname: '../../outside/secret' }))), /\.\./);
  await put(b, '/tmp', tarOf(tarEntry({ name: 'h2', type: '1', linkname: '/etc/hostname' }))).catch(() => undefined);
  assert.equal(existsSync(join(b.root, 'tmp/h2')) && statSync(join(b.root, 'tmp/h2')).ino === statSync('/etc/hostname').ino, false);
  assertContained(b);
});

test('extract: symlinks already in the container are followed inside the root only', async (t) => {
  const b = box(t);
  // an implied parent through the container's absolute link to /etc: the container's /etc
  await put(b, '/', tarOf(tarEntry({ name: `etclink/${MARKER}` }, 'in the container')));
  assert.equal(readFileSync(join(b.root, 'etc', MARKER), 'utf8'), 'in the container');
  // a destination through a link to a host path resolves inside the root: missing there
  await assert.rejects(put(b, '/esc', tarOf(tarEntry({ name: 'evil' }, 'x'))), /Could not find the file \/esc in container c1/);
  await put(b, '/', tarOf(tarEntry({ name: 'esc/evil' }, 'x'))).catch(() => undefined);
  await put(b, '/', tarOf(tarEntry({ name: 'up/evil' }, 'x'))).catch(() => undefined);
  assertContained(b);
});

test('extract: dockerd conflict rules and errors', async (t) => {
  const b = box(t);
  await assert.rejects(put(b, '/tmp', tarOf(tarEntry({ name: 'd' }, 'file'))), { message: 'Error processing tar file(exit status 1): cannot overwrite directory "/tmp/d" with non-directory "/tmp"' });
  await assert.rejects(put(b, '/', tarOf(tarEntry({ name: 'etclink/', type: '5' }))), { message: 'Error processing tar file(exit status 1): cannot overwrite non-directory "/etclink" with directory "/"' });
  await put(b, '/tmp', tarOf(tarEntry({ name: 'd' }, 'file')), { noOverwriteDirNonDir: false, copyUIDGID: false });
  assert.equal(readFileSync(join(b.root, 'tmp/d'), 'utf8'), 'file');
  await assert.rejects(put(b, '/etc/passwd', tarOf(tarEntry({ name: 'x' }, 'x'))), { message: 'extraction point is not a directory' });
  await assert.rejects(put(b, '/nope', tarOf(tarEntry({ name: 'x' }, 'x'))), { message: 'Could not find the file /nope in container c1' });
  await assert.rejects(put(b, '/tmp', Buffer.from('not a tar archive at all, just some text that is long enough'.repeat(20))));
  await assert.rejects(extractToContainer({
    root: b.root, path: '/tmp', container: 'c1', input: Readable.from([tarOf()]), opts: { noOverwriteDirNonDir: true, copyUIDGID: false },
    signal: new AbortController().signal, readonlyRootfs: true, user: '',
  }), { message: 'container rootfs is marked read-only' });
  assertContained(b);
});

test('extract: copyUIDGID gives the files the container user', { skip: !asRoot && 'needs root (chown)' }, async (t) => {
  const b = box(t);
  await put(b, '/tmp', tarOf(tarEntry({ name: 'owned', uid: 7, gid: 8 }, 'x')), { noOverwriteDirNonDir: true, copyUIDGID: true }, 'bob');
  const st = statSync(join(b.root, 'tmp/owned'));
  assert.deepEqual([st.uid, st.gid], [1234, 2345]);
  await put(b, '/tmp', tarOf(tarEntry({ name: 'kept', uid: 7, gid: 8 }, 'x')));
  assert.deepEqual([statSync(join(b.root, 'tmp/kept')).uid, statSync(join(b.root, 'tmp/kept')).gid], [7, 8]);
  await assert.rejects(put(b, '/tmp', tarOf(tarEntry({ name: 'x' }, 'x')), { noOverwriteDirNonDir: true, copyUIDGID: true }, 'nobody-here'), /unable to find user nobody-here/);
  assertContained(b);
});
