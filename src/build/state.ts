/*
 * The state of a stage while it builds (dockerd's dispatchState): the run
 * config, declared ARGs, the current image; helpers for the environment
 * that variable substitution and RUN see, and the shapes that instructions
 * put into the config.
 */
import type { ImageConfigBody, ImageRecord } from '../core/images/types.ts';
import { InvalidParameterError } from '../core/errors.ts';
import { PROXY_ARGS } from '../core/build/types.ts';

export type Body = ImageConfigBody;

export interface StageState {
  name: string;
  index: number;
  image: ImageRecord | null;
  config: Body;
  /** Declared ARGs and their values (undefined: declared without a value). */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
  maintainer: string;
  platform: { os: string; architecture: string; variant?: string };
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function shellOf(s: StageState): string[] {
  return s.config.Shell?.length ? s.config.Shell : DEFAULT_SHELL;
}

export function envMap(env: string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

/** Variables for substitution: declared ARGs, overridden by ENV. */
export function expansionEnv(s: StageState): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of s.args) if (v !== undefined) m.set(k, v);
  for (const [k, v] of envMap(s.config.Env)) m.set(k, v);
  return m;
}

export function setEnv(s: StageState, key: string, value: string): void {
  const env = [...(s.config.Env ?? [])];
  const i = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  s.config.Env = env;
}

/** ARG values that RUN sees (not shadowed by ENV), and the proxy args given as build args. */
export function runArgs(s: StageState, buildArgs: Record<string, string | null>): { env: string[]; keyed: string[] } {
  const envKeys = envMap(s.config.Env);
  const env: string[] = [];
  const keyed: string[] = [];
  for (const [k, v] of s.args) {
    if (v === undefined || envKeys.has(k)) continue;
    env.push(`${k}=${v}`);
    keyed.push(`${k}=${v}`);
  }
  for (const k of PROXY_ARGS) {
    const v = buildArgs[k];
    if (typeof v === 'string' && !s.args.has(k) && !envKeys.has(k)) env.push(`${k}=${v}`);
  }
  return { env, keyed: keyed.sort() };
}

/** Go's %q of a string slice: ["a" "b"]. */
export function goQuoteList(list: string[]): string {
  return `[${list.map((x) => JSON.stringify(x)).join(' ')}]`;
}

/** EXPOSE arguments as nat.Port keys ("80/tcp"), ranges expanded. */
export function exposedPorts(ports: string[]): string[] {
  const out: string[] = [];
  for (const p of ports) {
    const m = /^(?:(?:[^:]*):)?(?:(\d+)(?:-(\d+))?)(?:\/(tcp|udp|sctp))?$/i.exec(p);
    if (!m) throw new InvalidParameterError(`invalid containerPort: ${p.split('/')[0]}`);
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    if (hi < lo || hi > 65535) throw new InvalidParameterError(`invalid containerPort: ${p.split('/')[0]}`);
    const proto = (m[3] ?? 'tcp').toLowerCase();
    for (let n = lo; n <= hi; n++) out.push(`${n}/${proto}`);
  }
  return out;
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds. */
export function goDuration(s: string): number {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (!s || pos !== s.length) throw new InvalidParameterError(`time: invalid duration "${s}"`);
  return Math.round(total);
}
