import { posix } from 'node:path';
import { InvalidParameterError } from '../core/errors.ts';
import { parseGoDuration } from '../core/filters.ts';
import type { ImageConfigBody } from '../core/images/types.ts';

/** dockerd's validCommitCommands: STOPSIGNAL, SHELL, ARG and the rest are build-only */
const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'USER', 'VOLUME', 'WORKDIR'];

/** Split on whitespace, honouring single/double quotes and backslash escapes. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (quote) throw new InvalidParameterError(`unexpected end of statement while looking for matching ${quote}`);
  if (has || cur) out.push(cur);
  return out;
}

/** JSON array form (`["a","b"]`) or null when the text is not one. */
function jsonArgs(rest: string): string[] | null {
  const t = rest.trim();
  if (!t.startsWith('[')) return null;
  try {
    const v = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // shell form
  }
  return null;
}

function keyValues(instr: string, rest: string): [string, string][] {
  const words = splitWords(rest);
  if (words.length === 0) throw new InvalidParameterError(`${instr} requires at least one argument`);
  if (!words[0].includes('=')) {
    // legacy form: KEY value with spaces
    const m = /^\s*(\S+)\s+(.*)$/.exec(rest);
    if (!m) throw new InvalidParameterError(`${instr} must have two arguments`); // the Dockerfile parser's words, as for a build
    return [[m[1], m[2].trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw new InvalidParameterError(`${instr} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** nat.ParsePortSpecs for EXPOSE: `80`, `53/udp`, `8000-8002` (a range is one key per port). */
function exposedPorts(spec: string): string[] {
  const slash = spec.indexOf('/');
  const port = slash < 0 ? spec : spec.slice(0, slash);
  const proto = slash < 0 || slash === spec.length - 1 ? 'tcp' : spec.slice(slash + 1).toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new InvalidParameterError(`invalid proto: ${proto}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(port);
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start > 65535 || end > 65535 || end < start) throw new InvalidParameterError(`invalid containerPort: ${port}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

/** Go's filepath.Join + Clean for a relative WORKDIR (dockerd normalizeWorkdir). */
function joinWorkdir(current: string, requested: string): string {
  if (requested.startsWith('/')) return requested;
  const joined = posix.join('/', current, requested);
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

const HEALTH_FLAGS = ['interval', 'timeout', 'start-period', 'start-interval', 'retries'];
type Health = NonNullable<ImageConfigBody['Healthcheck']>;

/** HEALTHCHECK [--interval=D --timeout=D --start-period=D --start-interval=D --retries=N] CMD ... | NONE. */
function parseHealthcheck(rest: string): Health {
  let t = rest.trim();
  const flags = new Map<string, string>();
  for (let fm = /^--(\S*)\s*/.exec(t); fm; fm = /^--(\S*)\s*/.exec(t)) {
    t = t.slice(fm[0].length);
    if (fm[1] === '') break; // `--` ends the flags
    const eq = fm[1].indexOf('=');
    const name = eq < 0 ? fm[1] : fm[1].slice(0, eq);
    if (!HEALTH_FLAGS.includes(name)) throw new InvalidParameterError(`Unknown flag: ${name}`);
    if (flags.has(name)) throw new InvalidParameterError(`Duplicate flag specified: ${name}`);
    if (eq < 0) throw new InvalidParameterError(`Missing a value on flag: ${name}`);
    flags.set(name, fm[1].slice(eq + 1));
  }
  if (/^NONE$/i.test(t)) return { Test: ['NONE'] };
  const cm = /^CMD\s+([\s\S]+)$/i.exec(t);
  if (!cm) throw new InvalidParameterError('HEALTHCHECK requires CMD or NONE');
  const args = jsonArgs(cm[1]);
  const hc: Health = { Test: args ? ['CMD', ...args] : ['CMD-SHELL', cm[1]] };
  const durations = [['interval', 'Interval'], ['timeout', 'Timeout'], ['start-period', 'StartPeriod'], ['start-interval', 'StartInterval']] as const;
  for (const [flag, field] of durations) {
    const v = flags.get(flag);
    if (!v) continue;
    const ns = parseGoDuration(v);
    if (ns === 0) continue;
    if (ns < 1e6) throw new InvalidParameterError(`Interval "${flag}" cannot be less than 1ms`);
    hc[field] = ns;
  }
  const retries = flags.get('retries');
  if (retries) {
    const n = /^[+-]?\d+$/.test(retries) ? Number(retries) : NaN;
    if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) {
      throw new InvalidParameterError(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: ${Number.isNaN(n) ? 'invalid syntax' : 'value out of range'}`);
    }
    if (n < 0) throw new InvalidParameterError(`--retries cannot be negative (${n})`);
    if (n > 0) hc.Retries = n;
  }
  return hc;
}

/** Apply `--change` lines (import/commit) to a container config, as dockerd does. */
export function applyChanges(base: ImageConfigBody, changes: string[]): ImageConfigBody {
  const cfg: ImageConfigBody = structuredClone(base);
  let cmdSet = false; // dockerd's state.cmdSet: ENTRYPOINT keeps a CMD given earlier in this list
  for (const raw of changes) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    const instr = m[1].toUpperCase();
    const rest = m[2];
    if (!ALLOWED.includes(instr)) throw new InvalidParameterError(`${instr.toLowerCase()} is not a valid change command`); // dockerd names it in lower case
    switch (instr) {
      case 'CMD':
      case 'ENTRYPOINT': {
        const args = jsonArgs(rest) ?? ['/bin/sh', '-c', rest];
        if (instr === 'CMD') {
          cfg.Cmd = args;
          cmdSet = true;
        } else {
          cfg.Entrypoint = args;
          if (!cmdSet) cfg.Cmd = null;
        }
        break;
      }
      case 'ENV': {
        const env = [...(cfg.Env ?? [])];
        for (const [k, v] of keyValues(instr, rest)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`; else env.push(`${k}=${v}`);
        }
        cfg.Env = env;
        break;
      }
      case 'LABEL': {
        const labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of keyValues(instr, rest)) labels[k] = v;
        cfg.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of splitWords(rest)) {
          for (const key of exposedPorts(p)) ports[key] = {};
        }
        cfg.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(cfg.Volumes ?? {}) };
        for (const v of jsonArgs(rest) ?? splitWords(rest)) {
          if (!v) throw new InvalidParameterError('VOLUME specified can not be an empty string');
          vols[v] = {};
        }
        cfg.Volumes = vols;
        break;
      }
      case 'USER': cfg.User = rest.trim(); break;
      case 'WORKDIR': {
        cfg.WorkingDir = joinWorkdir(cfg.WorkingDir || '/', rest.trim());
        break;
      }
      case 'ONBUILD': cfg.OnBuild = [...(cfg.OnBuild ?? []), rest.trim()]; break;
      case 'HEALTHCHECK': cfg.Healthcheck = parseHealthcheck(rest); break;
    }
  }
  return cfg;
}
