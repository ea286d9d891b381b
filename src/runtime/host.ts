/* Facts about the host that shape a container's spec, read once. */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { ALL_CAPABILITIES, capsFromMask } from '../core/runtime/caps.ts';

export interface HostLimit { soft: number | bigint; hard: number | bigint }

export interface HostFacts {
  /** Node's process.arch of the daemon (x64, arm64, ...). */
  arch: string;
  /** Kernel release, e.g. "6.1.0-18-amd64". */
  kernel: string;
  /** The daemon's own rlimits by Docker ulimit name (nofile, nproc, ...); bigint for unlimited. */
  limits: Record<string, HostLimit>;
  /** Capabilities the daemon can hand out (its bounding set). */
  capBounding: Set<string>;
  /** cgroup v1 memory.memsw.* present (a swap limit can be set). */
  swapAccounting: boolean;
  /** /sys/fs/cgroup is cgroup v2 only. */
  cgroupV2: boolean;
  /** A static init binary (tini) for --init, or null. */
  initPath: string | null;
  /**
   * seccomp sub-architectures (SCMP_ARCH_X32, ...) this kernel is known to be
   * built without, from its build config; empty when the config is unknown.
   */
  missingAbis?: string[];
}

export const RLIM_INFINITY = 18446744073709551615n;

/** /proc/self/limits row titles → Docker's ulimit names. */
const LIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'cpu', 'Max file size': 'fsize', 'Max data size': 'data', 'Max stack size': 'stack',
  'Max core file size': 'core', 'Max resident set': 'rss', 'Max processes': 'nproc', 'Max open files': 'nofile',
  'Max locked memory': 'memlock', 'Max address space': 'as', 'Max file locks': 'locks',
  'Max pending signals': 'sigpending', 'Max msgqueue size': 'msgqueue', 'Max nice priority': 'nice',
  'Max realtime priority': 'rtprio', 'Max realtime timeout': 'rttime',
};

function limitValue(s: string): number | bigint {
  return s === 'unlimited' ? RLIM_INFINITY : Number(s);
}

/** Parse /proc/<pid>/limits. */
export function parseLimits(text: string): Record<string, HostLimit> {
  const out: Record<string, HostLimit> = {};
  for (const line of text.split('\n')) {
    const title = Object.keys(LIMIT_NAMES).find((t) => line.startsWith(t));
    if (!title) continue;
    const [soft, hard] = line.slice(title.length).trim().split(/\s+/);
    out[LIMIT_NAMES[title]] = { soft: limitValue(soft), hard: limitValue(hard) };
  }
  return out;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Kernel options whose absence means the kernel cannot run that ABI's system calls at all. */
const ABI_OPTIONS: Record<string, string> = { CONFIG_X86_X32_ABI: 'SCMP_ARCH_X32', CONFIG_IA32_EMULATION: 'SCMP_ARCH_X86' };

/**
 * The seccomp sub-architectures a kernel build config (the text of
 * /proc/config.gz or /boot/config-<release>) leaves out: a filter for them
 * costs runc time on every container start and can never match.
 */
export function missingAbis(config: string): string[] {
  if (!config) return [];
  return Object.entries(ABI_OPTIONS).filter(([opt]) => new RegExp(`^# ${opt} is not set$`, 'm').test(config)).map(([, arch]) => arch);
}

function kernelConfig(): string {
  try {
    return gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    return read(`/boot/config-${release()}`);
  }
}

const INIT_CANDIDATES = ['/usr/bin/docker-init', '/usr/libexec/docker/docker-init', '/usr/bin/tini-static', '/usr/sbin/tini-static', '/usr/bin/tini'];

let cached: HostFacts | undefined;

/** The host's facts (read once per process). */
export function hostFacts(): HostFacts {
  if (cached) return cached;
  const status = read('/proc/self/status');
  const bnd = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  const lastCap = Number(read('/proc/sys/kernel/cap_last_cap').trim() || ALL_CAPABILITIES.length - 1);
  const capBounding = bnd ? capsFromMask(bnd) : new Set(ALL_CAPABILITIES);
  for (const [i, c] of ALL_CAPABILITIES.entries()) if (i > lastCap) capBounding.delete(c);
  const cgroupV2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  cached = {
    arch: process.arch,
    kernel: release(),
    limits: parseLimits(read('/proc/self/limits')),
    capBounding,
    swapAccounting: cgroupV2 || existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
    cgroupV2,
    initPath: INIT_CANDIDATES.find((p) => existsSync(p)) ?? null,
    missingAbis: process.arch === 'x64' ? missingAbis(kernelConfig()) : [],
  };
  return cached;
}
