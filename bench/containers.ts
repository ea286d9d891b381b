/**
 * Container benchmarks: berthd against a scratch dockerd 20.10, in one run,
 * both driven by docker CLI 28 with the same busybox image and `--network none`
 * (networking is not compared).
 *
 *   (a) `docker run --rm --network none busybox true`: median of 15 after 2 warm-ups;
 *   (b) 100 × `docker run -d --network none busybox sleep 3600`, one after
 *       another: total wall time; then, with those 100 running, the daemon's
 *       RSS (berthd; dockerd + containerd) and the per-container supervisors'
 *       RSS (conmon for berthd, containerd-shim-runc-v2 for dockerd);
 *   (c) `docker ps -a` and a raw `GET /containers/json?all=1` with 1000
 *       containers (the 100 running + 900 `docker create`d), median of 10.
 *       The CLI's stdout goes to /dev/null, as hyperfine runs commands; the
 *       same command with its output read through a pipe by this script is
 *       shown too (the reader's share: about 20 ms for 1000 rows).
 *
 * Run it with `bash bench/run-containers.sh` (root; builds first). Everything
 * lives in BENCH_DIR (or a fresh temp dir), which is removed at the end; every
 * container is removed and both daemons are stopped in `finally`, also on
 * failure or Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  Berthd, DOCKER, Dockerd, type Engine, log, measureEach, median, must, printTable, procsMatching, ROOT, type Row,
  rssKiB, rssLine, runBench, sh, shAsync, shQuiet, type ShResult, sleep, timedGet, cleanupOnSignals, removeWork } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUPS = 2;
const DETACHED = Number(process.env.BENCH_DETACHED ?? 100);
const TOTAL = Number(process.env.BENCH_TOTAL ?? 1000);
const LIST_RUNS = 10;
const CREATE_PARALLEL = Number(process.env.BENCH_CREATE_PARALLEL ?? 4);
const RM_BATCH = 100;

const WORK = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'berth-bench-'));
mkdirSync(WORK, { recursive: true });
/** dockerd's containers go under a cgroup parent of their own, removed at the end. */
const DOCKER_CGROUP = `/berthbench-${basename(WORK)}`;

// ---------- helpers ----------

type Docker = (args: string[], input?: Buffer) => ShResult;

/** Run `n` commands, `par` at a time; returns the failures. */
async function parallel(n: number, par: number, one: (i: number) => Promise<ShResult>): Promise<ShResult[]> {
  const failures: ShResult[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: par }, async () => {
    while (next < n) {
      const r = await one(next++);
      if (r.code !== 0) failures.push(r);
    }
  }));
  return failures;
}

function reportFailures(e: Engine, what: string, failures: ShResult[]): void {
  if (!failures.length) return;
  log(`${e.name}: ${failures.length} × ${what} failed; first: rc ${failures[0].code}: ${(failures[0].stderr + failures[0].stdout).trim().slice(0, 500)}`);
}

/** Per-container supervisor processes of this engine (found by their command line naming its directory). */
function supervisors(e: Engine): number[] {
  const comm = e.name === 'berthd' ? 'conmon' : 'containerd-shim';
  return procsMatching(e.dir, comm).map((p) => p.pid);
}

/** What else of this engine runs, by command name (for the log). */
function processCensus(e: Engine): string {
  const counts = new Map<string, number>();
  for (const p of procsMatching(e.dir)) counts.set(p.comm, (counts.get(p.comm) ?? 0) + 1);
  return [...counts].map(([c, n]) => `${c} ×${n}`).join(', ');
}

