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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import tar from 'tar-stream';

const ROOT = resolve(import.meta.dirname, '..');
const DOCKER = existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : 'docker';
const BIG_LAYERS = Number(process.env.BENCH_BIG_LAYERS ?? 2);
const BIG_LAYER_MIB = Number(process.env.BENCH_BIG_MIB ?? 256) / BIG_LAYERS;
const MANY = Number(process.env.BENCH_IMAGES ?? 500);
const IO_RUNS = 3;
const LIST_RUNS = 10;

const log = (msg: string): void => { process.stderr.write(`[bench] ${msg}\n`); };

const WORK = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'berth-bench-'));
mkdirSync(WORK, { recursive: true });

// ---------- helpers ----------

function sha256(b: Buffer): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string; ms: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 28, env: { ...process.env, ...env } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '', ms };
}

function must(r: ReturnType<typeof sh>, what: string): ReturnType<typeof sh> {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

function ping(sock: string): Promise<boolean> {
  return new Promise((res) => {
    const rq = request({ socketPath: sock, path: '/_ping' }, (r) => { r.resume(); res(r.statusCode === 200); });
    rq.on('error', () => res(false));
    rq.end();
  });
}

/** Time one GET over the socket, to the last byte of the body. */
function timedGet(sock: string, path: string): Promise<{ ms: number; status: number; bytes: number }> {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const rq = request({ socketPath: sock, path, headers: { Host: 'docker' } }, (r) => {
      let bytes = 0;
      r.on('data', (c: Buffer) => { bytes += c.length; });
      r.on('end', () => res({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: r.statusCode ?? 0, bytes }));
    });
    rq.on('error', rej);
    rq.end();
  });
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function rssKiB(pid: number, field = 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function rssLine(e: Engine, when: string): string {
  const parts = e.pids().map((p) => `pid ${p}: VmRSS ${(rssKiB(p) / 1024).toFixed(1)} MiB (anon ${(rssKiB(p, 'RssAnon') / 1024).toFixed(1)}, file ${(rssKiB(p, 'RssFile') / 1024).toFixed(1)})`);
  return `${e.name}: RSS ${when}: ${parts.join('; ')}`;
}

async function waitExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

async function stopPid(pid: number | undefined): Promise<void> {
  if (!pid || !alive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  if (!(await waitExit(pid, 20000))) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } await waitExit(pid, 5000); }
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')));
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

/** A layer tar holding one file of `mib` MiB of random bytes; returns its bytes. */
function randomLayer(name: string, mib: number): Promise<Buffer> {
  return new Promise((res, rej) => {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => res(Buffer.concat(chunks)));
    pack.on('error', rej);
    const size = mib * 1024 * 1024;
    const w = pack.entry({ name, size, mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') }, (e) => { if (e) rej(e); else pack.finalize(); });
    for (let off = 0; off < size; off += 1 << 20) w.write(randomBytes(Math.min(1 << 20, size - off)));
    w.end();
  });
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
      const layer = await randomLayer(`data/random-${i}.bin`, BIG_LAYER_MIB);
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

// ---------- daemons ----------

interface Engine {
  name: string;
  sock: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** PIDs whose RSS counts as the engine's idle footprint. */
  pids(): number[];
}

class Berthd implements Engine {
  name = 'berthd';
  dir = join(WORK, 'berthd');
  sock = join(this.dir, 'berth.sock');
  proc?: ChildProcess;
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'daemon.json'), '{}');
    const out = openSync(join(this.dir, 'berthd.log'), 'a');
    this.proc = spawn(process.execPath, [join(ROOT, 'bin/berthd.js'), '--data-root', join(this.dir, 'root'), '--exec-root', join(this.dir, 'exec'),
      '-H', `unix://${this.sock}`, '--pidfile', join(this.dir, 'berthd.pid'), '--config-file', join(this.dir, 'daemon.json')], { stdio: ['ignore', out, out] });
    closeSync(out);
    await waitReady(this.sock, () => this.proc?.exitCode ?? null, join(this.dir, 'berthd.log'));
  }
  async stop(): Promise<void> { await stopPid(this.proc?.pid); }
  pids(): number[] { return this.proc?.pid ? [this.proc.pid] : []; }
}

