/**
 * Integration harness: a real berthd on a scratch data-root and socket,
 * driven with `berth` and the unmodified docker CLI. Everything it creates
 * is removed in `stop()`, also when a test fails.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { after, before } from 'node:test';
import { FakeRegistry } from '../registry/fake.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { firewallTag, teardownFirewall } from '../../network/iptables.ts';
import { removeCgroupTree } from '../../runtime/cgroups.ts';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const NODE = process.execPath;
export const BERTH = join(ROOT, 'bin/berth.js');
export const BERTHD = join(ROOT, 'bin/berthd.js');
export const DOCKER = existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : 'docker';

/** No single CLI call in a test may hang the suite. */
const CALL_TIMEOUT_MS = 300_000;

export interface RunResult { code: number; stdout: string; stderr: string }

function result(r: SpawnSyncReturns<Buffer>): RunResult {
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

/** A 10.X.0.0/16 block no route of the host uses, for one test daemon's bridges. */
function freeBlock(): number {
  const routes = spawnSync('ip', ['-4', 'route', 'show', 'table', 'all']).stdout?.toString() ?? '';
  for (;;) {
    const x = 130 + Math.floor(Math.random() * 120);
    if (!routes.includes(`10.${x}.`)) return x;
  }
}

export class Daemon {
  readonly dir: string;
  readonly sock: string;
  readonly dataRoot: string;
  /** The daemon's own default bridge and address block (several daemons run at once). */
  readonly bridge: string;
  readonly block: number;
  /** The daemon's own cgroup parent (--cgroup-parent), removed at cleanup; '' leaves the flag out. */
  cgroupParent: string;
  proc?: ChildProcess;
  log = '';

  constructor(prefix = 'berth-it-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.sock = join(this.dir, 'berth.sock');
    this.dataRoot = join(this.dir, 'root');
    this.bridge = `bt${this.dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
    this.block = freeBlock();
    this.cgroupParent = `/${basename(this.dir)}`;
    this.writeConfig({});
  }

  /** The chain tag of this daemon's iptables rules. */
  get fwTag(): string { return firewallTag(this.dataRoot); }

  get host(): string { return `unix://${this.sock}`; }

  /** Default flags: everything inside the scratch dir; `extra` is appended. */
  args(extra: string[] = []): string[] {
    return ['--data-root', this.dataRoot, '--exec-root', join(this.dir, 'exec'), '-H', this.host,
      '--pidfile', join(this.dir, 'berthd.pid'), '--config-file', join(this.dir, 'daemon.json'),
      '--bridge', this.bridge, '--bip', `10.${this.block}.0.1/24`, '--default-address-pool', `base=10.${this.block}.0.0/16,size=24`,
      ...(this.cgroupParent ? ['--cgroup-parent', this.cgroupParent] : []), ...extra];
  }

  writeConfig(obj: unknown): void {
    writeFileSync(join(this.dir, 'daemon.json'), typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  async start(extra: string[] = []): Promise<void> {
    const p = spawn(NODE, [BERTHD, ...this.args(extra)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    p.stdout!.on('data', (d) => { this.log += d; });
    p.stderr!.on('data', (d) => { this.log += d; });
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      if (p.exitCode !== null) throw new Error(`berthd exited ${p.exitCode}: ${this.log}`);
      if (await this.ping()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`berthd did not answer: ${this.log}`);
  }

  ping(): Promise<boolean> {
    return new Promise((res) => {
      const rq = request({ socketPath: this.sock, path: '/_ping', method: 'GET' }, (r) => { r.resume(); res(r.statusCode === 200); });
      rq.on('error', () => res(false));
      rq.end();
    });
  }

  /** Raw HTTP over the socket. */
  http(method: string, path: string, body?: Buffer | string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((res, rej) => {
      const rq = request({ socketPath: this.sock, path, method }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks).toString() }));
      });
      rq.on('error', rej);
      rq.end(body);
    });
  }

  berth(args: string[], input?: Buffer | string): RunResult {
    return result(spawnSync(NODE, ['--', BERTH, '-H', this.host, ...args], { input, maxBuffer: 1 << 30, timeout: CALL_TIMEOUT_MS }));
  }

  docker(args: string[], input?: Buffer | string): RunResult {
    return result(spawnSync(DOCKER, args, { input, maxBuffer: 1 << 30, timeout: CALL_TIMEOUT_MS, env: { ...process.env, DOCKER_HOST: this.host, DOCKER_CONFIG: join(this.dir, 'docker-config') } }));
  }

  /** docker without blocking the event loop (for tests that serve something on the host meanwhile). */
  dockerAsync(args: string[]): Promise<RunResult> {
    return new Promise((res) => {
      const p = spawn(DOCKER, args, { env: { ...process.env, DOCKER_HOST: this.host, DOCKER_CONFIG: join(this.dir, 'docker-config') } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (b) => { stdout += b; });
      p.stderr.on('data', (b) => { stderr += b; });
      p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null;
    const done = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    p.kill(signal);
    // Shutdown stops containers with their stop timeout (10 s by default).
    const t = setTimeout(() => p.kill('SIGKILL'), 30000);
    const code = await done;
    clearTimeout(t);
    return code;
  }

  /** Stop the daemon, then remove whatever a failed test may have left: containers, mounts, the scratch dir. */
  async cleanup(): Promise<void> {
    await this.stop();
    const runcRoot = join(this.dir, 'exec', 'runc');
    const ids = spawnSync('runc', ['--root', runcRoot, 'list', '-q']).stdout?.toString().split('\n').filter(Boolean) ?? [];
    for (const id of ids) {
      spawnSync('runc', ['--root', runcRoot, 'kill', id, 'KILL']);
      spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id]);
    }
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(`${this.dir}/`));
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
    // Bridges and firewall rules a killed daemon (or a live-restore stop) left behind.
    await teardownFirewall(this.fwTag).catch(() => undefined);
    for (const link of this.bridges()) spawnSync('ip', ['link', 'del', link]);
    // The daemon's own cgroup parent (conmon's cgroup and any container cgroup a kill left), no one else's.
    if (this.cgroupParent) {
      for (let i = 0; i < 50 && removeCgroupTree(this.cgroupParent).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Bridges of this daemon still on the host: its default bridge and those of its networks. */
  bridges(): string[] {
    const have = spawnSync('ip', ['-o', 'link', 'show', 'type', 'bridge']).stdout?.toString() ?? '';
    const names = have.split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1]).filter((x): x is string => !!x);
    const known = new Set([this.bridge]);
    // User networks' bridges: br-<network id prefix>, as recorded in the daemon's database.
    const db = join(this.dataRoot, 'berth.db');
    if (existsSync(db)) {
      try {
        const conn = new DatabaseSync(db, { readOnly: true });
        for (const r of conn.prepare("SELECT json_extract(data, '$.bridge') AS b FROM networks").all() as { b: string | null }[]) if (r.b) known.add(r.b);
        conn.close();
      } catch {
        // no networks table yet
      }
    }
    return names.filter((n) => known.has(n));
  }
}

let busyboxTar: Buffer | undefined;
/** The busybox rootfs tarball made from Debian's busybox-static. */
export function busyboxRootfs(): Buffer {
  busyboxTar ??= spawnSync('bash', [join(ROOT, 'scripts/busybox-rootfs.sh')], { maxBuffer: 1 << 28 }).stdout;
  if (!busyboxTar.length) throw new Error('could not build the busybox rootfs (is busybox-static installed?)');
  return busyboxTar;
}

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A started daemon with busybox:latest imported; `removeAll` force-removes every container. */
export async function startWithBusybox(d: Daemon): Promise<void> {
  await d.start();
  const imp = d.docker(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  if (imp.code !== 0) throw new Error(`import busybox: ${imp.stderr}`);
}

export function removeAll(d: Daemon): void {
  const ids = d.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean);
  if (ids.length) d.docker(['rm', '-f', ...ids]);
}

/** A started daemon and a started fake registry for one describe block, both stopped after it. */
export function daemonWithFakeRegistry(): { d: Daemon; reg: FakeRegistry } {
  const d = new Daemon();
  const reg = new FakeRegistry();
  before(async () => {
    await reg.start();
    await d.start();
  });
  after(async () => {
    await d.cleanup();
    await reg.stop();
  });
  return { d, reg };
}
