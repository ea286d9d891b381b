import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { contextFromDir, contextFromStdin } from './build-context.ts';

const root = mkdtempSync(join(tmpdir(), 'berth-bctx-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function members(body: NodeJS.ReadableStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  const r = spawnSync('tar', ['-tv', '--numeric-owner', '-f', '-'], { input: Buffer.concat(chunks) });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout.toString().trim().split('\n').map((l) => `${l.split(/\s+/)[1]} ${l.split(/\s+/).at(-1)}`);
}

test('a directory context leaves out .dockerignore matches but keeps the Dockerfile and .dockerignore', async () => {
  const dir = join(root, 'a');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM x\n');
  writeFileSync(join(dir, '.dockerignore'), 'Dockerfile\n.dockerignore\n*.secret\nlogs\n!logs/keep\n');
  writeFileSync(join(dir, 'a.secret'), 's');
  writeFileSync(join(dir, 'ok'), 'o');
  writeFileSync(join(dir, 'logs/keep'), 'k');
  writeFileSync(join(dir, 'logs/drop'), 'd');
  const ctx = await contextFromDir(dir, '');
  assert.equal(ctx.dockerfile, 'Dockerfile');
  assert.deepEqual((await members(ctx.body)).sort(), ['0/0 .dockerignore', '0/0 Dockerfile', '0/0 logs/keep', '0/0 ok']);
});

test('a Dockerfile outside the context travels as .dockerfile.<random>', async () => {
  const dir = join(root, 'b');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'f'), 'f');
  writeFileSync(join(root, 'Outside.df'), 'FROM y\n');
  const ctx = await contextFromDir(dir, join(root, 'Outside.df'));
  assert.match(ctx.dockerfile, /^\.dockerfile\.[a-f0-9]{20}$/);
  assert.deepEqual((await members(ctx.body)).map((m) => m.split(' ')[1]).sort(), [ctx.dockerfile, 'f'].sort());
  await assert.rejects(contextFromDir(join(root, 'nope'), ''), /unable to prepare context: path ".*nope" not found/);
});

test('stdin: a tar passes through, anything else is a Dockerfile', async () => {
  const { PassThrough } = await import('node:stream');
  const plain = new PassThrough();
  plain.end('FROM busybox\n');
  const ctx = await contextFromStdin(plain);
  assert.deepEqual(await members(ctx.body), ['0/0 Dockerfile']);
  const tar = spawnSync('tar', ['-c', '-C', root, 'Outside.df']).stdout;
  const t = new PassThrough();
  t.end(tar);
  assert.deepEqual((await members((await contextFromStdin(t)).body)).map((m) => m.split(' ')[1]), ['Outside.df']);
});

test('the context is whole even when it is read a while after it was made (tar has exited by then)', async () => {
  const dir = join(root, 'late');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM x\n');
  writeFileSync(join(dir, 'data'), 'x'.repeat(100_000));
  const ctx = await contextFromDir(dir, '');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual((await members(ctx.body)).sort(), ['0/0 Dockerfile', '0/0 data']);
});
