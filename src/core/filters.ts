import { InvalidParameterError } from './errors.ts';

/** Docker filters: key -> values (order kept). */
export type Filters = Map<string, string[]>;

/**
 * Parse the `filters` query parameter: `{"key":{"value":true}}` (current form)
 * or `{"key":["value"]}` (legacy). Validates keys against `allowed`; null
 * takes any key (dockerd's /events ignores the ones it does not know).
 */
export function parseFilters(raw: string | undefined | null, allowed: readonly string[] | null): Filters {
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
    if (allowed && !allowed.includes(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
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

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

/**
 * Go's time.ParseDuration: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` or `0`, e.g. 1h30m,
 * 1m30.5s, 300ms. Returns nanoseconds; throws InvalidParameterError with Go's text.
 */
export function parseGoDuration(value: string): number {
  const quoted = JSON.stringify(value);
  const invalid = (): never => { throw new InvalidParameterError(`time: invalid duration ${quoted}`); };
  let s = value;
  const neg = s.startsWith('-');
  if (neg || s.startsWith('+')) s = s.slice(1);
  if (s === '0') return 0;
  if (s === '') invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(s)!;
    const [all, int, frac, unit] = m;
    if (int === '' && !frac) invalid();
    if (unit === '') throw new InvalidParameterError(`time: missing unit in duration ${quoted}`);
    const mult = DURATION_UNITS[unit];
    if (mult === undefined) throw new InvalidParameterError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += BigInt(int || '0') * mult;
    if (frac) total += (BigInt(frac) * mult) / 10n ** BigInt(frac.length);
    if (total > 2n ** 63n - (neg ? 0n : 1n)) invalid();
    s = s.slice(all.length);
  }
  return Number(neg ? -total : total);
}

/** Parse a docker timestamp filter (`until=`/`since=`): unix seconds, RFC3339, or a Go duration like 10m, 1h30m. */
export function parseTimestamp(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  let ns: number | undefined;
  try {
    ns = parseGoDuration(value);
  } catch {
    // not a duration
  }
  if (ns !== undefined) return now - ns / 1e6;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidParameterError(`failed to parse value as time or duration: "${value}"`);
  return t;
}
