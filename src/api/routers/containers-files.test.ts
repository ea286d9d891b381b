import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { CommitOptions, ContainerFilesBackend, ContainerPathStat, ExtractOptions } from '../../core/containers/files-types.ts';
import { NotFoundError } from '../../core/errors.ts';
import { apiListener } from '../server.ts';
import { containerFileRoutes, pathStatHeader } from './containers-files.ts';

const STAT: ContainerPathStat = { name: 'hello', size: 3, mode: 420, mtime: '2024-01-01T00:00:00Z', linkTarget: '' };
const calls: { commit?: CommitOptions; extract?: { path: string; body: string; opts: ExtractOptions } } = {};

const backend: ContainerFilesBackend = {
  async exportRootfs(id, open) {
    if (id !== 'c1') throw new NotFoundError(`No such container: ${id}`);
    open().write('TAR');
  },
  async changes(id) {
    return id === 'c1' ? [{ Path: '/hello', Kind: 1 }] : [];
  },
  async statPath(_id, path) {
    if (path !== '/hello') throw new NotFoundError(`Could not find the file ${path} in container c1`);
    return STAT;
  },
  async archivePath(_id, path, open) {
    if (path !== '/hello') throw new NotFoundError(`Could not find the file ${path} in container c1`);
    open(STAT).write('DATA');
  },
  async extractToDir(_id, path, input: Readable, opts) {
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(c as Buffer);
    calls.extract = { path, body: Buffer.concat(chunks).toString(), opts };
  },
  async commit(opts) {
    calls.commit = opts;
    return { id: `sha256:${'a'.repeat(64)}` };
  },
};

const dir = mkdtempSync(join(tmpdir(), 'berth-files-api-'));
const sock = join(dir, 'api.sock');
const server = createServer(apiListener({ routes: containerFileRoutes(backend), logger: { debug() {}, error() {} }, serverHeader: 'test' }));

before(() => new Promise<void>((r) => server.listen(sock, r)));
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, path: string, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const rq = request({ socketPath: sock, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    rq.on('error', reject);
    rq.end(body);
  });
}

test('HEAD/GET archive: stat header as base64 JSON, errors as JSON before any byte', async () => {
  const head = await call('HEAD', '/v1.50/containers/c1/archive?path=/hello');
  assert.equal(head.status, 200);
  assert.deepEqual(JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()), STAT);
  assert.equal(pathStatHeader(STAT), Buffer.from('{"name":"hello","size":3,"mode":420,"mtime":"2024-01-01T00:00:00Z","linkTarget":""}').toString('base64'));
  const get = await call('GET', '/containers/c1/archive?path=/hello');
  assert.equal(get.status, 200);
  assert.equal(get.headers['content-type'], 'application/x-tar');
  assert.equal(get.body, 'DATA');
  const missing = await call('GET', '/containers/c1/archive?path=/nope');
  assert.equal(missing.status, 404);
  assert.deepEqual(JSON.parse(missing.body), { message: 'Could not find the file /nope in container c1' });
  assert.equal((await call('HEAD', '/containers/c1/archive?path=/nope')).status, 404);
  const empty = await call('GET', '/containers/c1/archive');
  assert.equal(empty.status, 400);
  assert.deepEqual(JSON.parse(empty.body), { message: 'bad parameter: pathcannot be empty' });
});

test('PUT archive passes the body and docker\'s boolean form values', async () => {
  const put = await call('PUT', '/containers/c1/archive?path=/tmp&noOverwriteDirNonDir=true&copyUIDGID=1', 'tarbytes');
  assert.equal(put.status, 200);
  assert.deepEqual(calls.extract, { path: '/tmp', body: 'tarbytes', opts: { noOverwriteDirNonDir: true, copyUIDGID: true } });
  await call('PUT', '/containers/c1/archive?path=/tmp&noOverwriteDirNonDir=false', '');
  assert.deepEqual(calls.extract?.opts, { noOverwriteDirNonDir: false, copyUIDGID: false });
});

test('export, changes and commit', async () => {
  const exp = await call('GET', '/containers/c1/export');
  assert.deepEqual([exp.status, exp.headers['content-type'], exp.body], [200, 'application/x-tar', 'TAR']);
  assert.equal((await call('GET', '/containers/zz/export')).status, 404);
  assert.deepEqual(JSON.parse((await call('GET', '/containers/c1/changes')).body), [{ Path: '/hello', Kind: 1 }]);
  assert.equal((await call('GET', '/containers/c2/changes')).body, 'null\n', 'dockerd sends null and a newline, as Go json.Encoder does for no changes');
  const res = await call('POST', '/v1.50/commit?container=c1&repo=img&tag=1&comment=msg&author=me&changes=CMD%20%5B%22cat%22%5D&changes=ENV%20A%3Db', 'null');
  assert.equal(res.status, 201);
  assert.deepEqual(JSON.parse(res.body), { Id: `sha256:${'a'.repeat(64)}` });
  assert.deepEqual(calls.commit, { container: 'c1', repo: 'img', tag: '1', comment: 'msg', author: 'me', changes: ['CMD ["cat"]', 'ENV A=b'], pause: true, config: null });
  await call('POST', '/commit?container=c1&pause=0');
  assert.equal(calls.commit?.pause, false);
  await call('POST', '/commit?container=c1', JSON.stringify({ Cmd: ['x'] }));
  assert.deepEqual(calls.commit?.config, { Cmd: ['x'] });
});
