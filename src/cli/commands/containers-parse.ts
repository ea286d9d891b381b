/**
 * Value parsers of the container flags, with the docker CLI's semantics and
 * messages: env and label files, -e, --cpus, Go durations, --ulimit,
 * --device, --restart, --sysctl, capabilities and --security-opt.
 */
import { readFileSync } from 'node:fs';
import { normalizeCap } from '../../core/runtime/caps.ts';
import { goPathError } from './images-transfer.ts';

// ---- env / label files ----

/** opts.ValidateEnv at parse time: "NAME=value" or a bare NAME; rejects an empty name. */
export function validateEnv(value: string): void {
  if (value.split('=', 1)[0] === '') throw new Error(`invalid environment variable: ${value}`);
}

/** A -e value with a bare NAME taken from the CLI's own environment when set there. */
export function expandEnv(value: string, env: Record<string, string | undefined>): string {
  if (value.includes('=')) return value;
  const v = env[value];
  return v === undefined ? value : `${value}=${v}`;
}

/** parseKeyValueFile: KEY=value lines; bare KEY lines come from `lookup` (env files) or are dropped (label files). */
export function parseKeyValueFile(file: string, lookup?: (name: string) => string | undefined): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw goPathError('open', file, e);
  }
  const out: string[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0) line = line.replace(/^\uFEFF/, '');
    line = line.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = (eq >= 0 ? line.slice(0, eq) : line).replace(/^[ \t\n\v\f\r]+/, '');
    if (/[ \t\n\v\f\r]/.test(name)) throw new Error(`invalid env file (${file}): variable '${name}' contains whitespaces`);
    if (name === '') throw new Error(`invalid env file (${file}): no variable name on line '${line}'`);
    if (eq >= 0) {
      out.push(`${name}=${line.slice(eq + 1)}`);
      return;
    }
    const v = lookup?.(line);
    if (v !== undefined) out.push(`${name.trim()}=${v}`);
  });
  return out;
}

/** opts.ReadKVEnvStrings: the env files' lines, then the -e values. */
export function readEnv(files: readonly string[], values: readonly string[], env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const f of files) out.push(...parseKeyValueFile(f, (name) => env[name]));
  return [...out, ...values.map((v) => expandEnv(v, env))];
}

/** opts.ConvertKVStringsToMap: "k=v" → k: v, "k" → k: "". */
export function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

// ---- numbers ----

/** strconv.ParseInt(s, 10, 64) with Go's message. */
export function parseDecimalInt(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > (1n << 63n) - 1n || n < -(1n << 63n)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(n);
}

/** strconv.ParseUint(s, 10, bits) with Go's message. */
export function parseUint(s: string, bits: number): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  if (BigInt(s) >= 1n << BigInt(bits)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(s);
}

/** opts.ParseCPUs: a rational number of CPUs ("1.5", "3/2") as nano CPUs. */
export function parseCpus(value: string): number {
  const bad = () => new Error(`failed to parse ${value} as a rational number`);
  let num: bigint;
  let den: bigint;
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(value);
  if (frac) {
    num = BigInt(frac[1]);
    den = BigInt(frac[2]);
    if (den === 0n) throw bad();
  } else {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw bad();
    const digits = (m[2] || '0') + (m[3] ?? '');
    let exp = -(m[3] ?? '').length + Number(m[4] ?? 0);
    num = BigInt(digits) * (m[1] === '-' ? -1n : 1n);
    den = 1n;
    if (exp > 0) num *= 10n ** BigInt(exp);
    else if (exp < 0) den = 10n ** BigInt(-exp);
    exp = 0;
  }
  const nano = num * 1_000_000_000n;
  if (nano % den !== 0n) throw new Error('value is too precise');
  return Number(nano / den);
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration in nanoseconds, with Go's messages. */
export function parseDuration(s: string): number {
  const q = JSON.stringify(s);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration ${q}`);
  let total = 0;
  while (rest !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    if (num[0] === '' || num[0] === '.') throw new Error(`time: invalid duration ${q}`);
    rest = rest.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${q}`);
    const mult = UNIT_NS[unit];
    if (mult === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${q}`);
    rest = rest.slice(unit.length);
    total += Number(`${num[1] || '0'}.${num[2] ?? ''}0`) * mult;
  }
  return sign * Math.round(total);
}

// ---- ulimits, devices, restart, sysctls ----

const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

export interface Ulimit { Name: string; Hard: number; Soft: number }

/** units.ParseUlimit: "name=soft[:hard]". */
export function parseUlimit(value: string): Ulimit {
  const eq = value.indexOf('=');
  if (eq < 0) throw new Error(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  if (!ULIMIT_NAMES.includes(name)) throw new Error(`invalid ulimit type: ${name}`);
  const limits = value.slice(eq + 1).split(':');
  if (limits.length > 2) throw new Error(`too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const hardGiven = limits.length === 2 ? parseDecimalInt(limits[1]) : undefined;
  const soft = parseDecimalInt(limits[0]);
  const hard = hardGiven ?? soft;
  if (hard !== -1 && soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Hard: hard, Soft: soft };
}

/** The --ulimit values, a later one for the same name replacing the earlier. */
export function ulimitList(values: readonly string[]): Ulimit[] {
  const byName = new Map<string, Ulimit>();
  for (const v of values) {
    const u = parseUlimit(v);
    byName.set(u.Name, u);
  }
  return [...byName.values()];
}

function validDeviceMode(mode: string): boolean {
  if (mode === '') return false;
  const left = new Set(['r', 'w', 'm']);
  for (const c of mode) {
    if (!left.has(c)) return false;
    left.delete(c);
  }
  return true;
}

export interface DeviceMapping { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }

/** validateDevice + parseLinuxDevice: "host[:container][:perms]". */
export function parseDevice(value: string): DeviceMapping {
  const parts = value.split(':');
  if (parts.length > 3 || parts[0] === '') throw new Error(`bad format for path: ${value}`);
  if (parts.length === 3 && !validDeviceMode(parts[2])) throw new Error(`bad mode specified: ${parts[2]}`);
  let dst = '';
  let perms = 'rwm';
  if (parts.length === 3) perms = parts[2];
  if (parts.length >= 2) {
    if (validDeviceMode(parts[1])) perms = parts[1];
    else dst = parts[1];
  }
  const containerPath = dst || parts[0];
  if (!containerPath.startsWith('/')) throw new Error(`${containerPath} is not an absolute path`);
  return { PathOnHost: parts[0], PathInContainer: dst || parts[0], CgroupPermissions: perms };
}

/** opts.ParseRestartPolicy: "name[:max-retries]"; '' is no policy at all. */
export function parseRestartPolicy(policy: string): { Name: string; MaximumRetryCount: number } {
  if (policy === '') return { Name: '', MaximumRetryCount: 0 };
  const colon = policy.indexOf(':');
  const name = colon >= 0 ? policy.slice(0, colon) : policy;
  const count = colon >= 0 ? policy.slice(colon + 1) : '';
  if (colon >= 0 && name === '') throw new Error('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
    max = Number(count);
  }
  return { Name: name, MaximumRetryCount: max };
}

const SYSCTLS = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];

