import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanSource, contentHash, planCopy, resolveSources } from './copy.ts';

describe('COPY sources and destinations', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-copy-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'dir/sub'), { recursive: true });
  writeFileSync(join(root, 'a.txt'), 'a');
  writeFileSync(join(root, 'b.txt'), 'b');
  writeFileSync(join(root, 'dir/x'), 'x');
  writeFileSync(join(root, 'dir/sub/y'), 'y');
  symlinkSync('/etc/passwd', join(root, 'escape'));
  const notDir = async (): Promise<boolean> => false;

  it('refuses paths outside the context', () => {
    assert.throws(() => cleanSource('../x'), /COPY failed: forbidden path outside the build context: \.\.\/x \(\)/);
    assert.throws(() => cleanSource('a/../../x', 'ADD'), /ADD failed: forbidden path/);
    assert.equal(cleanSource('/a/./b/'), 'a/b');
    assert.equal(cleanSource('.'), '');
  });

  it('expands globs and fails when nothing matches', async () => {
    const s = await resolveSources(root, ['*.txt'], 'COPY');
    assert.deepEqual(s.map((x) => x.rel), ['a.txt', 'b.txt']);
    await assert.rejects(resolveSources(root, ['*.none'], 'COPY'), /COPY failed: no source files were specified/);
    await assert.rejects(resolveSources(root, ['nope'], 'COPY'), /file not found in build context or excluded by \.dockerignore: stat nope: file does not exist/);
  });

  it('hides what .dockerignore excludes', async () => {
    await assert.rejects(resolveSources(root, ['a.txt'], 'COPY', (r) => r === 'a.txt'), /excluded by \.dockerignore/);
    const s = await resolveSources(root, ['*.txt'], 'COPY', (r) => r === 'a.txt');
    assert.deepEqual(s.map((x) => x.rel), ['b.txt']);
  });

  it('keeps a symlink that points outside inside the context', async () => {
    await assert.rejects(resolveSources(root, ['escape'], 'COPY'), /file not found/);
  });

  it('copies a file to a path, or into a directory ending in /', async () => {
    const [a] = await resolveSources(root, ['a.txt'], 'COPY');
    assert.deepEqual(await planCopy([a], '/dst/new', notDir, 'COPY').then((p) => [p.dir, p.entries.map((e) => e.name)]), ['/dst', ['new']]);
    assert.deepEqual(await planCopy([a], '/dst/', notDir, 'COPY').then((p) => [p.dir, p.entries.map((e) => e.name)]), ['/dst', ['a.txt']]);
    assert.deepEqual(await planCopy([a], '/existing', async () => true, 'COPY').then((p) => [p.dir, p.entries.map((e) => e.name)]), ['/existing', ['a.txt']]);
  });

  it('copies the contents of a directory, not the directory itself', async () => {
    const s = await resolveSources(root, ['dir'], 'COPY');
    const p = await planCopy(s, '/app', notDir, 'COPY');
    assert.equal(p.dir, '/app');
    assert.deepEqual(p.entries.map((e) => e.name), ['sub', 'sub/y', 'x']);
  });

  it('keeps the source paths with --parents', async () => {
    const s = await resolveSources(root, ['dir/sub/y', 'a.txt'], 'COPY');
    const p = await planCopy(s, '/dst/', notDir, 'COPY', undefined, true);
    assert.equal(p.dir, '/dst');
    assert.deepEqual(p.entries.map((e) => e.name), ['dir', 'dir/sub', 'dir/sub/y', 'a.txt']);
  });

  it('needs a destination ending in / for several sources', async () => {
    const s = await resolveSources(root, ['a.txt', 'b.txt'], 'COPY');
    await assert.rejects(planCopy(s, '/x', notDir, 'COPY'), /When using COPY with more than one source file, the destination must be a directory and end with a \//);
  });

  it('hashes contents and modes, not modification times', async () => {
    const s = await resolveSources(root, ['dir'], 'COPY');
    const entries = async (): Promise<Awaited<ReturnType<typeof planCopy>>['entries']> => (await planCopy(await resolveSources(root, ['dir'], 'COPY'), '/x/', notDir, 'COPY')).entries;
    const h1 = await contentHash(s, await entries());
    assert.match(h1, /^dir:[a-f0-9]{64}$/);
    utimesSync(join(root, 'dir/x'), new Date(2000, 1, 1), new Date(2000, 1, 1));
    assert.equal(await contentHash(s, await entries()), h1);
    writeFileSync(join(root, 'dir/x'), 'changed');
    assert.notEqual(await contentHash(s, await entries()), h1);
  });
});
