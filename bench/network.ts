/**
 * Network benchmarks: berthd against a scratch dockerd 20.10, in one run,
 * both driven by docker CLI 28 with the same busybox image.
 *
 *   (a) `docker run --rm busybox true` on the default bridge against
 *       `--network none`: medians of 15 after 2 warm-ups; the difference is
 *       what the bridge costs (target: at most 30 ms for berthd);
 *   (b) 1 GiB (BENCH_NET_MIB) sent by a Node client on the host to a sink
 *       in a busybox container (the host's python3 mounted read-only, as
 *       busybox has no fast reader): through the published port on
 *       127.0.0.1, through the published port on the host's own address, and
 *       straight to the container's IP; MiB/s, best of 3. Targets: the
 *       published port ≥ 80% of the direct path and ≥ dockerd's published port.
 *
 * dockerd runs with its own bridge (made here, removed at the end),
 * `--iptables=false` (its rules are global and another dockerd may run on
 * this machine), so its published ports go through docker-proxy — which is
 * also what serves 127.0.0.1 in a default dockerd (userland-proxy).
 * berthd gets its own bridge and address block. Everything lives in
 * BENCH_DIR (or a fresh temp dir), removed at the end, also on failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Berthd, DOCKER, Dockerd, type Engine, log, measureEach, runBench, median, must, printTable, procsMatching, ROOT, type Row, sh, sleep, cleanupOnSignals, removeWork } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUPS = 2;
const MIB = Number(process.env.BENCH_NET_MIB ?? 1024);
const TRANSFERS = 3;
const WORK = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'berth-bench-'));
mkdirSync(WORK, { recursive: true });
const SUFFIX = WORK.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x');
const BLOCK = 100 + Math.floor(Math.random() * 20);
const DOCKER_BRIDGE = `bbd${SUFFIX}`;

const SINK = [
  'import socket',
  's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 5000)); s.listen(4)',
  'buf = bytearray(1 << 20)',
  'while True:',
  '    c, _ = s.accept()',
  '    while c.recv_into(buf): pass',
  '    c.close()',
].join('\n');

interface Figures { noneMs: number; bridgeMs: number; direct: number; published: number; publishedHost: number }

function hostAddr(): string {
  const routes = JSON.parse(spawnSync('ip', ['-4', '-j', 'route', 'show', 'default']).stdout.toString() || '[]') as { dev?: string }[];
  const addrs = JSON.parse(spawnSync('ip', ['-4', '-j', 'addr', 'show', 'dev', routes[0]?.dev ?? 'eth0']).stdout.toString() || '[]') as { addr_info: { local: string }[] }[];
  return addrs[0]?.addr_info[0]?.local ?? '127.0.0.1';
}

/** Send MIB MiB to host:port; MiB/s from connect until the server closes. */
function send(host: string, port: number): Promise<number> {
  const chunk = Buffer.alloc(1 << 20);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = connect({ host, port });
    let left = MIB;
    const pump = (): void => {
      while (left > 0) {
        left--;
        if (!c.write(chunk)) { c.once('drain', pump); return; }
      }
      c.end();
    };
    c.on('connect', pump);
    c.on('error', reject);
    c.on('data', () => undefined);
    c.on('close', () => {
      if (left > 0) { reject(new Error(`connection to ${host}:${port} closed early`)); return; }
      resolve(MIB / (Number(process.hrtime.bigint() - t0) / 1e9));
    });
  });
}

async function best(host: string, port: number): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < TRANSFERS; i++) {
    await sleep(300);
    rates.push(await send(host, port));
  }
  log(`  ${host}:${port}: ${rates.map((r) => r.toFixed(0)).join(' ')} MiB/s`);
  return Math.max(...rates);
}

