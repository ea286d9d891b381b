import { InvalidParameterError } from '../core/errors.ts';
import type { ImageConfigBody } from '../core/images/types.ts';

const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

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
    if (!m) throw new InvalidParameterError(`${instr} requires at least one argument`);
    return [[m[1], m[2].trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw new InvalidParameterError(`${instr} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** Apply `--change` lines (import/commit) to a container config, as dockerd does. */
export function applyChanges(base: ImageConfigBody, changes: string[]): ImageConfigBody {
  const cfg: ImageConfigBody = structuredClone(base);
  for (const raw of changes) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    const instr = m[1].toUpperCase();
    const rest = m[2];
    if (!ALLOWED.includes(instr)) throw new InvalidParameterError(`${instr} is not a valid change command`);
    switch (instr) {
      case 'CMD':
      case 'ENTRYPOINT': {
        const args = jsonArgs(rest) ?? ['/bin/sh', '-c', rest];
        if (instr === 'CMD') cfg.Cmd = args;
        else { cfg.Entrypoint = args; cfg.Cmd = null; }
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
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new InvalidParameterError(`invalid containerPort: ${p}`);
          ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
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
        const w = rest.trim();
        cfg.WorkingDir = w.startsWith('/') ? w : `${(cfg.WorkingDir || '/').replace(/\/$/, '')}/${w}`;
        break;
      }
      case 'STOPSIGNAL': cfg.StopSignal = rest.trim(); break;
      case 'ONBUILD': cfg.OnBuild = [...(cfg.OnBuild ?? []), rest.trim()]; break;
      case 'HEALTHCHECK': {
        const t = rest.trim();
        if (/^NONE$/i.test(t)) cfg.Healthcheck = { Test: ['NONE'] };
        else {
          const cm = /^CMD\s+([\s\S]+)$/i.exec(t);
          if (!cm) throw new InvalidParameterError('HEALTHCHECK requires CMD or NONE');
          const args = jsonArgs(cm[1]);
          cfg.Healthcheck = { Test: args ? ['CMD', ...args] : ['CMD-SHELL', cm[1]] };
        }
        break;
      }
    }
  }
  return cfg;
}
