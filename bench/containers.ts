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
 *       shown too (the reader's share: about 20 ms for 1000 rows), and the
 *       same command against a stand-in that replays the daemon's recorded
 *       list at once (bench/replay.ts): the CLI's own time for that list.
 *
 * Both daemons run side by side for the whole run and take turns (see
 * inTurns()): the runs of (a) and the listings go in blocks of 5, the 100
 * runs of (b) in blocks of 10 (BENCH_BLOCK), so that a drift of the
 * machine's speed weighs on both alike; before each block the bench waits
 * until neither daemon uses CPU (quiesce()). BENCH_ENGINES=berthd (or
 * dockerd) measures one alone.
 *
 * Run it with `bash bench/run-containers.sh` (root; builds first). Everything
 * lives in BENCH_DIR (or a fresh temp dir), which is removed at the end; every
 * container is removed and both daemons are stopped in `finally`, also on
 * failure or Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Docker, inTurns, perSide, side, type Side } from './turns.ts';
import { type Replay, startReplay } from './replay.ts';
import { tmpdir } from 'node:os';
import {
  Berthd, DOCKER, Dockerd, type Engine, log, median, must, printTable, procsMatching, ROOT, type Row,
  removeCgroup, rssKiB, rssLine, runBench, selectedEngines, shAsync, shQuiet, type ShResult, sleep, timedGet, cleanupOnSignals, removeWork } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUPS = 2;
const DETACHED = Number(process.env.BENCH_DETACHED ?? 100);
const TOTAL = Number(process.env.BENCH_TOTAL ?? 1000);
const LIST_RUNS = 10;
const CREATE_PARALLEL = Number(process.env.BENCH_CREATE_PARALLEL ?? 4);
const RM_BATCH = 100;
const BLOCK = Number(process.env.BENCH_BLOCK ?? 10);
const RUN_BLOCK = 5;
const LIST_BLOCK = 5;

const WORK = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'berth-bench-'));
mkdirSync(WORK, { recursive: true });
/** dockerd's containers go under a cgroup parent of their own, removed at the end. */
const DOCKER_CGROUP = `/berthbench-${basename(WORK)}`;

// ---------- helpers ----------


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
  psCount: number; psCliMs: number; psPipeMs: number; psApiMs: number; apiCount: number; psReplayMs: number;
  rss1000MiB: number; rmAllMs: number;
}

type S = Side<Figures>;

