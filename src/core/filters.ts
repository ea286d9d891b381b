import { RE2JS } from 're2js';
import { InvalidParameterError } from './errors.ts';

/** Docker filters: key -> values (order kept). */
export type Filters = Map<string, string[]>;

/**
 * Parse the `filters` query parameter as filters.FromJSON: `{"key":{"value":true}}`
 * (current form) or, for the whole document, `{"key":["value"]}` (legacy);
 * anything else is Go's bare `invalid filter`; `null` is no filter. Then the
 * keys are checked against `allowed`.
 */
export function parseFilters(raw: string | undefined | null, allowed: readonly string[] | null): Filters {
  const out = parseFilterJson(raw);
  // null takes any key (dockerd's /events ignores the ones it does not know)
  for (const key of out.keys()) if (allowed && !allowed.includes(key)) throw invalidFilter(key);
  return out;
}

/** filters.FromJSON alone: the filters, their keys unchecked. */
export function parseFilterJson(raw: string | undefined | null): Filters {
  const out: Filters = new Map();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidFilter('');
  }
  if (parsed === null) return out;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidFilter('');
  const entries = Object.entries(parsed as Record<string, unknown>);
  const isMap = (v: unknown): v is Record<string, boolean> | null => v === null
    || (typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'boolean'));
  const isList = (v: unknown): v is string[] | null => v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (entries.every(([, v]) => isMap(v))) {
    for (const [key, v] of entries) out.set(key, Object.entries((v ?? {}) as Record<string, boolean>).filter(([, on]) => on).map(([k]) => k));
  } else if (entries.every(([, v]) => isList(v))) {
    for (const [key, v] of entries) out.set(key, [...new Set((v ?? []) as string[])]);
  } else {
    throw invalidFilter('');
  }
  return out;
}

/** Go's `invalid filter 'key=[v1 v2]'` (api/types/filters invalidFilter): the values as Go prints a []string. */
export function invalidFilter(key: string, values?: string[]): InvalidParameterError {
  if (!key) return new InvalidParameterError('invalid filter');
  return new InvalidParameterError(values ? `invalid filter '${key}=[${values.join(' ')}]'` : `invalid filter '${key}'`);
}

/**
 * filters.Args.GetBoolOrDefault: absent gives `def`; otherwise exactly one of
 * "true"/"1" and "false"/"0" (case matters), any other or conflicting values are invalid.
 */
export function getBoolOrDefault(f: Filters, key: string, def: boolean): boolean {
  const v = f.get(key);
  if (!v) return def;
  if (v.length === 0) throw invalidFilter(key);
  const isFalse = v.includes('0') || v.includes('false');
  const isTrue = v.includes('1') || v.includes('true');
  if (isFalse === isTrue) throw invalidFilter(key, v);
  return isTrue;
}

/** filters.Args.MatchKVList: every `key` or `key=value` of the filter is among the labels (no values: true; no labels: false). */
export function matchKVList(f: Filters, key: string, labels: Record<string, string> | null | undefined): boolean {
  const want = f.get(key);
  if (!want?.length) return true;
  const have = labels ?? {};
  if (Object.keys(have).length === 0) return false;
  return want.every((w) => {
    const i = w.indexOf('=');
    if (i < 0) return Object.hasOwn(have, w);
    return Object.hasOwn(have, w.slice(0, i)) && have[w.slice(0, i)] === w.slice(i + 1);
  });
}

/** `label` filters: `key` or `key=value`; all must match. */
export function matchLabels(f: Filters, labels: Record<string, string> | null | undefined, key = 'label'): boolean {
  return matchKVList(f, key, labels);
}

/**
 * `label!` (prune filters, volume lists): as moby's matchLabels, a record is
 * left out only when it matches every `label!` value together.
 */
export function matchNotLabels(f: Filters, labels: Record<string, string> | null | undefined, key = 'label!'): boolean {
  return !f.has(key) || !matchKVList(f, key, labels);
}

/**
 * filters.Args.Match as a predicate: a value equal to the source, or one whose
 * Go (RE2) regexp matches anywhere in it; a value that is no valid regexp
 * matches only itself. No values: null (no filter).
 */
export function goMatcher(values: string[] | undefined): ((source: string) => boolean) | null {
  if (!values?.length) return null;
  const res = values.map((v) => {
    try {
      return RE2JS.compile(v);
    } catch {
      return null;
    }
  });
  return (source) => values.includes(source) || res.some((re) => re !== null && re.matcher(source).find());
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
