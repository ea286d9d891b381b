/**
 * Shared helpers for the benchmarks: running the docker CLI, timing requests
 * over a unix socket, reading RSS, and starting / stopping berthd and a
 * scratch dockerd 20.10 in a directory of their own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { basename, join, resolve } from 'node:path';
import tar from 'tar-stream';

export const ROOT = resolve(import.meta.dirname, '..');
export const DOCKER = existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : 'docker';

export const log = (msg: string): void => { process.stderr.write(`[bench] ${msg}\n`); };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface ShResult { code: number; stdout: string; stderr: string; ms: number }

export function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: Buffer): ShResult {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 28, env: { ...process.env, ...env }, input });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '', ms };
}

/** Like sh with stdout to /dev/null, as hyperfine runs a command: the time of the command, not of a reader of its output. */
export function shQuiet(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ShResult {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 28, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { code: r.status ?? -1, stdout: '', stderr: r.stderr?.toString() ?? '', ms };
}

/** Like sh, without blocking the event loop (for running several at once). */
export function shAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ShResult> {
  return new Promise((res) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('error', (e) => res({ code: -1, stdout: '', stderr: String(e), ms: 0 }));
    p.on('close', (code) => res({
      code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(),
      ms: Number(process.hrtime.bigint() - t0) / 1e6,
    }));
  });
}

export function must(r: ShResult, what: string): ShResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

export function ping(sock: string): Promise<boolean> {
  return new Promise((res) => {
    const rq = request({ socketPath: sock, path: '/_ping' }, (r) => { r.resume(); res(r.statusCode === 200); });
    rq.on('error', () => res(false));
    rq.end();
  });
}

/** Time one GET over the socket, to the last byte of the body. */
export function timedGet(sock: string, path: string): Promise<{ ms: number; status: number; bytes: number; body: Buffer }> {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const rq = request({ socketPath: sock, path, headers: { Host: 'docker' } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => { chunks.push(c); });
      r.on('end', () => {
        const body = Buffer.concat(chunks);
        res({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: r.statusCode ?? 0, bytes: body.length, body });
      });
    });
    rq.on('error', rej);
    rq.end();
  });
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export function rssKiB(pid: number, field = 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch { return NaN; }
}

export function rssLine(e: Engine, when: string): string {
  const parts = e.pids().map((p) => `pid ${p}: VmRSS ${(rssKiB(p) / 1024).toFixed(1)} MiB (anon ${(rssKiB(p, 'RssAnon') / 1024).toFixed(1)}, file ${(rssKiB(p, 'RssFile') / 1024).toFixed(1)})`);
  return `${e.name}: RSS ${when}: ${parts.join('; ')}`;
}

/** Processes whose command line contains `needle` (optionally: whose comm starts with `comm`). */
export function procsMatching(needle: string, comm?: string): { pid: number; comm: string; cmdline: string }[] {
  const out: { pid: number; comm: string; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const c = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm && !c.startsWith(comm)) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmdline.includes(needle)) out.push({ pid, comm: c, cmdline });
    } catch { /* gone */ }
  }
  return out;
}

export async function waitExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  return !alive(pid);
}

export async function stopPid(pid: number | undefined, graceMs = 20000): Promise<void> {
  if (!pid || !alive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  if (!(await waitExit(pid, graceMs))) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } await waitExit(pid, 5000); }
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')));
}

// ---------- daemons ----------

export interface Engine {
  name: string;
  dir: string;
  sock: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** PIDs whose RSS counts as the engine's footprint. */
  pids(): number[];
}

/** Node flags for berthd alone, from BENCH_BERTHD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p" or "--trace-gc"). */
const berthdNodeArgs = (): string[] => (process.env.BENCH_BERTHD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

/** The engines a benchmark measures: BENCH_ENGINES=berthd (or dockerd) measures one alone. */
export function selectedEngines(all: Engine[]): Engine[] {
  const only = process.env.BENCH_ENGINES?.split(',').map((s) => s.trim()).filter(Boolean);
  return only?.length ? all.filter((e) => only.includes(e.name)) : all;
}

export class Berthd implements Engine {
  name = 'berthd';
  dir: string;
  sock: string;
  proc?: ChildProcess;
  extraArgs: string[];
  /** A cgroup parent of its own (removed at stop), unless the caller names one. */
  cgroupParent?: string;
  constructor(work: string, extraArgs: string[] = []) {
    this.dir = join(work, 'berthd');
    this.sock = join(this.dir, 'berth.sock');
    this.extraArgs = extraArgs;
    if (!extraArgs.includes('--cgroup-parent')) {
      this.cgroupParent = `/berthbench-berthd-${basename(work)}`;
      this.extraArgs = [...extraArgs, '--cgroup-parent', this.cgroupParent];
    }
  }
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'daemon.json'), '{}');
    const out = openSync(join(this.dir, 'berthd.log'), 'a');
    this.proc = spawn(process.execPath, [...berthdNodeArgs(), join(ROOT, 'bin/berthd.js'), '--data-root', join(this.dir, 'root'), '--exec-root', join(this.dir, 'exec'),
      '-H', `unix://${this.sock}`, '--pidfile', join(this.dir, 'berthd.pid'), '--config-file', join(this.dir, 'daemon.json'), ...this.extraArgs], { stdio: ['ignore', out, out] });
    closeSync(out);
    await waitReady(this.sock, () => this.proc?.exitCode ?? null, join(this.dir, 'berthd.log'));
  }
  async stop(): Promise<void> {
    await stopPid(this.proc?.pid);
    if (this.cgroupParent) removeCgroup(this.cgroupParent);
  }
  pids(): number[] { return this.proc?.pid ? [this.proc.pid] : []; }
}

