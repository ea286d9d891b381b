/* Helpers for tests that run real containers: a busybox image, rootfs mounts, full cleanup. */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { AttachStreams, SpecInput } from '../core/runtime/types.ts';
import { mountRootfs, unmountRootfs } from '../layers/rootfs.ts';
import { OverlayLayerFiles } from '../layers/store.ts';
import { removeCgroupTree } from './cgroups.ts';
import { CONMON_PATH } from './conmon.ts';
import { RUNC_PATH } from './runc.ts';
import { RuncConmonRuntime } from './runtime.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/busybox-rootfs.sh', import.meta.url));

/** Why container tests cannot run here, or false. */
export function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const p of [RUNC_PATH, CONMON_PATH, '/bin/busybox']) if (!existsSync(p)) return `${p} is not installed`;
  return false;
}

export interface TestContainer { id: string; bundle: string; rwDir: string; logPath: string; spec: SpecInput }

/** One runtime with its own exec root, cgroup parent and busybox image; close() removes every trace. */
export class Fixture {
  readonly dir: string;
  readonly cgroupParent: string;
  readonly runtime: RuncConmonRuntime;
  private store!: OverlayLayerFiles;
  private lower = '';
  private readonly containers: TestContainer[] = [];

  constructor() {
    // short: conmon's socket paths are fine with long ones, but keep logs readable
    this.dir = mkdtempSync('/tmp/berth-rt-');
    this.cgroupParent = `/berth-test-${randomBytes(6).toString('hex')}`;
    this.runtime = new RuncConmonRuntime({ execRoot: join(this.dir, 'run'), cgroupParent: this.cgroupParent });
  }

  async init(): Promise<this> {
    this.store = new OverlayLayerFiles(join(this.dir, 'layers'));
    const tar = spawnSync('bash', [SCRIPT], { maxBuffer: 1 << 28 }).stdout;
    const layer = await this.store.unpack(Readable.from([tar]));
    await this.store.commit(layer.cacheId, null);
    this.lower = await this.store.lowerDirs(layer.cacheId);
    return this;
  }

  /** A container with a mounted busybox rootfs, not started. */
  async container(args: string[], over: Partial<SpecInput> = {}): Promise<TestContainer> {
    const id = randomBytes(32).toString('hex');
    const base = join(this.dir, 'c', id.slice(0, 12));
    const bundle = join(base, 'bundle');
    const rwDir = join(base, 'rw');
    mkdirSync(bundle, { recursive: true });
    const c: TestContainer = { id, bundle, rwDir, logPath: join(bundle, 'ctr.log'), spec: undefined as unknown as SpecInput };
    this.containers.push(c);
    const rootfs = await mountRootfs(this.store.root, this.lower, rwDir);
    const etc = { hosts: join(bundle, 'hosts'), hostname: join(bundle, 'hostname'), resolvConf: join(bundle, 'resolv.conf') };
    writeFileSync(etc.hosts, '127.0.0.1\tlocalhost\n');
    writeFileSync(etc.hostname, `${id.slice(0, 12)}\n`);
    writeFileSync(etc.resolvConf, 'nameserver 127.0.0.1\n');
    c.spec = {
      id, rootfs, args, env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `HOSTNAME=${id.slice(0, 12)}`, 'HOME=/root'],
      cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, hostname: id.slice(0, 12), tty: false, openStdin: false,
      etcFiles: etc, namespaces: { pid: 'private', ipc: 'private', uts: 'private', network: 'private' },
      cgroupsPath: `${this.cgroupParent}/${id}`, resources: {}, capAdd: [], capDrop: [], privileged: false,
      readonlyRootfs: false, seccomp: 'default', noNewPrivileges: false, tmpfs: {}, shmSize: 64 * 1024 * 1024,
      ulimits: [], devices: [], sysctls: {}, mounts: [], init: false, ...over,
    };
    return c;
  }

  /** Remove every container, conmon, mount, cgroup and file this fixture made. */
  async close(): Promise<void> {
    this.runtime.close();
    for (const c of this.containers) {
      await this.runtime.delete(c.id, { force: true }).catch(() => undefined);
    }
    // conmons (and exec conmons) that are still around: only those whose pid files are ours
    const pidFiles = this.containers.map((c) => join(c.bundle, 'conmon.pid'));
    for (const f of pidFiles) {
      const pid = Number(readIf(f).trim());
      if (pid > 0 && readIf(`/proc/${pid}/cmdline`).includes(this.dir)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    await killConmonsUnder(this.dir);
    for (const c of this.containers) await unmountRootfs(c.rwDir).catch(() => execFileSync('umount', ['-l', join(c.rwDir, 'merged')]));
    for (let i = 0; i < 50; i++) {
      if (removeCgroupTree(this.cgroupParent).length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readIf(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** SIGKILL conmon processes whose command line names a path under `dir` (so: ours), and wait for them. */
async function killConmonsUnder(dir: string): Promise<void> {
  const mine = (): number[] => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    const cmd = readIf(`/proc/${pid}/cmdline`).split('\0');
    return cmd[0]?.endsWith('conmon') && cmd.some((a) => a.startsWith(dir));
  });
  for (let i = 0; i < 50; i++) {
    const pids = mine();
    if (!pids.length) return;
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Collect an attach stream's output until conmon closes it. */
export function collectOutput(s: AttachStreams): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  s.onOutput((stream, data) => {
    if (stream === 1) out.stdout += data.toString();
    else out.stderr += data.toString();
  });
  return new Promise((resolve) => s.onClose(() => resolve(out)));
}

/** The k8s-file log's payloads: [stream, text] per line. */
export function readK8sLog(path: string): [string, string][] {
  return readIf(path).split('\n').filter(Boolean).map((l) => {
    const [, stream, , ...rest] = l.split(' ');
    return [stream, rest.join(' ')];
  });
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
