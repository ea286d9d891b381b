/**
 * The same conformance suite against Debian's `docker-registry`
 * (distribution 2.8.2), with its known failures listed: each must fail
 * there, so the suite keeps testing what it claims to.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { defineSuite } from './suite.ts';

const have = spawnSync('sh', ['-c', 'command -v docker-registry']).status === 0;

export const DISTRIBUTION_KNOWN_FAILURES: Record<string, string> = {
  'pull: blob GET with Range gives 206 and Content-Range': 'a Range past the end of the blob breaks the connection',
  'blob push: monolithic POST ?digest=': 'ignores ?digest= on POST (answers 202)',
  'blob chunked: out-of-order chunk gives 416 with Range': 'accepts a chunk whose Content-Range does not continue the upload',
  'tag listing: sorted list': 'tags come in storage order, not lexical order',
  'blob push: sha512 digest': 'no sha512 support',
  'blob mount: anonymous mount without from': 'mount needs from',
  'manifest push: oversized manifest gives 413': 'no manifest size limit',
  'manifest push: sha512 by digest': 'no sha512 support',
  'tag listing: n and last pagination with Link': 'no tag pagination in 2.8',
  'referrers: lists artifacts with subject, filters by artifactType': 'no referrers API',
  'referrers: unknown subject gives an empty index': 'no referrers API',
  'deletes: tag': 'deleting a tag is unsupported in 2.8',
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let dir = '';
let proc: ChildProcess | undefined;
let url = '';

before(async () => {
  if (!have) return;
  dir = mkdtempSync(join(tmpdir(), 'berth-distribution-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'config.yml'), [
    'version: 0.1', 'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}`,
    `http: {addr: "127.0.0.1:${port}"}`, '',
  ].join('\n'));
  proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(url + '/v2/').then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('docker-registry did not start');
});

after(() => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

defineSuite('distribution 2.8.2', () => ({ url }), DISTRIBUTION_KNOWN_FAILURES, { skip: have ? false : 'docker-registry is not installed' });