/** Remove a cgroup the bench's daemon made, in every hierarchy: its empty directories, deepest first. */
export function removeCgroup(path: string): void {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, path);
    if (!existsSync(dir)) continue;
    const dirs: string[] = [];
    const walk = (d: string): void => {
      dirs.push(d);
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    };
    try {
      walk(dir);
      for (const d of dirs.reverse()) rmdirSync(d);
    } catch (err) { log(`cgroup ${dir} not removed: ${String(err)}`); }
  }
}

export class Dockerd implements Engine {
  name = 'dockerd';
  dir: string;
  sock: string;
  proc?: ChildProcess;
  extraArgs: string[];
  constructor(work: string, extraArgs: string[] = []) {
    this.dir = join(work, 'dockerd');
    this.sock = join(this.dir, 'docker.sock');
    this.extraArgs = extraArgs;
  }
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const out = openSync(join(this.dir, 'dockerd.log'), 'a');
    this.proc = spawn('dockerd', ['--data-root', join(this.dir, 'root'), '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'docker.pid'), '-H', `unix://${this.sock}`, '--bridge', 'none', '--iptables=false', '--ip-masq=false',
      '--containerd-namespace', 'berthbench', '--containerd-plugins-namespace', 'berthbenchp', ...this.extraArgs], { stdio: ['ignore', out, out] });
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

export async function waitReady(sock: string, exited: () => number | null, logFile: string): Promise<void> {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (exited() !== null) throw new Error(`daemon exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    if (await ping(sock)) return;
    await sleep(100);
  }
  throw new Error(`daemon did not answer on ${sock}`);
}

// ---------- output ----------

export type Row = [metric: string, berthd: number | undefined, dockerd: number | undefined, target: string];

/** Print rows as a markdown table: metric, berthd, dockerd, ratio (berthd / dockerd), target. */
export function printTable(rows: Row[]): void {
  const fmt = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '-' : v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1));
  const table = [['metric', 'berthd', 'dockerd', 'ratio', 'target'],
    ...rows.map(([m, bv, dv, t]) => [m, fmt(bv), fmt(dv), bv !== undefined && dv ? (bv / dv).toFixed(2) : '-', t])];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (r: string[]): string => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(table[0]));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of table.slice(1)) console.log(line(r));
}

/** Run a benchmark's main, log a failure (exit code 1), and always clean up after it. */
export async function runBench(main: () => Promise<void>, cleanup: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

/**
 * Measure each engine in turn (they are kept in `started` for the cleanup);
 * a failure is logged and marks the run failed, and the next engine still runs.
 */
export async function measureEach<F>(engines: Engine[], started: Engine[], measure: (e: Engine, figures: Partial<F>) => Promise<void>): Promise<{ results: Record<string, Partial<F>>; failed: boolean }> {
  const results: Record<string, Partial<F>> = {};
  let failed = false;
  for (const e of engines) {
    started.push(e);
    results[e.name] = {};
    try {
      await measure(e, results[e.name]);
    } catch (err) {
      failed = true;
      log(`${e.name}: failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  }
  return { results, failed };
}

/** The run's scratch directory goes when nothing is mounted under it any more (BENCH_KEEP keeps it). */
export function removeWork(work: string): void {
  if (mountsUnder(work).length === 0) {
    if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  } else log(`mounts left under ${work}; not removing it`);
}

/** Ctrl-C or SIGTERM still runs the benchmark's cleanup. */
export function cleanupOnSignals(cleanup: () => Promise<void>): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void cleanup().finally(() => process.exit(130)); });
}

/** A layer tar holding one file `name` of `bytes` random (incompressible) bytes. */
export function randomLayer(name: string, bytes: number): Promise<Buffer> {
  return new Promise((res, rej) => {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => res(Buffer.concat(chunks)));
    pack.on('error', rej);
    const w = pack.entry({ name, size: bytes, mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') }, (e) => { if (e) rej(e); else pack.finalize(); });
    for (let off = 0; off < bytes; off += 1 << 20) w.write(randomBytes(Math.min(1 << 20, bytes - off)));
    w.end();
  });
}
