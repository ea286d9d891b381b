import assert from 'node:assert/strict';
import { existsSync, rmSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import tar from 'tar-stream';
import {
  getRebaseName, preserveTrailingDotOrSeparator, splitPathDirEntry, tarResource, untar,
} from './containers-archive.ts';
import { splitCpArg } from './containers-cp.ts';
import { berth, containerClient } from './containers-fakes.ts';

const root = mkdtempSync(join(tmpdir(), 'berth-cp-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** A tar built from [name, type, content?, linkname?] entries. */
async function makeTar(entries: [string, 'file' | 'directory' | 'symlink' | 'link', string?, string?][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, type, content, linkname] of entries) {
    pack.entry({ name, type, mode: type === 'directory' ? 0o755 : 0o644, linkname, mtime: new Date(1704067200000) }, content ?? '');
  }
  pack.finalize();
  return collect(pack);
}

function fixture(): string {
  const src = mkdtempSync(join(root, 'src-'));
  mkdirSync(join(src, 'dir/sub'), { recursive: true });
  writeFileSync(join(src, 'dir/f.txt'), 'hello\n');
  writeFileSync(join(src, 'dir/sub/g'), 'x');
  symlinkSync('f.txt', join(src, 'dir/link'));
  linkSync(join(src, 'dir/f.txt'), join(src, 'dir/hard'));
  utimesSync(join(src, 'dir/f.txt'), 1704067200, 1704067200);
  return src;
}

test('cp argument and path rules', () => {
  assert.deepEqual(splitCpArg('c1:/etc'), ['c1', '/etc']);
  assert.deepEqual(splitCpArg('/abs:x'), ['', '/abs:x']);
  assert.deepEqual(splitCpArg('./file:name'), ['', './file:name']);
  assert.deepEqual(splitCpArg('plain'), ['', 'plain']);
  assert.deepEqual(splitPathDirEntry('/a/b/.'), ['/a/b', '.']);
  assert.deepEqual(splitPathDirEntry('/a/b/'), ['/a', 'b']);
  assert.equal(preserveTrailingDotOrSeparator('/x/y', 'y/.'), '/x/y/.');
  assert.equal(preserveTrailingDotOrSeparator('/x/y', 'y/'), '/x/y/');
  assert.deepEqual(getRebaseName('/a/link/', '/a/target'), ['/a/target/', 'link']);
});

test('tarResource then untar reproduces files, modes, times, symlinks and hard links', async () => {
  const src = fixture();
  const dst = mkdtempSync(join(root, 'dst-'));
  await untar(tarResource(join(src, 'dir')), dst);
  assert.equal(readFileSync(join(dst, 'dir/f.txt'), 'utf8'), 'hello\n');
  assert.equal(readFileSync(join(dst, 'dir/sub/g'), 'utf8'), 'x');
  assert.equal(readlinkSync(join(dst, 'dir/link')), 'f.txt');
  assert.equal(statSync(join(dst, 'dir/hard')).ino, statSync(join(dst, 'dir/f.txt')).ino);
  assert.equal(statSync(join(dst, 'dir/f.txt')).mtimeMs, 1704067200000);
  const renamed = await collect(tarResource(join(src, 'dir'), 'other'));
  assert.match(renamed.toString('latin1'), /other\/f\.txt/);
});

test('untar refuses entries that escape the destination', async () => {
  const dst = mkdtempSync(join(root, 'evil-'));
  await assert.rejects(untar(Readable.from([await makeTar([['../escape', 'file', 'x']])]), dst), /is outside of/);
  await assert.rejects(untar(Readable.from([await makeTar([['l', 'symlink', '', '../../etc']])]), dst), /invalid symlink/);
  await assert.rejects(untar(Readable.from([await makeTar([['h', 'link', '', '../../etc/passwd']])]), dst), /invalid hardlink/);
  await assert.rejects(untar(Readable.from([await makeTar([['d', 'symlink', '', '.'], ['d/x', 'file', 'x']])]), mkdtempSync(join(root, 'evil2-'))),
    (e: Error) => e !== undefined);
  assert.equal(existsSync(join(root, 'escape')), false);
});

test('cp to a container: HEAD for the destination, PUT of a renamed tar, -a copies ownership', async () => {
  const src = fixture();
  const dirStat = Buffer.from(JSON.stringify({ name: 'tmp', size: 4096, mode: 2 ** 31 + 0o777, mtime: '', linkTarget: '' })).toString('base64');
  const client = containerClient((c) => {
    if (c.method === 'HEAD' && c.query.path === '/tmp') return { headers: { 'X-Docker-Container-Path-Stat': dirStat } };
    if (c.method === 'HEAD') return { error: [404, 'Could not find the file'] };
    return undefined;
  });
  const r = await berth(['cp', '-a', join(src, 'dir/f.txt'), 'c1:/tmp/new.txt'], client);
  assert.equal(r.code, 0);
  const put = client.calls.find((c) => c.method === 'PUT')!;
  assert.deepEqual([put.path, put.query], ['/containers/c1/archive', { path: '/tmp', noOverwriteDirNonDir: 'true', copyUIDGID: 'true' }]);
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (h, s, next) => {
    names.push(h.name);
    s.resume();
    s.on('end', next);
  });
  Readable.from([put.body as Buffer]).pipe(extract);
  await new Promise((r2) => extract.on('finish', r2));
  assert.deepEqual(names, ['new.txt']);
  const dir = await berth(['cp', join(src, 'dir'), 'c1:/tmp'], client);
  assert.equal(dir.code, 0);
  assert.deepEqual(client.calls.at(-1)?.query, { path: '/tmp', noOverwriteDirNonDir: 'true' });
  const stdin = await berth(['cp', '-', 'c1:/tmp/none'], client, { stdin: Readable.from([]) });
  assert.deepEqual([stdin.code, stdin.err], [1, 'destination "c1:/tmp/none" must be a directory\n']);
});

test('cp from a container: the tar lands under the wanted name; "-" streams it; errors like docker', async () => {
  const tarball = await makeTar([['dir/', 'directory'], ['dir/f.txt', 'file', 'hello\n']]);
  const stat = Buffer.from(JSON.stringify({ name: 'dir', size: 4096, mode: 2 ** 31 + 0o755, mtime: '', linkTarget: '' })).toString('base64');
  const client = containerClient((c) => {
    if (c.path === '/containers/nope/archive') return { error: [404, 'No such container: nope'] };
    return { body: tarball, headers: { 'X-Docker-Container-Path-Stat': stat } };
  });
  const dst = mkdtempSync(join(root, 'from-'));
  assert.equal((await berth(['cp', 'c1:/dir', join(dst, 'copy')], client)).code, 0);
  assert.equal(readFileSync(join(dst, 'copy/f.txt'), 'utf8'), 'hello\n');
  assert.equal((await berth(['cp', 'c1:/dir', dst], client)).code, 0);
  assert.equal(readFileSync(join(dst, 'dir/f.txt'), 'utf8'), 'hello\n');
  assert.deepEqual(client.calls.at(-1)?.query, { path: '/dir' });
  const raw = await berth(['cp', 'c1:/dir', '-'], client);
  assert.equal(raw.out.length, tarball.length);
  assert.equal((await berth(['cp', 'nope:/x', '-'], client)).err, 'Error response from daemon: No such container: nope\n');
  assert.equal((await berth(['cp', 'a:/x', 'b:/y'], client)).err, 'copying between containers is not supported\n');
  assert.equal((await berth(['cp', 'a', 'b'], client)).err, 'must specify at least one container source\n');
});