/** Remove every container, RM_BATCH ids per `docker rm -f`; returns the time taken. */
function removeAll(e: Engine, docker: Docker): number {
  const t0 = Date.now();
  for (let round = 0; round < 3; round++) {
    const ids = docker(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    if (!ids.length) break;
    for (let i = 0; i < ids.length; i += RM_BATCH) {
      const r = docker(['rm', '-f', ...ids.slice(i, i + RM_BATCH)]);
      if (r.code !== 0) log(`${e.name}: docker rm -f (batch ${i / RM_BATCH}) failed (${r.code}): ${r.stderr.trim().slice(0, 500)}`);
    }
  }
  const left = docker(['ps', '-aq']).stdout.split('\n').filter(Boolean).length;
  if (left) log(`${e.name}: ${left} containers left after docker rm -f`);
  return Date.now() - t0;
}

// ---------- measurements ----------

interface Figures {
  psFloorMs: number; pingMs: number; listBytes: number;
  runRmMs: number; runRmFailures: number;
  detachedMs: number; detachedFailures: number;
  rss100MiB: number; supervisors: number; supervisorMeanMiB: number; supervisorTotalMiB: number;
  createMs: number; createFailures: number;
  psCount: number; psCliMs: number; psPipeMs: number; psApiMs: number; apiCount: number;
  rss1000MiB: number; rmAllMs: number;
}

/** Fills `f` as it goes, so that a failure part-way keeps what was measured. */
async function measure(e: Engine, busybox: Buffer, f: Partial<Figures>): Promise<void> {
  const env = { DOCKER_HOST: `unix://${e.sock}`, DOCKER_CONFIG: join(WORK, 'docker-config') };
  const docker: Docker = (args, input) => sh(DOCKER, args, env, input);
  const quiet = (args: string[]): ShResult => shQuiet(DOCKER, args, env);
  log(`${e.name}: starting`);
  await e.start();
  try {
    must(docker(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busybox), 'docker import busybox');
    log(rssLine(e, 'fresh'));
    const floor: number[] = [];
    for (let i = 0; i < LIST_RUNS; i++) floor.push(must(quiet(['ps', '-a']), 'ps').ms);
    f.psFloorMs = median(floor);
    const pings: number[] = [];
    for (let i = 0; i < LIST_RUNS; i++) pings.push((await timedGet(e.sock, '/_ping')).ms);
    f.pingMs = median(pings);

    // (a) run --rm true
    const runs: number[] = [];
    const runFailures: ShResult[] = [];
    for (let i = 0; i < WARMUPS + RUNS; i++) {
      const r = docker(['run', '--rm', '--network', 'none', 'busybox', 'true']);
      if (r.code !== 0 || r.stdout || r.stderr) runFailures.push(r);
      if (i >= WARMUPS) runs.push(r.ms);
    }
    reportFailures(e, 'docker run --rm busybox true', runFailures);
    log(`${e.name}: run --rm true: ${runs.map((m) => m.toFixed(0)).join(' ')} ms`);
    f.runRmMs = median(runs);
    f.runRmFailures = runFailures.length;
    const leftover = docker(['ps', '-aq']).stdout.split('\n').filter(Boolean).length;
    if (leftover) log(`${e.name}: ${leftover} containers still exist after the --rm runs`);

    // (b) 100 detached sleepers, one after another
    const detachedFailures: ShResult[] = [];
    const t0 = Date.now();
    for (let i = 0; i < DETACHED; i++) {
      const r = docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600']);
      if (r.code !== 0) detachedFailures.push(r);
    }
    const detachedMs = Date.now() - t0;
    reportFailures(e, 'docker run -d busybox sleep 3600', detachedFailures);
    log(`${e.name}: ${DETACHED} × run -d in ${detachedMs} ms`);
    f.detachedMs = detachedMs;
    f.detachedFailures = detachedFailures.length;
    await sleep(2000);
    const running = docker(['ps', '-q']).stdout.split('\n').filter(Boolean).length;
    if (running !== DETACHED - detachedFailures.length) log(`${e.name}: ${running} running, expected ${DETACHED - detachedFailures.length}`);
    const rss100 = e.pids().reduce((s, p) => s + rssKiB(p), 0) / 1024;
    log(rssLine(e, `${running} running`));
    const sup = supervisors(e);
    const supRss = sup.map((p) => rssKiB(p) / 1024).filter((v) => !Number.isNaN(v));
    const supTotal = supRss.reduce((s, v) => s + v, 0);
    log(`${e.name}: ${sup.length} supervisors, VmRSS mean ${(supTotal / (supRss.length || 1)).toFixed(2)} MiB, total ${supTotal.toFixed(0)} MiB`);
    log(`${e.name}: processes naming ${e.dir}: ${processCensus(e)}`);
    Object.assign(f, { rss100MiB: rss100, supervisors: sup.length, supervisorMeanMiB: supTotal / (supRss.length || 1), supervisorTotalMiB: supTotal });

    // (c) 1000 containers in all, then list them
    const toCreate = Math.max(0, TOTAL - DETACHED);
    const tc = Date.now();
    const createFailures = await parallel(toCreate, CREATE_PARALLEL, () => shAsync(DOCKER, ['create', '--network', 'none', 'busybox', 'true'], env));
    const createMs = Date.now() - tc;
    reportFailures(e, 'docker create busybox true', createFailures);
    log(`${e.name}: ${toCreate} × create (${CREATE_PARALLEL} at a time) in ${createMs} ms`);
    f.createMs = createMs;
    f.createFailures = createFailures.length;
    const psCount = must(docker(['ps', '-aq']), 'ps -aq').stdout.split('\n').filter(Boolean).length;
    const cli: number[] = [];
    const piped: number[] = [];
    const api: number[] = [];
    let apiCount = 0;
    for (let i = 0; i < LIST_RUNS; i++) {
      cli.push(must(quiet(['ps', '-a']), 'ps -a').ms);
      const p = must(docker(['ps', '-a']), 'ps -a');
      if (p.stdout.trim().split('\n').length !== psCount + 1) throw new Error(`docker ps -a printed ${p.stdout.trim().split('\n').length - 1} rows, not ${psCount}`);
      piped.push(p.ms);
      const g = await timedGet(e.sock, '/containers/json?all=1');
      if (g.status !== 200) throw new Error(`GET /containers/json?all=1: ${g.status} ${g.body.toString().slice(0, 300)}`);
      apiCount = (JSON.parse(g.body.toString()) as unknown[]).length;
      f.listBytes = g.bytes;
      api.push(g.ms);
    }
    log(`${e.name}: ps -a (${psCount}): ${cli.map((m) => m.toFixed(0)).join(' ')} ms; read through a pipe: ${piped.map((m) => m.toFixed(0)).join(' ')} ms; GET (${apiCount}): ${api.map((m) => m.toFixed(1)).join(' ')} ms`);
    const rss1000 = e.pids().reduce((s, p) => s + rssKiB(p), 0) / 1024;
    log(rssLine(e, `${psCount} containers`));

    Object.assign(f, { psCount, psCliMs: median(cli), psPipeMs: median(piped), psApiMs: median(api), apiCount, rss1000MiB: rss1000 });

    f.rmAllMs = removeAll(e, docker);
    log(`${e.name}: removed all containers in ${f.rmAllMs} ms`);
  } finally {
    // On failure too: no container of ours outlives the run.
    if (docker(['ps', '-aq']).stdout.trim()) removeAll(e, docker);
    log(`${e.name}: stopping`);
    await e.stop();
    const left = procsMatching(e.dir);
    if (left.length) log(`${e.name}: still running after stop: ${left.map((p) => `${p.pid} ${p.comm}`).join(', ')}`);
  }
}

// ---------- main ----------

const engines: Engine[] = [];
let cleaned = false;

function removeDockerCgroups(): void {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, DOCKER_CGROUP);
    if (!existsSync(dir)) continue;
    try { rmdirSync(dir); } catch (err) { log(`cgroup ${dir} not removed: ${String(err)}`); }
  }
}

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const e of engines) await e.stop().catch((err: unknown) => log(`stopping ${e.name}: ${String(err)}`));
  removeDockerCgroups();
  const left = procsMatching(WORK);
  if (left.length) log(`left running: ${left.map((p) => `${p.pid} ${p.comm}`).join(', ')} (run-containers.sh stops them)`);
  removeWork(WORK);
}
cleanupOnSignals(cleanup);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (dockerd needs it)');
  const rootfs = spawnSync('bash', [join(ROOT, 'scripts/busybox-rootfs.sh')], { maxBuffer: 1 << 28 });
  if (rootfs.status !== 0) throw new Error(`busybox-rootfs.sh: ${rootfs.stderr.toString()}`);
  log(`busybox rootfs: ${(rootfs.stdout.length / 1048576).toFixed(1)} MiB; work dir ${WORK}`);

  const { results, failed } = await measureEach<Figures>([new Berthd(WORK), new Dockerd(WORK, ['--cgroup-parent', DOCKER_CGROUP])], engines,
    (e, into) => measure(e, rootfs.stdout, into));
  const b = results.berthd;
  const d = results.dockerd;
  const third = (v: number | undefined): string => (v === undefined ? '≤ ⅓' : `≤ ${v >= 100 ? (v / 3).toFixed(0) : (v / 3).toFixed(1)} (⅓)`);
  const sum = (...xs: (number | undefined)[]): number | undefined => (xs.some((x) => x === undefined) ? undefined : xs.reduce<number>((s, x) => s + x!, 0));
  const rows: Row[] = [
    [`docker ps -a > /dev/null, no containers: CLI floor (ms, median of ${LIST_RUNS})`, b.psFloorMs, d.psFloorMs, ''],
    [`GET /_ping (ms, median of ${LIST_RUNS})`, b.pingMs, d.pingMs, ''],
    [`docker run --rm --network none busybox true (ms, median of ${RUNS})`, b.runRmMs, d.runRmMs, third(d.runRmMs)],
    [`${DETACHED} × docker run -d … sleep 3600, one after another (ms)`, b.detachedMs, d.detachedMs, third(d.detachedMs)],
    [`daemon RSS, ${DETACHED} running (MiB; dockerd = dockerd + containerd)`, b.rss100MiB, d.rss100MiB, '≤ 150'],
    [`supervisors (conmon / containerd-shim) found`, b.supervisors, d.supervisors, String(DETACHED)],
    ['supervisor RSS per container (MiB, mean VmRSS)', b.supervisorMeanMiB, d.supervisorMeanMiB, '≤ 3'],
    ['supervisor RSS, all (MiB)', b.supervisorTotalMiB, d.supervisorTotalMiB, ''],
    [`${TOTAL - DETACHED} × docker create, ${CREATE_PARALLEL} at a time (ms)`, b.createMs, d.createMs, ''],
    [`docker ps -a > /dev/null, ${b.psCount ?? '-'}/${d.psCount ?? '-'} containers (ms, median of ${LIST_RUNS})`, b.psCliMs, d.psCliMs, '< 50'],
    [`  the same, output read through a pipe by the bench (ms)`, b.psPipeMs, d.psPipeMs, ''],
    [`GET /containers/json?all=1, ${b.apiCount ?? '-'}/${d.apiCount ?? '-'} (ms, median of ${LIST_RUNS})`, b.psApiMs, d.psApiMs, '< 50'],
    ['GET /containers/json?all=1 body (KiB)', b.listBytes === undefined ? undefined : b.listBytes / 1024, d.listBytes === undefined ? undefined : d.listBytes / 1024, ''],
    [`daemon RSS, ${TOTAL} containers (MiB)`, b.rss1000MiB, d.rss1000MiB, ''],
    [`docker rm -f all, ${RM_BATCH} per call (ms)`, b.rmAllMs, d.rmAllMs, ''],
    ['failed commands (run --rm / run -d / create)', sum(b.runRmFailures, b.detachedFailures, b.createFailures), sum(d.runRmFailures, d.detachedFailures, d.createFailures), '0'],
  ];
  printTable(rows);
  if (failed) process.exitCode = 1;
}

await runBench(main, cleanup);
