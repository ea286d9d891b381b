/**
 * Image benchmarks: berthd against a scratch dockerd 20.10, in one run.
 *
 *   (a) `docker load` / `docker save` of a 256 MiB image (two layers of random
 *       bytes), docker CLI 28 against each daemon, median of 3;
 *   (b) `docker images` / `berth images` and a raw `GET /images/json` with 500
 *       distinct images present, median of 10;
 *   (c) idle RSS after the images are loaded: berthd vs dockerd + containerd.
 *
 * Run it with `bash bench/run.sh` (root; builds first). Everything lives in
 * BENCH_DIR (or a fresh temp dir), which is removed at the end; both daemons
 * are stopped in `finally`, also on failure or Ctrl-C.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import tar from 'tar-stream';
import { Berthd, DOCKER, Dockerd, type Engine, log, runBench, median, must, printTable, ROOT, type Row, rssKiB, rssLine, sh, timedGet, cleanupOnSignals, removeWork, randomLayer } from './lib.ts';

const BIG_LAYERS = Number(process.env.BENCH_BIG_LAYERS ?? 2);
const BIG_LAYER_MIB = Number(process.env.BENCH_BIG_MIB ?? 256) / BIG_LAYERS;
const MANY = Number(process.env.BENCH_IMAGES ?? 500);
const IO_RUNS = 3;
const LIST_RUNS = 10;

const WORK = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'berth-bench-'));
mkdirSync(WORK, { recursive: true });

// ---------- helpers ----------

function sha256(b: Buffer): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

// ---------- fixtures ----------

async function writeTar(path: string, fill: (pack: tar.Pack) => Promise<void>): Promise<void> {
  const pack = tar.pack();
  const out = createWriteStream(path);
  pack.pipe(out);
  await fill(pack);
  pack.finalize();
  await once(out, 'close');
}

function entry(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((res, rej) => pack.entry({ name, mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') }, data, (e) => (e ? rej(e) : res())));
}

function config(diffIds: string[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...extra },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
  }));
}

/** big.tar: one image, BIG_LAYERS layers of random data (a legacy docker-archive). */
async function makeBig(path: string): Promise<number> {
  let total = 0;
  await writeTar(path, async (pack) => {
    const diffIds: string[] = [];
    const layers: string[] = [];
    for (let i = 0; i < BIG_LAYERS; i++) {
      const layer = await randomLayer(`data/random-${i}.bin`, BIG_LAYER_MIB * 1024 * 1024);
      total += layer.length;
      diffIds.push(sha256(layer));
      layers.push(`l${i}/layer.tar`);
      await entry(pack, `l${i}/layer.tar`, layer);
    }
    const cfg = config(diffIds);
    const cfgName = `${sha256(cfg).slice(7)}.json`;
    await entry(pack, cfgName, cfg);
    await entry(pack, 'manifest.json', Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: ['bench/big:1'], Layers: layers }])));
  });
  return total;
}

