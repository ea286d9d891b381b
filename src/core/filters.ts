import { InvalidParameterError } from './errors.ts';

/** Docker filters: key -> values (order kept). */
export type Filters = Map<string, string[]>;

/**
 * Parse the `filters` query parameter: `{"key":{"value":true}}` (current form)
 * or `{"key":["value"]}` (legacy). Validates keys against `allowed`.
 */
export function parseFilters(raw: string | undefined | null, allowed: readonly string[]): Filters {
  const out: Filters = new Map();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new InvalidParameterError(`invalid filter: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidParameterError('invalid filter: filters must be a JSON object');
  }
  for (const [key, val] of Object.entries(parsed as Record<string, unknown>)) {
    if (!allowed.includes(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
    let values: string[];
    if (Array.isArray(val)) values = val.map(String);
    else if (val && typeof val === 'object') values = Object.entries(val).filter(([, on]) => on).map(([k]) => k);
    else throw new InvalidParameterError(`invalid filter '${key}'`);
    out.set(key, values);
  }
  return out;
}

/** Boolean filter (`dangling=true`), docker's error for other values. */
export function boolFilter(f: Filters, key: string): boolean | undefined {
  const v = f.get(key);
  if (!v || v.length === 0) return undefined;
  const norm = v.map((x) => x.toLowerCase());
  if (norm.some((x) => x !== 'true' && x !== 'false' && x !== '1' && x !== '0')) {
    throw new InvalidParameterError(`invalid filter '${key}=${v[0]}'`);
  }
  return norm.includes('true') || norm.includes('1');
}

/** `label` filters: `key` or `key=value`; all must match. */
export function matchLabels(f: Filters, labels: Record<string, string> | null | undefined, key = 'label'): boolean {
  const want = f.get(key);
  if (!want) return true;
  const have = labels ?? {};
  return want.every((w) => {
    const i = w.indexOf('=');
    if (i < 0) return Object.hasOwn(have, w);
    return have[w.slice(0, i)] === w.slice(i + 1);
  });
}

/** `label!=` style negative filter. */
export function matchNotLabels(f: Filters, labels: Record<string, string> | null | undefined, key = 'label!'): boolean {
  const want = f.get(key);
  if (!want) return true;
  const have = labels ?? {};
  return want.every((w) => {
    const i = w.indexOf('=');
    if (i < 0) return !Object.hasOwn(have, w);
    return have[w.slice(0, i)] !== w.slice(i + 1);
  });
}

/** Parse a docker timestamp filter (`until=`/`since=`): unix seconds, RFC3339, or a duration like 10m, 24h. */
export function parseTimestamp(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const dur = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(value);
  if (dur) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
    return now - Number(dur[1]) * mult[dur[2]];
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidParameterError(`failed to parse value as time or duration: "${value}"`);
  return t;
}
