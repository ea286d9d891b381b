/**
 * Registry benchmarks: `berth registry serve` against Debian's
 * `docker-registry` (distribution 2.8.2), in the same run, on loopback, each
 * with its own scratch storage:
 *
 *   (a) one 256 MiB blob (random bytes): upload (POST + streamed PUT) and
 *       download (GET), MB/s;
 *   (b) 50 concurrent clients pulling a 10-layer image (manifest by tag,
 *       config, 10 × 256 KiB layers) over keep-alive connections for
 *       BENCH_SECONDS (default 10): requests per second;
 *   (c) `GET /v2/_catalog?n=10000` with 10,000 repositories: ms.
 *
 * Both servers run side by side and each measurement alternates between
 * them, BENCH_ROUNDS times (default 5); the table gives medians.
 * Run with `bash bench/run-registry.sh`. Prints a table with ratios
 * (berth / distribution; for catalog ms, lower is better).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';

const ROOT = resolve(import.meta.dirname, '..');
const BIG_MIB = Number(process.env.BENCH_BLOB_MIB ?? 256);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const REPOS = Number(process.env.BENCH_REPOS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

interface Target { name: string; url: string; root: string; proc: ChildProcess }

async function waitUp(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`${url}: server exited ${proc.exitCode}`);
    if (await fetch(url + '/v2/').then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not come up`);
}

async function startBerth(dir: string): Promise<Target> {
  const port = await freePort();
  const root = join(dir, 'berth');
  const proc = spawn(process.execPath, [join(ROOT, 'bin/berth.js'), 'registry', 'serve', '--addr', `127.0.0.1:${port}`, '--root', root,
    '--access-log=false', '--catalog-max-entries', String(REPOS)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url, proc);
  return { name: 'berth', url, root, proc };
}

async function startDistribution(dir: string): Promise<Target> {
  const port = await freePort();
  const root = join(dir, 'distribution');
  writeFileSync(join(dir, 'config.yml'), [
    'version: 0.1', 'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${root}}, cache: {blobdescriptor: inmemory}}`,
    `http: {addr: "127.0.0.1:${port}"}`, `catalog: {maxentries: ${REPOS}}`, '',
  ].join('\n'));
  const proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url, proc);
  return { name: 'distribution', url, root, proc };
}

function req(url: string, method: string, opts: { agent?: Agent; body?: Buffer | Readable; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number; body: Buffer }> {
  return new Promise((resolvePromise, reject) => {
    const u = new URL(url);
    const rq = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: opts.agent, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      const keep = (res.headers['content-type'] ?? '').includes('json') || method !== 'GET';
      res.on('data', (c: Buffer) => { bytes += c.length; if (keep || bytes < 1 << 20) chunks.push(c); });
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, bytes, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    rq.on('error', reject);
    if (opts.body instanceof Readable) opts.body.pipe(rq);
    else rq.end(opts.body);
  });
}

async function pushBlob(t: Target, repo: string, data: Buffer | (() => Readable), digest: string, size: number): Promise<void> {
  const p = await req(`${t.url}/v2/${repo}/blobs/uploads/`, 'POST', { headers: { 'Content-Length': '0' } });
  if (p.status !== 202) throw new Error(`${t.name}: POST ${p.status}`);
  const loc = new URL(p.headers.location as string, t.url);
  loc.searchParams.set('digest', digest);
  const body = typeof data === 'function' ? data() : data;
  const r = await req(loc.href, 'PUT', { body, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) } });
  if (r.status !== 201) throw new Error(`${t.name}: PUT ${r.status} ${r.body}`);
}

/** A readable of `mib` MiB made of one repeated random 1 MiB chunk (hashing it is the client's cost, equal for both). */
function bigSource(chunk: Buffer, mib: number): () => Readable {
  return () => Readable.from((function* () { for (let i = 0; i < mib; i++) yield chunk; })());
}

async function blobOnce(t: Target, chunk: Buffer, digest: string, i: number): Promise<{ up: number; down: number }> {
  const size = chunk.length * BIG_MIB;
  const repo = `bench/big${i}`;
  const t0 = performance.now();
  await pushBlob(t, repo, bigSource(chunk, BIG_MIB), digest, size);
  const up = size / 1e6 / ((performance.now() - t0) / 1000);
  const t1 = performance.now();
  const g = await req(`${t.url}/v2/${repo}/blobs/${digest}`, 'GET');
  if (g.status !== 200 || g.bytes !== size) throw new Error(`${t.name}: GET big ${g.status} ${g.bytes}`);
  return { up, down: size / 1e6 / ((performance.now() - t1) / 1000) };
}

