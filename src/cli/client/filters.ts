/**
 * docker's `--filter key=value` flags and the `filters` query parameter they
 * become: `{"key":{"value":true}}` (filters.Args as JSON).
 */

export const FILTER_FORMAT_ERROR = 'bad format of filter (expected name=value)';

/** Splits one `--filter` value like docker's FilterOpt.Set (name lowercased, both sides trimmed). */
export function parseFilterArg(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq < 0) throw new Error(FILTER_FORMAT_ERROR);
  return [arg.slice(0, eq).trim().toLowerCase(), arg.slice(eq + 1).trim()];
}

/** A FlagSpec `validate` hook: rejects a value without `=` at parse time (docker's exit 125). */
export function validateFilterArg(arg: string): void {
  if (arg !== '') parseFilterArg(arg);
}

/** The filters as a map of name to the set of values, in order of appearance. Empty values are skipped. */
export function filterMap(args: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const arg of args) {
    if (arg === '') continue;
    const [name, value] = parseFilterArg(arg);
    const values = out.get(name) ?? [];
    if (!values.includes(value)) values.push(value);
    out.set(name, values);
  }
  return out;
}

/**
 * The `filters` query value for repeated `--filter` flags, e.g.
 * ['dangling=true','label=a=b'] → '{"dangling":{"true":true},"label":{"a=b":true}}'.
 * Returns undefined when there is nothing to filter (so the parameter is left out).
 */
export function buildFilters(args: readonly string[]): string | undefined {
  const map = filterMap(args);
  if (map.size === 0) return undefined;
  // Null prototypes: a filter named "__proto__" must stay a plain key.
  const obj: Record<string, Record<string, boolean>> = Object.create(null);
  for (const [name, values] of map) {
    const set: Record<string, boolean> = Object.create(null);
    for (const v of values) set[v] = true;
    obj[name] = set;
  }
  return JSON.stringify(obj);
}
