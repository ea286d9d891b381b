/* cgroupfs helpers: conmon's own cgroup, a container's pids and OOM count. v1, hybrid and v2. */
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** /sys/fs/cgroup is the v2 unified hierarchy only. */
export function isCgroupV2(root = CGROUP_ROOT): boolean {
  return existsSync(join(root, 'cgroup.controllers'));
}

/** Mounted hierarchies under the cgroup root (v1 controllers, named ones, 'unified'), or [''] on v2. */
export function hierarchies(root = CGROUP_ROOT): string[] {
  if (isCgroupV2(root)) return [''];
  try {
    return readdirSync(root).filter((n) => {
      try {
        const p = join(root, n);
        return statSync(p).isDirectory() && existsSync(join(p, 'cgroup.procs'));
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

function clean(path: string): string {
  const p = path.split('/').filter((s) => s && s !== '.' && s !== '..').join('/');
  return p;
}

/**
 * Hierarchies (directory names under the cgroup root) where this process is
 * not in the root cgroup: the ones a child must leave to be out of the
 * daemon's cgroup. cpuset is left out (a new cpuset needs cpus and mems first).
 */
export function ownHierarchies(root = CGROUP_ROOT, procSelfCgroup = '/proc/self/cgroup'): string[] {
  let text = '';
  try {
    text = readFileSync(procSelfCgroup, 'utf8');
  } catch {
    return [];
  }
  const v2 = isCgroupV2(root);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m || m[3] === '/' || m[3] === '') continue;
    const ctrls = m[2];
    let dir: string;
    if (ctrls === '') dir = v2 ? '' : 'unified';
    else if (ctrls.startsWith('name=')) dir = ctrls.slice(5);
    else dir = existsSync(join(root, ctrls)) ? ctrls : ctrls.split(',')[0];
    if (dir === 'cpuset' || !existsSync(join(root, dir, 'cgroup.procs'))) continue;
    out.push(dir);
  }
  return out;
}

/**
 * Move `pid` into the cgroup `path` (absolute, like '/berth/conmon') of every
 * hierarchy where this process is not in the root cgroup (each write costs
 * about 2 ms on cgroup v1). Failures are returned, not thrown.
 */
export async function moveToCgroup(pid: number, path: string, root = CGROUP_ROOT, only = ownHierarchies(root)): Promise<string[]> {
  const rel = clean(path);
  const errors: string[] = [];
  await Promise.all(only.map(async (h) => {
    const dir = join(root, h, rel);
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'cgroup.procs'), String(pid));
        return;
      } catch (e) {
        // another daemon's shutdown may remove the (empty) cgroup between the mkdir and the write: once more
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && attempt === 0) continue;
        errors.push(`${h || 'unified'}: ${(e as Error).message}`);
        return;
      }
    }
  }));
  return errors;
}

/** The directory of cgroup `path` that lists its processes: pids, else memory (v1); the unified one on v2. */
function procsDir(path: string, root: string): string | null {
  const rel = clean(path);
  if (isCgroupV2(root)) return join(root, rel);
  for (const h of ['pids', 'memory', 'freezer', 'cpu', 'unified']) {
    const dir = join(root, h, rel);
    if (existsSync(join(dir, 'cgroup.procs'))) return dir;
  }
  return null;
}

/** Pids in cgroup `path` and its descendants; null when the cgroup does not exist. */
export async function cgroupPids(path: string, root = CGROUP_ROOT): Promise<number[] | null> {
  const dir = procsDir(path, root);
  if (!dir) return null;
  const out: number[] = [];
  const walk = async (d: string): Promise<void> => {
    const text = await readFile(join(d, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const l of text.split('\n')) if (l.trim()) out.push(Number(l));
    let names: string[] = [];
    try {
      names = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch { /* gone */ }
    for (const n of names) await walk(join(d, n));
  };
  await walk(dir);
  return out;
}

/** How many times the kernel's OOM killer killed a process of cgroup `path` (0 when unknown). */
export async function oomKillCount(path: string, root = CGROUP_ROOT): Promise<number> {
  const rel = clean(path);
  const file = isCgroupV2(root) ? join(root, rel, 'memory.events') : join(root, 'memory', rel, 'memory.oom_control');
  try {
    const m = /^oom_kill (\d+)$/m.exec(await readFile(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Remove the cgroup `path` and everything below it in every hierarchy
 * (rmdir, deepest first). Only empty cgroups can go: returns what could not.
 */
export function removeCgroupTree(path: string, root = CGROUP_ROOT): string[] {
  const rel = clean(path);
  if (!rel) throw new Error('refusing to remove the root cgroup');
  const left: string[] = [];
  const rm = (dir: string): void => {
    let subs: string[] = [];
    try {
      subs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    }
    for (const s of subs) rm(join(dir, s));
    try {
      rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') left.push(dir);
    }
  };
  for (const h of hierarchies(root)) rm(join(root, h, rel));
  return left;
}

/**
 * rmdir the cgroup `path` (only it, not what is below) in every hierarchy
 * where it exists and is empty; returns where it is left (busy, or with
 * children).
 */
export function removeEmptyCgroup(path: string, root = CGROUP_ROOT): string[] {
  const rel = clean(path);
  if (!rel) throw new Error('refusing to remove the root cgroup');
  const left: string[] = [];
  for (const h of hierarchies(root)) {
    const dir = join(root, h, rel);
    try {
      rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') left.push(dir);
    }
  }
  return left;
}