/** opts.ValidateSysctl: namespaced sysctls only. */
export function validateSysctl(value: string): void {
  const parts = value.split('=');
  const ok = parts.length >= 2 && (SYSCTLS.includes(parts[0]) || parts[0].startsWith('net.') || parts[0].startsWith('fs.mqueue.'));
  if (!ok) throw new Error(`sysctl '${value}' is not allowed`);
}

/** MapOpts: "k=v" pairs as a map, a bare "k" as k: "". */
export function mapOpt(values: readonly string[]): Record<string, string> {
  return kvMap(values);
}

// ---- capabilities and security options ----

/** opts.EffectiveCapAddCapDrop: normalized, sorted, ALL wins, CapAdd beats CapDrop. */
export function effectiveCaps(add: readonly string[], drop: readonly string[]): { capAdd: string[] | null; capDrop: string[] | null } {
  let a = new Set(add.map(normalizeCap).filter((c) => c !== ''));
  let d = new Set(drop.map(normalizeCap).filter((c) => c !== ''));
  if (a.has('ALL')) a = new Set(['ALL']);
  if (d.has('ALL')) d = new Set(['ALL']);
  for (const c of a) d.delete(c);
  const sorted = (s: Set<string>) => (s.size === 0 ? null : [...s].sort());
  return { capAdd: sorted(a), capDrop: sorted(d) };
}

/** parseSecurityOpts + parseSystemPaths: seccomp profiles are sent inline; systempaths=unconfined clears the masked paths. */
export function securityOptions(values: readonly string[]): { opts: string[] | null; masked: string[] | null; readonly: string[] | null } {
  const out: string[] = [];
  let unconfined = false;
  for (const opt of values) {
    let sep = opt.indexOf('=');
    if (sep < 0 && opt !== 'no-new-privileges') sep = opt.indexOf(':');
    const key = sep >= 0 ? opt.slice(0, sep) : opt;
    const value = sep >= 0 ? opt.slice(sep + 1) : '';
    if (value === '' && key !== 'no-new-privileges') throw new Error(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    if (opt === 'systempaths=unconfined') {
      unconfined = true;
      continue;
    }
    if (key === 'seccomp' && value !== 'builtin' && value !== 'unconfined') {
      let text: string;
      try {
        text = readFileSync(value, 'utf8');
      } catch (e) {
        throw new Error(`opening seccomp profile (${value}) failed: ${goPathError('open', value, e).message}`);
      }
      try {
        out.push(`seccomp=${JSON.stringify(JSON.parse(text))}`);
      } catch (e) {
        throw new Error(`compacting json for seccomp profile (${value}) failed: ${(e as Error).message}`);
      }
      continue;
    }
    out.push(opt);
  }
  return { opts: values.length > 0 ? out : null, masked: unconfined ? [] : null, readonly: unconfined ? [] : null };
}