async function measure(e: Engine, rootfs: Buffer, f: Partial<Figures>): Promise<void> {
  const env = { DOCKER_HOST: `unix://${e.sock}`, DOCKER_CONFIG: join(WORK, 'docker-config') };
  const docker = (args: string[], input?: Buffer) => sh(DOCKER, args, env, input);
  log(`${e.name}: starting`);
  await e.start();
  try {
    must(docker(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], rootfs), 'import busybox');
    // Interleaved, so that load from elsewhere on the machine hits both alike.
    const none: number[] = [];
    const bridge: number[] = [];
    for (let i = 0; i < WARMUPS + RUNS; i++) {
      const a = must(docker(['run', '--rm', '--network', 'none', 'busybox', 'true']), 'run --rm --network none');
      const b = must(docker(['run', '--rm', 'busybox', 'true']), 'run --rm');
      if (i >= WARMUPS) { none.push(a.ms); bridge.push(b.ms); }
    }
    f.noneMs = median(none);
    f.bridgeMs = median(bridge);
    log(`${e.name}: run --rm: none ${f.noneMs.toFixed(0)} ms, bridge ${f.bridgeMs.toFixed(0)} ms`);
    const port = 20000 + Math.floor(Math.random() * 20000);
    // The sink: the host's python3 (mounted read-only) reading 1 MiB at a time, so that the receiver is not the bottleneck.
    must(docker(['run', '-d', '--name', 'sink', '-p', `${port}:5000`, '-v', '/usr:/usr:ro', '-v', '/usr/lib:/lib:ro', '-v', '/usr/lib64:/lib64:ro',
      'busybox', '/usr/bin/python3', '-c', SINK]), 'run sink');
    const ip = must(docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'sink']), 'inspect').stdout.trim();
    log(`${e.name}: sink at ${ip}, published on ${port}`);
    f.direct = await best(ip, 5000);
    f.published = await best('127.0.0.1', port);
    f.publishedHost = await best(hostAddr(), port);
  } finally {
    docker(['rm', '-f', 'sink']);
    log(`${e.name}: stopping`);
    await e.stop();
  }
}

const engines: Engine[] = [];
async function cleanup(): Promise<void> {
  for (const e of engines) await e.stop().catch((err: unknown) => log(`stopping ${e.name}: ${String(err)}`));
  spawnSync('ip', ['link', 'del', DOCKER_BRIDGE]);
  const left = procsMatching(WORK);
  if (left.length) log(`left running: ${left.map((p) => `${p.pid} ${p.comm}`).join(', ')}`);
  removeWork(WORK);
}
cleanupOnSignals(cleanup);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const rootfs = spawnSync('bash', [join(ROOT, 'scripts/busybox-rootfs.sh')], { maxBuffer: 1 << 28 });
  if (rootfs.status !== 0) throw new Error(`busybox-rootfs.sh: ${rootfs.stderr.toString()}`);
  must(sh('ip', ['link', 'add', DOCKER_BRIDGE, 'type', 'bridge']), 'dockerd bridge');
  must(sh('ip', ['addr', 'add', `10.${BLOCK}.1.1/24`, 'dev', DOCKER_BRIDGE]), 'dockerd bridge address');
  must(sh('ip', ['link', 'set', DOCKER_BRIDGE, 'up']), 'dockerd bridge up');
  const berthArgs = ['--bridge', `bbb${SUFFIX}`, '--bip', `10.${BLOCK}.0.1/24`, '--default-address-pool', `base=10.${BLOCK}.128.0/17,size=24`];
  const { results, failed } = await measureEach<Figures>([new Berthd(WORK, berthArgs), new Dockerd(WORK, ['--bridge', DOCKER_BRIDGE])], engines,
    (e, into) => measure(e, rootfs.stdout, into));
  const b = results.berthd;
  const d = results.dockerd;
  const diff = (x: Partial<Figures>): number | undefined => (x.bridgeMs === undefined || x.noneMs === undefined ? undefined : x.bridgeMs - x.noneMs);
  const rows: Row[] = [
    [`run --rm busybox true, --network none (ms, median of ${RUNS})`, b.noneMs, d.noneMs, ''],
    [`run --rm busybox true, default bridge (ms, median of ${RUNS})`, b.bridgeMs, d.bridgeMs, ''],
    ['bridge cost: bridge - none (ms)', diff(b), diff(d), '≤ 30'],
    [`${MIB} MiB to the container IP (MiB/s, best of ${TRANSFERS})`, b.direct, d.direct, ''],
    [`${MIB} MiB via published port on 127.0.0.1 (MiB/s)`, b.published, d.published, `≥ ${b.direct ? (0.8 * b.direct).toFixed(0) : '80% direct'}, ≥ dockerd`],
    [`${MIB} MiB via published port on the host address (MiB/s)`, b.publishedHost, d.publishedHost, ''],
    ['published (127.0.0.1) / direct', b.published && b.direct ? b.published / b.direct : undefined, d.published && d.direct ? d.published / d.direct : undefined, '≥ 0.8'],
  ];
  printTable(rows);
  if (failed) process.exitCode = 1;
}

await runBench(main, cleanup);