async function setupPull(t: Target): Promise<void> {
  const layers = Array.from({ length: 10 }, () => randomBytes(256 << 10));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(sha256) } }));
  for (const b of [config, ...layers]) await pushBlob(t, 'bench/pull', b, sha256(b), b.length);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha256(l), size: l.length })),
  }));
  const put = await req(`${t.url}/v2/bench/pull/manifests/latest`, 'PUT', { body: manifest, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' } });
  if (put.status !== 201) throw new Error(`${t.name}: manifest ${put.status} ${put.body}`);
}

async function benchPull(t: Target): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const accept = { Accept: 'application/vnd.docker.distribution.manifest.v2+json' };
  let count = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < end) {
      const m = await req(`${t.url}/v2/bench/pull/manifests/latest`, 'GET', { agent, headers: accept });
      if (m.status !== 200) throw new Error(`${t.name}: manifest GET ${m.status}`);
      const doc = JSON.parse(m.body.toString());
      count++;
      for (const d of [doc.config, ...doc.layers]) {
        const b = await req(`${t.url}/v2/bench/pull/blobs/${d.digest}`, 'GET', { agent });
        if (b.status !== 200 || b.bytes !== d.size) throw new Error(`${t.name}: blob GET ${b.status}`);
        count++;
      }
    }
  }));
  agent.destroy();
  return count / ((performance.now() - t0) / 1000);
}

function makeRepos(t: Target, manifestLink: Buffer): void {
  const repos = join(t.root, 'docker/registry/v2/repositories');
  for (let i = 0; i < REPOS; i++) {
    const repo = join(repos, `cat/repo${String(i).padStart(5, '0')}`);
    mkdirSync(join(repo, '_manifests/tags/latest/current'), { recursive: true });
    writeFileSync(join(repo, '_manifests/tags/latest/current/link'), manifestLink);
    // distribution 2.8 finds repositories by their _layers directory.
    mkdirSync(join(repo, '_layers'), { recursive: true });
  }
}

async function catalogOnce(t: Target): Promise<number> {
  const t0 = performance.now();
  const r = await req(`${t.url}/v2/_catalog?n=${REPOS}`, 'GET');
  const ms = performance.now() - t0;
  const n = JSON.parse(r.body.toString()).repositories.length;
  if (n < REPOS) throw new Error(`${t.name}: catalog returned ${n}`);
  return ms;
}

async function stop(t: Target | undefined): Promise<void> {
  const p = t?.proc;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  setTimeout(() => p.kill('SIGKILL'), 5000).unref();
  await gone;
}

const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'berth-bench-registry-'));
let berth: Target | undefined;
let dist: Target | undefined;
process.once('SIGINT', () => { void Promise.all([stop(berth), stop(dist)]).then(() => process.exit(130)); });
try {
  const chunk = randomBytes(1 << 20);
  const h = createHash('sha256');
  for (let i = 0; i < BIG_MIB; i++) h.update(chunk);
  const bigDigest = 'sha256:' + h.digest('hex');
  // Both servers run side by side and every measurement alternates between them,
  // so that a busy machine slows both alike.
  berth = await startBerth(dir);
  dist = await startDistribution(dir);
  const m: Record<string, { up: number[]; down: number[]; rps: number[]; cat: number[] }> = {
    berth: { up: [], down: [], rps: [], cat: [] }, distribution: { up: [], down: [], rps: [], cat: [] },
  };
  log(`${ROUNDS} rounds of a ${BIG_MIB} MiB blob up and down`);
  for (let i = 0; i < ROUNDS; i++) {
    for (const t of [berth, dist]) {
      const r = await blobOnce(t, chunk, bigDigest, i);
      m[t.name].up.push(r.up);
      m[t.name].down.push(r.down);
    }
  }
  for (const t of [berth, dist]) await setupPull(t);
  log(`${ROUNDS} rounds of ${CLIENTS} clients pulling a 10-layer image for ${SECONDS} s`);
  for (let i = 0; i < ROUNDS; i++) for (const t of [berth, dist]) m[t.name].rps.push(await benchPull(t));
  log(`catalog of ${REPOS} repositories`);
  const link = Buffer.from('sha256:' + '0'.repeat(64));
  for (const t of [berth, dist]) makeRepos(t, link);
  // berth indexes repositories when it starts and on every push: restart it to see those made on disk.
  await stop(berth);
  berth = await startBerth(dir);
  for (let i = 0; i < ROUNDS; i++) for (const t of [berth, dist]) m[t.name].cat.push(await catalogOnce(t));
  const b = m.berth;
  const d = m.distribution;
  for (const [k, v] of Object.entries(m)) log(`${k}: ${Object.entries(v).map(([x, xs]) => `${x} ${xs.map((n) => n.toFixed(0)).join('/')}`).join(', ')}`);
  const row = (name: string, x: number[], y: number[], target: string) => {
    const [mx, my] = [median(x), median(y)];
    console.log(`| ${name} | ${mx.toFixed(1)} | ${my.toFixed(1)} | ${(mx / my).toFixed(2)} | ${target} |`);
  };
  console.log(`| metric (median of ${ROUNDS}, alternating) | berth | distribution 2.8.2 | ratio | target |`);
  console.log('|---|---:|---:|---:|---|');
  row(`${BIG_MIB} MiB blob upload (MB/s)`, b.up, d.up, '>= 1.0x');
  row(`${BIG_MIB} MiB blob download (MB/s)`, b.down, d.down, '>= 1.0x');
  row(`${CLIENTS} clients pulling 10 layers (req/s)`, b.rps, d.rps, '>= 1.0x');
  row(`_catalog, ${REPOS} repos (ms)`, b.cat, d.cat, 'berth < 100 ms');
} finally {
  await Promise.all([stop(berth), stop(dist)]);
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
}
