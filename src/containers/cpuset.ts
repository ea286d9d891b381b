/* --cpuset-cpus / --cpuset-mems checked at create against what the host offers, with dockerd's words. */
import { readFileSync } from 'node:fs';
import { InvalidParameterError } from '../core/errors.ts';
import type { HostConfig } from '../core/containers/types.ts';

/** "0-2,5" → {0,1,2,5}; null when malformed. */
export function parseCpuList(v: string): Set<number> | null {
  const out = new Set<number>();
  for (const part of v.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 65536) return null;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

/** The root cpuset's list (v1), or the v2 root's effective one; null when unknown. */
function available(file: 'cpus' | 'mems'): { text: string; set: Set<number> } | null {
  for (const p of [`/sys/fs/cgroup/cpuset/cpuset.${file}`, `/sys/fs/cgroup/cpuset.${file}.effective`]) {
    try {
      const text = readFileSync(p, 'utf8').trim();
      const set = parseCpuList(text);
      if (set) return { text, set };
    } catch { /* not this layout */ }
  }
  return null;
}

export type CpusetAvailability = (file: 'cpus' | 'mems') => { text: string; set: Set<number> } | null;

/** What the host offers, read from the root cpuset cgroup. */
export const hostCpusets: CpusetAvailability = available;

export function checkCpuset(h: HostConfig, avail: CpusetAvailability = available): void {
  for (const [key, file, label, noun] of [['CpusetCpus', 'cpus', 'cpus', 'CPUs'], ['CpusetMems', 'mems', 'mems', 'memory nodes']] as const) {
    const v = String(h[key] ?? '');
    if (!v) continue;
    const want = parseCpuList(v);
    if (!want) throw new InvalidParameterError(`Invalid value ${v} for cpuset ${label}: invalid format: ${v}`);
    const have = avail(file);
    if (have && [...want].some((x) => !have.set.has(x))) {
      throw new InvalidParameterError(`Requested ${noun} are not available - requested ${v}, available: ${have.text}`);
    }
  }
}
