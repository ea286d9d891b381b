/** The filesystem driver: atomic replace, cut-back appends, ranged reads, and no escape from the root. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { PathNotFoundError } from '../../core/registry/errors.ts';
import { FsDriver } from './fs-driver.ts';

describe('FsDriver', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-fsdriver-'));
  const d = new FsDriver(root);
  after(() => rmSync(root, { recursive: true, force: true }));

  it('replaces content atomically and leaves no temporary file', async () => {
    await d.putContent('a/b/link', Buffer.from('one'));
    const readers = Array.from({ length: 50 }, async () => (await d.getContent('a/b/link')).toString());
    const writes = Array.from({ length: 50 }, (_v, i) => d.putContent('a/b/link', Buffer.from(i % 2 ? 'one' : 'two')));
    const seen = await Promise.all([...readers, ...writes.map(async () => 'one')]);
    await Promise.all(writes);
    for (const s of seen) assert.ok(s === 'one' || s === 'two', s);
    assert.deepEqual(readdirSync(join(root, 'a/b')), ['link']);
  });

  it('cuts a failed append back to its old size', async () => {
    await d.append('up/data', Readable.from([Buffer.from('hello')]));
    const failing = new Readable({ read() { this.push(Buffer.from('partial')); this.destroy(new Error('dropped')); } });
    await assert.rejects(d.append('up/data', failing), /dropped/);
    assert.equal((await d.getContent('up/data')).toString(), 'hello');
  });

  it('reads ranges and reports missing paths', async () => {
    await d.putContent('r/data', Buffer.from('0123456789'));
    const chunks: Buffer[] = [];
    for await (const c of await d.reader('r/data', 2, 5)) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), '2345');
    await assert.rejects(d.getContent('nope'), PathNotFoundError);
    await assert.rejects(d.reader('nope'), PathNotFoundError);
    assert.equal(await d.stat('nope'), null);
    assert.deepEqual(await d.list('nope'), []);
  });

  it('refuses keys that leave the root or name temporary files', async () => {
    for (const k of ['../x', 'a/../../x', 'a/.tmp-123']) await assert.rejects(d.putContent(k, Buffer.from('x')), /storage path/);
  });

  it('moves a file into place', async () => {
    await d.putContent('m/src', Buffer.from('blob'));
    await d.move('m/src', 'm/dst/data');
    assert.equal((await d.getContent('m/dst/data')).toString(), 'blob');
    assert.equal(await d.stat('m/src'), null);
  });
});