async function measure(sides: S[], busybox: Buffer): Promise<void> {
  for (const s of sides) {
    must(s.docker(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busybox), `${s.e.name}: docker import busybox`);
    log(rssLine(s.e, 'fresh'));
  }
  const floor = perSide<number, S>(sides);
  const pings = perSide<number, S>(sides);
  await inTurns(sides, LIST_RUNS, LIST_BLOCK, async (s) => {
    floor.get(s)!.push(must(s.quiet(['ps', '-a']), 'ps').ms);
    pings.get(s)!.push((await timedGet(s.e.sock, '/_ping')).ms);
  });
  for (const s of sides) Object.assign(s.f, { psFloorMs: median(floor.get(s)!), pingMs: median(pings.get(s)!) });

  // (a) run --rm true: warm-ups, then RUNS each
  const runs = perSide<number, S>(sides);
  const runFailures = perSide<ShResult, S>(sides);
  const runRm = (s: S): ShResult => {
    const r = s.docker(['run', '--rm', '--network', 'none', 'busybox', 'true']);
    if (r.code !== 0 || r.stdout || r.stderr) runFailures.get(s)!.push(r);
    return r;
  };
  for (const s of sides) for (let i = 0; i < WARMUPS; i++) runRm(s);
  await inTurns(sides, RUNS, RUN_BLOCK, (s) => { runs.get(s)!.push(runRm(s).ms); });
  for (const s of sides) {
    reportFailures(s.e, 'docker run --rm busybox true', runFailures.get(s)!);
    log(`${s.e.name}: run --rm true: ${runs.get(s)!.map((m) => m.toFixed(0)).join(' ')} ms`);
    Object.assign(s.f, { runRmMs: median(runs.get(s)!), runRmFailures: runFailures.get(s)!.length });
    const leftover = s.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean).length;
    if (leftover) log(`${s.e.name}: ${leftover} containers still exist after the --rm runs`);
  }

  // (b) 100 detached sleepers, one after another: the sum of the runs' times
  const detached = perSide<number, S>(sides);
  const detachedFailures = perSide<ShResult, S>(sides);
  await inTurns(sides, DETACHED, BLOCK, (s) => {
    const r = s.docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600']);
    if (r.code !== 0) detachedFailures.get(s)!.push(r);
    detached.get(s)!.push(r.ms);
  });
  await sleep(2000);
  for (const s of sides) {
    const times = detached.get(s)!;
    const total = times.reduce((a, b) => a + b, 0);
    const blockSums = Array.from({ length: Math.ceil(times.length / BLOCK) }, (_, k) => times.slice(k * BLOCK, (k + 1) * BLOCK).reduce((a, b) => a + b, 0));
    reportFailures(s.e, 'docker run -d busybox sleep 3600', detachedFailures.get(s)!);
    log(`${s.e.name}: ${DETACHED} × run -d in ${total.toFixed(0)} ms (blocks of ${BLOCK}: ${blockSums.map((m) => m.toFixed(0)).join(' ')})`);
    Object.assign(s.f, { detachedMs: total, detachedFailures: detachedFailures.get(s)!.length });
    const running = s.docker(['ps', '-q']).stdout.split('\n').filter(Boolean).length;
    if (running !== DETACHED - detachedFailures.get(s)!.length) log(`${s.e.name}: ${running} running, expected ${DETACHED - detachedFailures.get(s)!.length}`);
    log(rssLine(s.e, `${running} running`));
    const sup = supervisors(s.e);
    const supRss = sup.map((p) => rssKiB(p) / 1024).filter((v) => !Number.isNaN(v));
    const supTotal = supRss.reduce((a, v) => a + v, 0);
    log(`${s.e.name}: ${sup.length} supervisors, VmRSS mean ${(supTotal / (supRss.length || 1)).toFixed(2)} MiB, total ${supTotal.toFixed(0)} MiB`);
    log(`${s.e.name}: processes naming ${s.e.dir}: ${processCensus(s.e)}`);
    Object.assign(s.f, { rss100MiB: s.e.pids().reduce((a, p) => a + rssKiB(p), 0) / 1024, supervisors: sup.length, supervisorMeanMiB: supTotal / (supRss.length || 1), supervisorTotalMiB: supTotal });
  }

  // (c) 1000 containers in all, then list them (the listings take turns)
  const toCreate = Math.max(0, TOTAL - DETACHED);
  for (const s of sides) {
    const tc = Date.now();
    const failures = await parallel(toCreate, CREATE_PARALLEL, () => shAsync(DOCKER, ['create', '--network', 'none', 'busybox', 'true'], s.env));
    s.f.createMs = Date.now() - tc;
    s.f.createFailures = failures.length;
    reportFailures(s.e, 'docker create busybox true', failures);
    log(`${s.e.name}: ${toCreate} × create (${CREATE_PARALLEL} at a time) in ${s.f.createMs} ms`);
    s.f.psCount = must(s.docker(['ps', '-aq']), 'ps -aq').stdout.split('\n').filter(Boolean).length;
  }
  const cli = perSide<number, S>(sides);
  const piped = perSide<number, S>(sides);
  const api = perSide<number, S>(sides);
  const replayed = perSide<number, S>(sides);
  // each daemon's list, recorded once and replayed instantly: the CLI's own share
  for (const s of sides) {
    const version = JSON.parse((await timedGet(s.e.sock, '/version')).body.toString()) as { ApiVersion: string };
    replays.set(s.e.name, await startReplay(join(WORK, `replay-${s.e.name}.sock`), (await timedGet(s.e.sock, '/containers/json?all=1')).body, version.ApiVersion));
  }
  await inTurns(sides, LIST_RUNS, LIST_BLOCK, async (s) => {
    cli.get(s)!.push(must(s.quiet(['ps', '-a']), 'ps -a').ms);
    replayed.get(s)!.push(must(shQuiet(DOCKER, ['ps', '-a'], { ...s.env, DOCKER_HOST: `unix://${replays.get(s.e.name)!.sock}` }), 'ps -a (replay)').ms);
    const p = must(s.docker(['ps', '-a']), 'ps -a');
    const rows = p.stdout.trim().split('\n').length - 1;
    if (rows !== s.f.psCount) throw new Error(`${s.e.name}: docker ps -a printed ${rows} rows, not ${s.f.psCount}`);
    piped.get(s)!.push(p.ms);
    const g = await timedGet(s.e.sock, '/containers/json?all=1');
    if (g.status !== 200) throw new Error(`${s.e.name}: GET /containers/json?all=1: ${g.status} ${g.body.toString().slice(0, 300)}`);
    s.f.listBytes = g.bytes;
    api.get(s)!.push(g.ms);
  });
  for (const r of replays.values()) r.stop();
  replays.clear();
  // parsed once, after the timings: the bench's own parse (and its GC) stays out of them
  for (const s of sides) s.f.apiCount = (JSON.parse((await timedGet(s.e.sock, '/containers/json?all=1')).body.toString()) as unknown[]).length;
  for (const s of sides) {
    log(`${s.e.name}: ps -a (${s.f.psCount}): ${cli.get(s)!.map((m) => m.toFixed(0)).join(' ')} ms; read through a pipe: ${piped.get(s)!.map((m) => m.toFixed(0)).join(' ')} ms; replayed: ${replayed.get(s)!.map((m) => m.toFixed(0)).join(' ')} ms; GET (${s.f.apiCount}): ${api.get(s)!.map((m) => m.toFixed(1)).join(' ')} ms`);
    log(rssLine(s.e, `${s.f.psCount} containers`));
    Object.assign(s.f, { psCliMs: median(cli.get(s)!), psPipeMs: median(piped.get(s)!), psReplayMs: median(replayed.get(s)!), psApiMs: median(api.get(s)!), rss1000MiB: s.e.pids().reduce((a, p) => a + rssKiB(p), 0) / 1024 });
  }
  for (const s of sides) {
    s.f.rmAllMs = removeAll(s.e, s.docker);
    log(`${s.e.name}: removed all containers in ${s.f.rmAllMs} ms`);
  }
}

