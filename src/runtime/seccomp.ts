/*
 * Docker's seccomp profile format (archMap, names, includes/excludes by arch,
 * capability and kernel version) to the OCI `linux.seccomp` shape, resolved
 * for this host and the container's capabilities, as moby does.
 */
import { InvalidParameterError } from '../core/errors.ts';
import type { OciSeccomp, OciSeccompArg, OciSeccompRule } from './oci-types.ts';
import defaultProfile from './seccomp-default.json' with { type: 'json' };

interface Filter { arches?: string[]; caps?: string[]; minKernel?: string }
interface DockerRule {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[] | null;
  includes?: Filter;
  excludes?: Filter;
}
export interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  flags?: string[];
  syscalls?: DockerRule[];
}

/** Docker's default profile (moby profiles/seccomp/default.json, Apache-2.0). */
export const DEFAULT_SECCOMP_PROFILE = defaultProfile as DockerSeccompProfile;

/** Node's process.arch → Go's GOARCH, the names Docker's includes/excludes use. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips64el: 'mips64le', loong64: 'loong64' };
const SCMP_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', '386': 'SCMP_ARCH_X86', arm: 'SCMP_ARCH_ARM', ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X', riscv64: 'SCMP_ARCH_RISCV64', mips64le: 'SCMP_ARCH_MIPSEL64', loong64: 'SCMP_ARCH_LOONGARCH64',
};

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (v: string): number[] => v.split(/[.-]/).slice(0, 2).map((x) => Number.parseInt(x, 10) || 0);
  const [a1, a2] = parse(kernel);
  const [b1, b2] = parse(min);
  return a1 > b1 || (a1 === b1 && a2 >= b2);
}

function applies(rule: DockerRule, arch: string, caps: Set<string>, kernel: string): boolean {
  const ex = rule.excludes;
  if (ex) {
    if (ex.arches?.length && ex.arches.includes(arch)) return false;
    if (ex.caps?.length && ex.caps.some((c) => caps.has(c))) return false;
    if (ex.minKernel && kernelAtLeast(kernel, ex.minKernel)) return false;
  }
  const inc = rule.includes;
  if (inc) {
    if (inc.arches?.length && !inc.arches.includes(arch)) return false;
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
    if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) return false;
  }
  return true;
}

/**
 * Resolve a Docker-format (or already OCI-shaped) profile for a container
 * with capabilities `caps` (its bounding set) on this host.
 */
export function toOciSeccomp(profile: unknown, caps: Iterable<string>, host: { arch: string; kernel: string; missingAbis?: string[] }): OciSeccomp {
  if (!profile || typeof profile !== 'object') throw new InvalidParameterError('invalid seccomp profile: not a JSON object');
  const p = profile as DockerSeccompProfile;
  if (typeof p.defaultAction !== 'string') throw new InvalidParameterError('invalid seccomp profile: defaultAction is missing');
  if (p.architectures?.length && p.archMap?.length) {
    throw new InvalidParameterError("invalid seccomp profile: 'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const arch = GOARCH[host.arch] ?? host.arch;
  const capSet = new Set(caps);
  const out: OciSeccomp = { defaultAction: p.defaultAction };
  if (p.defaultErrnoRet !== undefined) out.defaultErrnoRet = p.defaultErrnoRet;
  const architectures = [...(p.architectures ?? [])];
  // archMap's sub-architectures the kernel is built without are left out (as
  // their system calls fail anyway): each costs runc milliseconds per start
  const missing = new Set(host.missingAbis ?? []);
  for (const a of p.archMap ?? []) {
    if (a.architecture === SCMP_ARCH[arch]) architectures.push(a.architecture, ...(a.subArchitectures ?? []).filter((s) => !missing.has(s)));
  }
  if (architectures.length) out.architectures = architectures;
  if (p.flags?.length) out.flags = [...p.flags];
  const rules: OciSeccompRule[] = [];
  for (const rule of p.syscalls ?? []) {
    if (rule.name && rule.names?.length) throw new InvalidParameterError("invalid seccomp profile: use either 'name' or 'names' in a rule, not both");
    if (!applies(rule, arch, capSet, host.kernel)) continue;
    const names = rule.name ? [rule.name] : [...(rule.names ?? [])];
    if (!names.length) continue;
    const r: OciSeccompRule = { names, action: rule.action };
    if (rule.errnoRet !== undefined) r.errnoRet = rule.errnoRet;
    if (rule.args?.length) {
      r.args = rule.args.map((a): OciSeccompArg => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op }));
    }
    rules.push(r);
  }
  out.syscalls = rules;
  return out;
}
