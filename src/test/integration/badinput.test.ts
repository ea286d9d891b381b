import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pack } from 'tar-stream';
import { Daemon, busyboxRootfs } from './harness.ts';

type Entry = { name: string; type?: 'file' | 'symlink' | 'link' | 'directory'; body?: string | Buffer; linkname?: string };

function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    const body = e.body === undefined ? undefined : Buffer.from(e.body);
    p.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, size: body?.length, mode: e.type === 'directory' ? 0o755 : 0o644 }, body);
  }
  p.finalize();
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    p.on('data', (c: Buffer) => chunks.push(c));
    p.on('end', () => res(Buffer.concat(chunks)));
    p.on('error', rej);
  });
}

describe('bad input never writes outside, never leaves half state', () => {
  const d = new Daemon();
  let outside: string;
  before(async () => {
    outside = join(d.dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim'), 'original');
    await d.start();
  });
  after(() => d.cleanup());

  const layerDirs = (): string[] => readdirSync(join(d.dataRoot, 'overlay2')).filter((n) => n !== 'l');
  const imageCount = async (): Promise<number> => JSON.parse((await d.http('GET', '/images/json?all=1')).body).length;

  it('contains escaping layer tarballs (.., absolute, symlink and hard-link tricks)', async () => {
    const cases: Entry[][] = [
      [{ name: '../../../escape-dotdot', body: 'x' }],
      [{ name: `${outside}/escape-abs`, body: 'x' }],
      [{ name: 'link', type: 'symlink', linkname: outside }, { name: 'link/through-symlink', body: 'x' }],
      [{ name: 'a', type: 'directory' }, { name: 'a/b', type: 'symlink', linkname: '../../../../../../../..' + outside }, { name: 'a/b/nested', body: 'x' }],
      [{ name: 'hard', type: 'link', linkname: `${outside}/victim` }, { name: 'hard', body: 'overwritten' }],
      [{ name: 'hard2', type: 'link', linkname: '../../../../../../../../..' + outside + '/victim' }],
    ];
    for (const [i, entries] of cases.entries()) {
      const tar = await tarOf(entries);
      d.docker(['import', '-', `escape:${i}`], tar);
    }
    assert.deepEqual(readdirSync(outside), ['victim']);
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'original');
    assert.ok(!existsSync('/escape-dotdot') && !existsSync(join(d.dir, 'escape-dotdot')));
  });

  it('rejects corrupt and truncated archives with a clear error and nothing left', async () => {
    const beforeDirs = layerDirs().length;
    const beforeImages = await imageCount();
    const garbage = d.docker(['load'], Buffer.from('this is not a tar archive at all'.repeat(100)));
    assert.notEqual(garbage.code, 0);
    assert.ok(garbage.stderr.trim().length > 0);
    // A real archive cut in the middle of a layer.
    const tarPath = join(d.dir, 'good.tar');
    d.docker(['import', '-', 'trunc:1'], busyboxRootfs());
    assert.equal(d.docker(['save', '-o', tarPath, 'trunc:1']).code, 0);
    d.docker(['rmi', 'trunc:1']);
    const { readFileSync } = await import('node:fs');
    const full = readFileSync(tarPath);
    const cut = d.docker(['load'], full.subarray(0, Math.floor(full.length / 2)));
    assert.notEqual(cut.code, 0);
    // A manifest pointing at a missing file.
    const bogus = await tarOf([{ name: 'manifest.json', body: JSON.stringify([{ Config: 'nope.json', RepoTags: ['x:1'], Layers: ['l.tar'] }]) }]);
    const missing = d.docker(['load'], bogus);
    assert.notEqual(missing.code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await imageCount(), beforeImages);
    assert.equal(layerDirs().length, beforeDirs);
  });

  it('rejects bad references, changes and parameters with docker wording', async () => {
    const upper = await d.http('POST', '/images/create?fromSrc=-&repo=Busy', Buffer.alloc(1024));
    assert.match(upper.body, /must be lowercase/);
    const change = d.docker(['import', '-c', 'RUN echo hi', '-', 'c:1'], Buffer.alloc(1024));
    assert.notEqual(change.code, 0);
    assert.match(change.stderr, /run is not a valid change command/);
    const tag = await d.http('POST', '/images/nosuch/tag?repo=x&tag=1');
    assert.equal(tag.status, 404);
    const badTag = d.docker(['tag', 'escape:0', 'bad tag']);
    assert.notEqual(badTag.code, 0);
    assert.match(badTag.stderr, /invalid reference format/);
  });

  it('holds an image of another platform to --platform on create and push, with dockerd\'s NotFound', async () => {
    const host = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const other = host === 'amd64' ? 'arm64' : 'amd64';
    assert.equal(d.docker(['import', '--platform', `linux/${other}`, '-', 'foreign:1'], busyboxRootfs()).code, 0);
    const made = d.docker(['create', '--platform', `linux/${other}`, 'foreign:1', 'true']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(d.docker(['rm', made.stdout.trim()]).code, 0);
    const body = JSON.stringify({ Image: 'foreign:1', Cmd: ['true'] });
    const wrong = await d.http('POST', `/containers/create?platform=linux/${host}`, body);
    assert.equal(wrong.status, 404);
    assert.equal(JSON.parse(wrong.body).message, `image with reference foreign:1 was found but does not match the specified platform: wanted linux/${host}, actual: linux/${other}`);
    const bad = await d.http('POST', '/containers/create?platform=linux//x', body);
    assert.equal(bad.status, 400);
    // push: refused before any registry is asked
    const push = d.docker(['push', '--platform', `linux/${host}`, 'foreign:1']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, new RegExp(`image with reference docker.io/library/foreign:1 was found but does not match the specified platform: wanted linux/${host}, actual: linux/${other}`));
    const viaBerth = d.berth(['push', '--platform', `linux/${host}`, 'foreign:1']);
    assert.notEqual(viaBerth.code, 0);
    assert.match(viaBerth.stderr, /was found but does not match the specified platform/);
    const junk = await d.http('POST', `/images/foreign:1/push?platform=${encodeURIComponent('{"os":')}`);
    assert.equal(junk.status, 400);
    assert.match(JSON.parse(junk.body).message, /^failed to parse platform: /);
    assert.equal(JSON.parse((await d.http('GET', '/containers/json?all=1')).body).length, 0, 'no container left by the refused creates');
  });

  it('push of a tag that is not here: the stream\'s header, then the error in it, as dockerd', () => {
    for (const args of [['push', 'localhost:1/nosuch'], ['push', '-a', 'localhost:1/nosuch']]) {
      const r = d.docker(args);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^(Using default tag: latest\n)?The push refers to repository \[localhost:1\/nosuch\]\n$/);
      assert.equal(r.stderr.trim(), 'An image does not exist locally with the tag: localhost:1/nosuch');
    }
  });
});
