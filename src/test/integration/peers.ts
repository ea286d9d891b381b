/**
 * Real peers for interoperability tests, each confined to a scratch
 * directory: a dockerd 20.10 with its own data-root, exec-root, socket and
 * containerd namespace (stopped with its containerd, also when a test fails),
 * and podman on vfs storage with its own root, runroot, tmpdir and network
 * config.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKER, type RunResult } from './harness.ts';

export interface Identity { id: string; layers: string[] }

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? (r.error ? String(r.error) : '') };
}

export function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A dockerd 20.10 on scratch dirs, with the containerd it starts itself. */
export class PeerDockerd {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-peer-dockerd-'));
  readonly sock = join(this.dir, 'docker.sock');
  proc?: ChildProcess;
  private readonly onExit = (): void => { this.killNow(); };

  async start(): Promise<void> {
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    this.proc = spawn('dockerd', [
      '--data-root', join(this.dir, 'root'), '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'docker.pid'), '-H', `unix://${this.sock}`,
      '--bridge', 'none', '--iptables=false', '--ip-masq=false',
      '--containerd-namespace', 'berthpeer', '--containerd-plugins-namespace', 'berthpeerp',
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    process.once('exit', this.onExit);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`dockerd exited ${this.proc.exitCode}: ${this.log()}`);
      if (await this.ping()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`dockerd did not answer: ${this.log()}`);
  }

  log(): string {
    try { return readFileSync(join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-20).join('\n'); } catch { return ''; }
  }

  private ping(): Promise<boolean> {
    return new Promise((res) => {
      const rq = request({ socketPath: this.sock, path: '/_ping' }, (r) => { r.resume(); res(r.statusCode === 200); });
      rq.on('error', () => res(false));
      rq.end();
    });
  }

  docker(args: string[]): RunResult {
    return run(DOCKER, args, { DOCKER_HOST: `unix://${this.sock}`, DOCKER_CONFIG: join(this.dir, 'docker-config') });
  }

  identity(ref: string): Identity {
    const img = JSON.parse(ok(this.docker(['image', 'inspect', ref]), `dockerd image inspect ${ref}`))[0];
    return { id: img.Id, layers: img.RootFS.Layers };
  }

  private containerdPid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dir, 'exec/containerd/containerd.pid'), 'utf8').trim());
      return pid > 0 ? pid : undefined;
    } catch { return undefined; }
  }

  private killNow(): void {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    const c = this.containerdPid();
    if (c && alive(c)) { try { process.kill(c, 'SIGKILL'); } catch { /* gone */ } }
  }

  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    const p = this.proc;
    const containerd = this.containerdPid();
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(t);
    }
    // dockerd stops its containerd on the way out; make sure of it.
    if (containerd) await stopPid(containerd);
    // Anything still mounted under our dir (dockerd bind-mounts its data-root) is ours to unmount.
    for (const m of mountsUnder(this.dir).reverse()) spawnSync('umount', ['-l', m]);
    if (mountsUnder(this.dir).length === 0) rmSync(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function stopPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + 10000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')));
}

/** podman on scratch storage: vfs (no mounts), own root/runroot/tmpdir and network config. */
export class Podman {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;
  constructor(parent: string) {
    this.dir = join(parent, 'podman');
    mkdirSync(join(this.dir, 'tmp'), { recursive: true });
    const conf = join(this.dir, 'containers.conf');
    writeFileSync(conf, `[network]\nnetwork_backend = "cni"\nnetwork_config_dir = "${join(this.dir, 'net')}"\n` +
      `[engine]\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\ntmp_dir = "${join(this.dir, 'libpod-tmp')}"\n`);
    this.env = { CONTAINERS_CONF: conf, TMPDIR: join(this.dir, 'tmp') };
  }

  run(args: string[]): RunResult {
    return run('podman', ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--storage-driver', 'vfs', ...args], this.env);
  }

  identity(ref: string): Identity {
    const img = JSON.parse(ok(this.run(['image', 'inspect', ref]), `podman image inspect ${ref}`))[0];
    return { id: 'sha256:' + img.Id, layers: img.RootFS.Layers };
  }
}