/** On failure too: no container of ours outlives the run, and both daemons stop. */
async function finish(s: S): Promise<void> {
  if (s.docker(['ps', '-aq']).stdout.trim()) removeAll(s.e, s.docker);
  log(`${s.e.name}: stopping`);
  await s.e.stop();
  const left = procsMatching(s.e.dir);
  if (left.length) log(`${s.e.name}: still running after stop: ${left.map((p) => `${p.pid} ${p.comm}`).join(', ')}`);
}

// ---------- main ----------

const engines: Engine[] = [];
const replays = new Map<string, Replay>();
let cleaned = false;

function removeDockerCgroups(): void {
  removeCgroup(DOCKER_CGROUP);
}

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const r of replays.values()) r.stop();
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

  const sides = selectedEngines([new Berthd(WORK), new Dockerd(WORK, ['--cgroup-parent', DOCKER_CGROUP])]).map((e) => side<Figures>(e, WORK));
  let failed = false;
  try {
    for (const s of sides) {
      engines.push(s.e);
      log(`${s.e.name}: starting`);
      await s.e.start();
    }
    await measure(sides, rootfs.stdout);
  } catch (err) {
    failed = true;
    log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  } finally {
    for (const s of sides) await finish(s).catch((err: unknown) => log(`${s.e.name}: ${String(err)}`));
  }
  const results: Record<string, Partial<Figures>> = Object.fromEntries(sides.map((s) => [s.e.name, s.f]));
  for (const n of ['berthd', 'dockerd']) results[n] ??= {};
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
    [`  the same against a stand-in replaying the daemon's list instantly: the CLI alone (ms)`, b.psReplayMs, d.psReplayMs, ''],
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
