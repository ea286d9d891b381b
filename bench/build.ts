/**
 * Build benchmarks: berthd against a scratch dockerd 20.10 (its classic
 * builder), same Dockerfiles, same client (docker CLI 28, DOCKER_BUILDKIT=0),
 * one run:
 *
 *   (a) cold build of a 10-step busybox Dockerfile (--no-cache), median of 3;
 *   (b) fully cached rebuild of the same Dockerfile, median of 5;
 *   (c) sending a 100 MiB context (random bytes) to `FROM busybox` +
 *       `LABEL`, --no-cache, median of 3, as MiB/s.
 *
 * Run it with `bash bench/run-build.sh` (root; builds first). Everything lives
 * in BENCH_DIR, removed at the end; both daemons are stopped in `finally`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Berthd, DOCKER, Dockerd, type Engine, log, median, must, printTable, ROOT, type Row, sh } from './lib.ts';

const WORK = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'berth-bench-'));
mkdirSync(WORK, { recursive: true });
const CONTEXT_MIB = Number(process.env.BENCH_CONTEXT_MIB ?? 100);

const TEN_STEPS = [
  'FROM busybox', 'ENV A=1', 'RUN echo one > /1', 'COPY f /f', 'RUN echo two > /2', 'WORKDIR /app', 'RUN echo three > /3',
  'LABEL bench=build', 'RUN cat /f > /4', 'CMD ["sh"]',
].join('\n');

function contexts(): { ten: string; big: string } {
  const ten = join(WORK, 'ctx-ten');
  mkdirSync(ten, { recursive: true });
  writeFileSync(join(ten, 'Dockerfile'), `${TEN_STEPS}\n`);
  writeFileSync(join(ten, 'f'), 'file\n');
  const big = join(WORK, 'ctx-big');
  mkdirSync(big, { recursive: true });
  writeFileSync(join(big, 'Dockerfile'), 'FROM busybox\nLABEL big=1\n');
  writeFileSync(join(big, 'blob'), randomBytes(CONTEXT_MIB * 1024 * 1024));
  return { ten, big };
}

function dockerBuild(e: Engine & { sock: string }, dir: string, args: string[]): number {
  const r = sh('sh', ['-c', `cd "${dir}" && exec "${DOCKER}" build ${args.join(' ')} .`], { DOCKER_HOST: `unix://${e.sock}`, DOCKER_BUILDKIT: '0' });
  must(r, `build on ${e.name}`);
  return r.ms;
}

async function measure(e: Engine & { sock: string }, ctx: { ten: string; big: string }): Promise<{ cold: number; cached: number; mibps: number }> {
  await e.start();
  try {
    const bb = spawnSync('bash', [join(ROOT, 'scripts/busybox-rootfs.sh')], { maxBuffer: 1 << 28 }).stdout;
    const imp = sh(DOCKER, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { DOCKER_HOST: `unix://${e.sock}` }, bb);
    must(imp, `import busybox into ${e.name}`);
    dockerBuild(e, ctx.ten, ['-q', '--no-cache']); // warm-up
    const cold = median([0, 1, 2].map(() => dockerBuild(e, ctx.ten, ['-q', '--no-cache', '-t', 'bench:ten'])));
    const cached = median([0, 1, 2, 3, 4].map(() => dockerBuild(e, ctx.ten, ['-q', '-t', 'bench:ten'])));
    const big = median([0, 1, 2].map(() => dockerBuild(e, ctx.big, ['-q', '--no-cache', '-t', 'bench:big'])));
    log(`${e.name}: cold ${cold.toFixed(0)} ms, cached ${cached.toFixed(0)} ms, ${CONTEXT_MIB} MiB context ${big.toFixed(0)} ms`);
    return { cold, cached, mibps: CONTEXT_MIB / (big / 1000) };
  } finally {
    await e.stop();
  }
}

async function main(): Promise<void> {
  const ctx = contexts();
  const b = await measure(new Berthd(WORK), ctx);
  const d = await measure(new Dockerd(WORK), ctx);
  const rows: Row[] = [
    ['cold 10-step build (ms)', b.cold, d.cold, '≤ 0.5 × dockerd'],
    ['cached 10-step rebuild (ms)', b.cached, d.cached, '≤ dockerd'],
    [`${CONTEXT_MIB} MiB context (MiB/s)`, b.mibps, d.mibps, '≥ dockerd'],
  ];
  printTable(rows);
}

await main();