/** many.tar: MANY distinct images (different labels) sharing one tiny layer. */
async function makeMany(path: string): Promise<void> {
  await writeTar(path, async (pack) => {
    const inner = await new Promise<Buffer>((res) => {
      const p = tar.pack();
      const chunks: Buffer[] = [];
      p.on('data', (c: Buffer) => chunks.push(c));
      p.on('end', () => res(Buffer.concat(chunks)));
      p.entry({ name: 'hello.txt', mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') }, 'hello\n');
      p.finalize();
    });
    const diffId = sha256(inner);
    await entry(pack, 'layer/layer.tar', inner);
    const manifest = [];
    for (let i = 0; i < MANY; i++) {
      const cfg = config([diffId], { Labels: { 'bench.n': String(i) } });
      const name = `${sha256(cfg).slice(7)}.json`;
      await entry(pack, name, cfg);
      manifest.push({ Config: name, RepoTags: [`bench/many${i}:latest`], Layers: ['layer/layer.tar'] });
    }
    await entry(pack, 'manifest.json', Buffer.from(JSON.stringify(manifest)));
  });
}

// ---------- measurements ----------

interface Figures {
  loadMs: number; saveMs: number; manyLoadMs: number; emptyCliMs: number;
  imagesCliMs: number; berthImagesMs?: number; imagesApiMs: number; imagesCount: number; rssMiB: number;
}

async function measure(e: Engine, big: string, many: string): Promise<Figures> {
  const env = { DOCKER_HOST: `unix://${e.sock}`, DOCKER_CONFIG: join(WORK, 'docker-config') };
  const docker = (args: string[]): ReturnType<typeof sh> => sh(DOCKER, args, env);
  log(`${e.name}: starting`);
  await e.start();
  log(rssLine(e, 'fresh'));
  const floor: number[] = [];
  for (let i = 0; i < LIST_RUNS; i++) floor.push(must(docker(['images']), 'images').ms);

  const loads: number[] = [];
  for (let i = 0; i < IO_RUNS; i++) {
    if (i > 0) must(docker(['rmi', 'bench/big:1']), 'rmi');
    loads.push(must(docker(['load', '-q', '-i', big]), 'load').ms);
    log(`${e.name}: load ${loads.at(-1)!.toFixed(0)} ms`);
  }
  const saves: number[] = [];
  const out = join(WORK, 'saved.tar');
  for (let i = 0; i < IO_RUNS; i++) {
    rmSync(out, { force: true });
    saves.push(must(docker(['save', '-o', out, 'bench/big:1']), 'save').ms);
    log(`${e.name}: save ${saves.at(-1)!.toFixed(0)} ms`);
  }
  rmSync(out, { force: true });
  log(rssLine(e, 'after load/save'));

  const manyLoad = must(docker(['load', '-q', '-i', many]), 'load many').ms;
  log(`${e.name}: loaded ${MANY} images in ${manyLoad.toFixed(0)} ms`);
  const count = docker(['images', '-q']).stdout.trim().split('\n').length;

  const cli: number[] = [];
  const berthCli: number[] = [];
  const api: number[] = [];
  for (let i = 0; i < LIST_RUNS; i++) {
    cli.push(must(docker(['images']), 'images').ms);
    if (e.name === 'berthd') berthCli.push(must(sh(process.execPath, [join(ROOT, 'bin/berth.js'), '-H', `unix://${e.sock}`, 'images']), 'berth images').ms);
    const g = await timedGet(e.sock, '/images/json');
    if (g.status !== 200) throw new Error(`GET /images/json: ${g.status}`);
    api.push(g.ms);
  }
  // Idle: let the load settle, then read RSS.
  await new Promise((r) => setTimeout(r, 5000));
  const rss = e.pids().reduce((sum, p) => sum + rssKiB(p), 0) / 1024;
  log(rssLine(e, 'idle'));
  return {
    loadMs: median(loads), saveMs: median(saves), manyLoadMs: manyLoad, emptyCliMs: median(floor),
    imagesCliMs: median(cli), berthImagesMs: berthCli.length ? median(berthCli) : undefined,
    imagesApiMs: median(api), imagesCount: count, rssMiB: rss,
  };
}

// ---------- main ----------

const engines: Engine[] = [];
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const e of engines) await e.stop().catch((err: unknown) => log(`stopping ${e.name}: ${String(err)}`));
  removeWork(WORK);
}
cleanupOnSignals(cleanup);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (dockerd needs it)');
  const big = join(WORK, 'big.tar');
  const many = join(WORK, 'many.tar');
  log(`writing fixtures in ${WORK}`);
  const bigBytes = await makeBig(big);
  await makeMany(many);
  log(`big image: ${(bigBytes / 1048576).toFixed(0)} MiB in ${BIG_LAYERS} layers; ${MANY} small images`);

  const results: Record<string, Figures> = {};
  for (const e of [new Berthd(WORK), new Dockerd(WORK)]) {
    engines.push(e);
    try {
      results[e.name] = await measure(e, big, many);
    } finally {
      log(`${e.name}: stopping`);
      await e.stop();
    }
  }
  const b = results.berthd;
  const d = results.dockerd;
  const rows: Row[] = [
    [`load ${(bigBytes / 1048576).toFixed(0)} MiB image (ms, median of ${IO_RUNS})`, b.loadMs, d.loadMs, '≤ dockerd'],
    [`save ${(bigBytes / 1048576).toFixed(0)} MiB image (ms, median of ${IO_RUNS})`, b.saveMs, d.saveMs, '≤ dockerd'],
    [`load ${MANY} small images, one archive (ms)`, b.manyLoadMs, d.manyLoadMs, ''],
    [`docker images, no images: CLI floor (ms, median of ${LIST_RUNS})`, b.emptyCliMs, d.emptyCliMs, ''],
    [`docker images, ${b.imagesCount}/${d.imagesCount} images (ms, median of ${LIST_RUNS})`, b.imagesCliMs, d.imagesCliMs, '< 50'],
    [`berth images (ms, median of ${LIST_RUNS})`, b.berthImagesMs, undefined, ''],
    [`GET /images/json (ms, median of ${LIST_RUNS})`, b.imagesApiMs, d.imagesApiMs, '< 50'],
    ['idle RSS (MiB; dockerd = dockerd + containerd)', b.rssMiB, d.rssMiB, '≤ 80'],
  ];
  printTable(rows);
}

await runBench(main, cleanup);
