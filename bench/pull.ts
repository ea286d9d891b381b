/**
 * Registry benchmarks: berthd against a scratch dockerd 20.10, in one run,
 * both pulling from and pushing to the same local docker-registry 2.8
 * (127.0.0.1, plain http: loopback is an insecure registry for both).
 *
 *   (a) pull of a single-layer 256 MiB image (random bytes, gzip), median of 3;
 *   (b) pull of a 10-layer 500 MiB image, median of 3;
 *   (c) push of a locally loaded 256 MiB layer (each run a fresh random layer,
 *       so nothing is already in the registry and the layer must be
 *       compressed), median of 3.
 *
 * Run it with `bash bench/run-pull.sh` (root; builds first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { Berthd, DOCKER, Dockerd, type Engine, log, runBench, median, must, printTable, type Row, sh, stopPid, cleanupOnSignals, removeWork, selectedEngines, randomLayer } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SINGLE_MIB = Number(process.env.BENCH_SINGLE_MIB ?? 256);
const MULTI_LAYERS = 10;
const MULTI_MIB = Number(process.env.BENCH_MULTI_MIB ?? 500);
const PUSH_MIB = Number(process.env.BENCH_PUSH_MIB ?? 256);
/** BENCH_PHASES=single,multi,push (the default: all three). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'single,multi,push').split(','));
const WORK = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'berth-bench-'));
mkdirSync(WORK, { recursive: true });

const sha256 = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

function config(diffIds: string[]): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds }, history: diffIds.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
  }));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

class Registry {
  proc?: ChildProcess;
  host = '';
  async start(): Promise<void> {
    const port = await freePort();
    this.host = `127.0.0.1:${port}`;
    const dir = join(WORK, 'registry');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${this.host}\n`);
    this.proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://${this.host}/v2/`).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('docker-registry did not start');
  }
  async blob(repo: string, data: Buffer): Promise<void> {
    const r = await fetch(`http://${this.host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    const loc = new URL(r.headers.get('location')!, `http://${this.host}/`);
    loc.searchParams.set('digest', sha256(data));
    const p = await fetch(loc, { method: 'PUT', body: data, headers: { 'Content-Type': 'application/octet-stream' } });
    if (p.status !== 201) throw new Error(`blob upload: ${p.status} ${await p.text()}`);
  }
  /** An image of `layers` random layers (gzip) under repo:latest. */
  async image(repo: string, layers: number, totalBytes: number): Promise<void> {
    const diffIds: string[] = [];
    const descs = [];
    for (let i = 0; i < layers; i++) {
      const tarBytes = await randomLayer(`data/random-${i}.bin`, Math.floor(totalBytes / layers));
      diffIds.push(sha256(tarBytes));
      const gz = gzipSync(tarBytes, { level: 0 }); // random bytes: what any level stores
      await this.blob(repo, gz);
      descs.push({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: gz.length, digest: sha256(gz) });
    }
    const cfg = config(diffIds);
    await this.blob(repo, cfg);
    const manifest = JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: cfg.length, digest: sha256(cfg) }, layers: descs,
    });
    const r = await fetch(`http://${this.host}/v2/${repo}/manifests/latest`, {
      method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    if (r.status !== 201) throw new Error(`manifest upload: ${r.status} ${await r.text()}`);
  }
  async stop(): Promise<void> { await stopPid(this.proc?.pid, 5000); }
}

/** A docker-archive with one fresh random layer, tagged `tag`. */
async function pushArchive(path: string, tag: string): Promise<void> {
  const layer = await randomLayer('data/push.bin', PUSH_MIB * 1024 * 1024);
  const cfg = config([sha256(layer)]);
  const pack = tar.pack();
  const out = createWriteStream(path);
  pack.pipe(out);
  const entry = (name: string, data: Buffer) => new Promise<void>((res, rej) => pack.entry({ name, mode: 0o644 }, data, (e) => (e ? rej(e) : res())));
  await entry('l/layer.tar', layer);
  await entry('config.json', cfg);
  await entry('manifest.json', Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: ['l/layer.tar'] }])));
  pack.finalize();
  await once(out, 'close');
}

interface Figures { singleMs: number; multiMs: number; pushMs: number }

async function measure(e: Engine, reg: Registry): Promise<Figures> {
  const env = { DOCKER_HOST: `unix://${e.sock}`, DOCKER_CONFIG: join(WORK, 'docker-config') };
  const docker = (args: string[]) => sh(DOCKER, args, env);
  log(`${e.name}: starting`);
  await e.start();
  const pull = (name: string): number[] => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = must(docker(['pull', '-q', name]), `${e.name} pull ${name}`);
      times.push(r.ms);
      must(docker(['rmi', name]), `${e.name} rmi ${name}`);
    }
    log(`${e.name}: pull ${name}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    return times;
  };
  const single = PHASES.has('single') ? pull(`${reg.host}/bench/single`) : [NaN];
  const multi = PHASES.has('multi') ? pull(`${reg.host}/bench/multi`) : [NaN];
  const pushes: number[] = [];
  for (let i = 0; i < (PHASES.has('push') ? RUNS : 0); i++) {
    const tag = `${reg.host}/bench/push-${e.name}-${i}:latest`;
    const archive = join(WORK, 'push.tar');
    await pushArchive(archive, tag);
    must(docker(['load', '-q', '-i', archive]), `${e.name} load`);
    rmSync(archive);
    pushes.push(must(docker(['push', tag]), `${e.name} push`).ms);
    must(docker(['rmi', tag]), `${e.name} rmi ${tag}`);
  }
  log(`${e.name}: push: ${pushes.map((t) => t.toFixed(0)).join(', ')} ms`);
  return { singleMs: median(single), multiMs: median(multi), pushMs: median(pushes) };
}

const engines: Engine[] = [];
const reg = new Registry();
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const e of engines) await e.stop().catch((err: unknown) => log(`stopping ${e.name}: ${String(err)}`));
  await reg.stop();
  removeWork(WORK);
}
cleanupOnSignals(cleanup);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (dockerd needs it)');
  await reg.start();
  log(`registry at ${reg.host}; uploading fixtures`);
  if (PHASES.has('single')) await reg.image('bench/single', 1, SINGLE_MIB * 1024 * 1024);
  if (PHASES.has('multi')) await reg.image('bench/multi', MULTI_LAYERS, MULTI_MIB * 1024 * 1024);
  const results: Record<string, Figures> = {};
  for (const e of selectedEngines([new Berthd(WORK), new Dockerd(WORK)])) {
    engines.push(e);
    try {
      results[e.name] = await measure(e, reg);
    } finally {
      log(`${e.name}: stopping`);
      await e.stop();
    }
  }
  const none = { singleMs: NaN, multiMs: NaN, pushMs: NaN };
  const b = results.berthd ?? none;
  const d = results.dockerd ?? none;
  const rows: Row[] = [
    [`pull 1-layer ${SINGLE_MIB} MiB image (ms, median of ${RUNS})`, b.singleMs, d.singleMs, '≤ 0.67 (1.5× faster)'],
    [`pull ${MULTI_LAYERS}-layer ${MULTI_MIB} MiB image (ms, median of ${RUNS})`, b.multiMs, d.multiMs, '≤ 0.67 (1.5× faster)'],
    [`push a loaded ${PUSH_MIB} MiB layer (ms, median of ${RUNS})`, b.pushMs, d.pushMs, '≤ 0.5 (2× faster)'],
  ];
  printTable(rows);
}

await runBench(main, cleanup);