class Dockerd implements Engine {
  name = 'dockerd';
  dir = join(WORK, 'dockerd');
  sock = join(this.dir, 'docker.sock');
  proc?: ChildProcess;
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const out = openSync(join(this.dir, 'dockerd.log'), 'a');
    this.proc = spawn('dockerd', ['--data-root', join(this.dir, 'root'), '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'docker.pid'), '-H', `unix://${this.sock}`, '--bridge', 'none', '--iptables=false', '--ip-masq=false',
      '--containerd-namespace', 'berthbench', '--containerd-plugins-namespace', 'berthbenchp'], { stdio: ['ignore', out, out] });
    closeSync(out);
    await waitReady(this.sock, () => this.proc?.exitCode ?? null, join(this.dir, 'dockerd.log'));
  }
  containerdPid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dir, 'exec/containerd/containerd.pid'), 'utf8').trim());
      if (pid > 0) return pid;
    } catch { /* fall back to the child list */ }
    const me = this.proc?.pid;
    if (!me) return undefined;
    try {
      const kids = readFileSync(`/proc/${me}/task/${me}/children`, 'utf8').trim().split(/\s+/).map(Number);
      return kids.find((k) => readFileSync(`/proc/${k}/comm`, 'utf8').trim() === 'containerd');
    } catch { return undefined; }
  }
  async stop(): Promise<void> {
    const ctd = this.containerdPid();
    await stopPid(this.proc?.pid);
    await stopPid(ctd);
    for (const m of mountsUnder(this.dir).reverse()) spawnSync('umount', ['-l', m]);
  }
  pids(): number[] {
    const c = this.containerdPid();
    return [this.proc?.pid, c].filter((p): p is number => !!p);
  }
}

async function waitReady(sock: string, exited: () => number | null, logFile: string): Promise<void> {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (exited() !== null) throw new Error(`daemon exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    if (await ping(sock)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`daemon did not answer on ${sock}`);
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
  if (mountsUnder(WORK).length === 0) {
    if (!process.env.BENCH_KEEP) rmSync(WORK, { recursive: true, force: true });
  } else log(`mounts left under ${WORK}; not removing it`);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void cleanup().finally(() => process.exit(130)); });

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (dockerd needs it)');
  const big = join(WORK, 'big.tar');
  const many = join(WORK, 'many.tar');
  log(`writing fixtures in ${WORK}`);
  const bigBytes = await makeBig(big);
  await makeMany(many);
  log(`big image: ${(bigBytes / 1048576).toFixed(0)} MiB in ${BIG_LAYERS} layers; ${MANY} small images`);

  const results: Record<string, Figures> = {};
  for (const e of [new Berthd(), new Dockerd()]) {
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
  const rows: [string, number | undefined, number | undefined, string][] = [
    [`load ${(bigBytes / 1048576).toFixed(0)} MiB image (ms, median of ${IO_RUNS})`, b.loadMs, d.loadMs, '≤ dockerd'],
    [`save ${(bigBytes / 1048576).toFixed(0)} MiB image (ms, median of ${IO_RUNS})`, b.saveMs, d.saveMs, '≤ dockerd'],
    [`load ${MANY} small images, one archive (ms)`, b.manyLoadMs, d.manyLoadMs, ''],
    [`docker images, no images: CLI floor (ms, median of ${LIST_RUNS})`, b.emptyCliMs, d.emptyCliMs, ''],
    [`docker images, ${b.imagesCount}/${d.imagesCount} images (ms, median of ${LIST_RUNS})`, b.imagesCliMs, d.imagesCliMs, '< 50'],
    [`berth images (ms, median of ${LIST_RUNS})`, b.berthImagesMs, undefined, ''],
    [`GET /images/json (ms, median of ${LIST_RUNS})`, b.imagesApiMs, d.imagesApiMs, '< 50'],
    ['idle RSS (MiB; dockerd = dockerd + containerd)', b.rssMiB, d.rssMiB, '≤ 80'],
  ];
  const fmt = (v: number | undefined): string => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const table = [['metric', 'berthd', 'dockerd', 'ratio', 'target'], ...rows.map(([m, bv, dv, t]) => [m, fmt(bv), fmt(dv), bv !== undefined && dv ? (bv / dv).toFixed(2) : '-', t])];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (r: string[]): string => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(table[0]));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of table.slice(1)) console.log(line(r));
}

try {
  await main();
} catch (err) {
  log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
