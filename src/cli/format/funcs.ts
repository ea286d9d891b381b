/**
 * Template functions: Go's text/template builtins (and, or, not, len, index,
 * slice, eq, ne, lt, le, gt, ge, print, printf, println, html, urlquery) and
 * the docker CLI's additions (json, split, join, title, lower, upper, pad,
 * truncate), plus the docker "header" variants used to render table headers.
 */
import { goString, goTypeName, sprint, sprintln } from './gofmt.ts';
import { GoDuration, GoFileMode, GoMap, GoPtr, isTyped, JsonNumber } from './govalues.ts';
import { sprintf } from './printf.ts';

export interface FuncDef {
  fn: (args: unknown[]) => unknown;
  min: number;
  max: number;
}
export type FuncMap = ReadonlyMap<string, FuncDef>;

/** A wrong argument type; reported without the "error calling" prefix, like Go. */
export class ArgTypeError extends Error {}

/** Go's template truth: false, 0, "", nil and empty slices/maps are false. */
export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'boolean': return v;
    case 'number': return v !== 0;
    case 'bigint': return v !== 0n;
    case 'string': return v !== '';
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof GoPtr) return v.elem !== null;
  if (v instanceof JsonNumber) return v.text !== '';
  if (v instanceof GoDuration || v instanceof GoFileMode) return Number(v) !== 0;
  if (isTyped(v)) return true;
  if (v instanceof Date || typeof v === 'function') return true;
  return Object.keys(v as object).length > 0;
}

function typeError(v: unknown, want: string): ArgTypeError {
  if (v === undefined || v === null) return new ArgTypeError(`invalid value; expected ${want}`);
  return new ArgTypeError(`wrong type for value; expected ${want}; got ${goTypeName(v)}`);
}
function str(v: unknown): string {
  if (typeof v === 'string') return v;
  throw typeError(v, 'string');
}
function int(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw typeError(v, 'int');
}

type Kind = 'nil' | 'bool' | 'number' | 'string' | 'other';
function kindOf(v: unknown): Kind {
  if (v === undefined || v === null) return 'nil';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': case 'bigint': return 'number';
    case 'string': return 'string';
    default:
      if (v instanceof JsonNumber) return 'string';
      return v instanceof GoDuration || v instanceof GoFileMode ? 'number' : 'other';
  }
}

function eq(args: unknown[]): boolean {
  const [a, ...rest] = args;
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const ka = kindOf(a);
  for (const b of rest) {
    const kb = kindOf(b);
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new Error('incompatible types for comparison');
      continue;
    }
    if (ka === 'nil') return true;
    if (ka === 'other') throw new Error(`non-comparable type ${goString(a)}: ${goTypeName(a)}`);
    if (ka === 'number' ? Number(a) === Number(b) : String(a) === String(b)) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if ((ka !== 'number' && ka !== 'string') || (kb !== 'number' && kb !== 'string')) {
    throw new Error('invalid type for comparison');
  }
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return ka === 'number' ? Number(a) < Number(b) : String(a) < String(b);
}

function indexOne(v: unknown, i: unknown): unknown {
  if (v === undefined || v === null) throw new Error('index of untyped nil');
  if (Array.isArray(v) || typeof v === 'string') {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw new Error(`cannot index slice/array with type ${goTypeName(i)}`);
    const len = typeof v === 'string' ? Buffer.byteLength(v) : v.length;
    if (i < 0 || i >= len) throw new Error(`index out of range: ${i}`);
    return typeof v === 'string' ? Buffer.from(v)[i] : v[i];
  }
  if (v instanceof GoMap) {
    if (typeof i !== 'string') throw new Error(`value has type ${goTypeName(i)}; should be string`);
    return v.index(i);
  }
  if (v instanceof Map) return v.get(i);
  if (isTyped(v)) throw new Error(`can't index item of type ${goTypeName(v)}`);
  if (typeof v === 'object') {
    if (typeof i !== 'string') throw new Error(`value has type ${goTypeName(i)}; should be string`);
    return Object.hasOwn(v, i) ? (v as Record<string, unknown>)[i] : undefined;
  }
  throw new Error(`can't index item of type ${goTypeName(v)}`);
}

function slice(args: unknown[]): unknown {
  const [item, ...idx] = args;
  if (typeof item !== 'string' && !Array.isArray(item)) throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (idx.length > (typeof item === 'string' ? 2 : 3)) throw new Error(`too many slice indexes: ${idx.length}`);
  const len = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
  const nums = idx.map((x) => {
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`cannot index slice/array with type ${goTypeName(x)}`);
    if (x < 0 || x > len) throw new Error(`index out of range: ${x}`);
    return x;
  });
  const from = nums[0] ?? 0;
  const to = nums[1] ?? len;
  if (from > to) throw new Error(`invalid slice index: ${from} > ${to}`);
  return typeof item === 'string' ? Buffer.from(item).subarray(from, to).toString() : item.slice(from, to);
}

function len(v: unknown): number {
  if (v === undefined || v === null) throw new Error('len of untyped nil');
  if (typeof v === 'string' || v instanceof JsonNumber) return Buffer.byteLength(String(v));
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (isTyped(v)) throw new Error(`len of type ${goTypeName(v)}`);
  if (typeof v === 'object' && !(v instanceof Date)) return Object.keys(v).length;
  throw new Error(`len of type ${goTypeName(v)}`);
}

/** encoding/json output as docker's `json` func produces it (no HTML escaping, no newline). */
export function goJSON(v: unknown): string {
  const s = JSON.stringify(v, (_k, val: unknown) => {
    if (typeof val === 'string') return (val as unknown as { toWellFormed(): string }).toWellFormed();
    if (typeof val === 'bigint') return (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON(val.toString());
    if (val instanceof Map) return Object.fromEntries(val);
    return val;
  });
  if (s === undefined) return 'null';
  return s.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function isSeparator(ch: string): boolean {
  if (/^[0-9A-Za-z_]$/.test(ch)) return false;
  if (ch.codePointAt(0)! <= 0x7f) return true;
  if (/^[\p{L}\p{Nd}]$/u.test(ch)) return false;
  return /^\s$/u.test(ch);
}

/** strings.Title: upper-case the first letter of each word. */
export function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function repeat(n: number): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(n);
}

const def = (fn: FuncDef['fn'], min: number, max = min): FuncDef => ({ fn, min, max });
const cmp = (f: (a: unknown, b: unknown) => boolean): FuncDef => def((a) => f(a[0], a[1]), 2);

const HTML_ESC: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' };

export const BASE_FUNCS: FuncMap = new Map<string, FuncDef>([
  // "and" and "or" short-circuit; the executor evaluates them itself.
  ['and', def(() => undefined, 1, Infinity)],
  ['or', def(() => undefined, 1, Infinity)],
  ['not', def((a) => !truth(a[0]), 1)],
  ['len', def((a) => len(a[0]), 1)],
  ['index', def((a) => a.slice(1).reduce(indexOne, a[0]), 1, Infinity)],
  ['slice', def(slice, 1, Infinity)],
  ['eq', def(eq, 1, Infinity)],
  ['ne', cmp((a, b) => !eq([a, b]))],
  ['lt', cmp(lt)],
  ['le', cmp((a, b) => lt(a, b) || eq([a, b]))],
  ['gt', cmp((a, b) => !(lt(a, b) || eq([a, b])))],
  ['ge', cmp((a, b) => !lt(a, b))],
  ['print', def(sprint, 0, Infinity)],
  ['println', def(sprintln, 0, Infinity)],
  ['printf', def((a) => sprintf(str(a[0]), a.slice(1)), 1, Infinity)],
  ['html', def((a) => sprint(a).replace(/[<>&'"\0]/g, (c) => HTML_ESC[c]!), 0, Infinity)],
  ['urlquery', def((a) => encodeURIComponent(sprint(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()), 0, Infinity)],
  // docker CLI additions
  ['json', def((a) => goJSON(a[0]), 1)],
  ['split', def((a) => {
    const s = str(a[0]);
    const sep = str(a[1]);
    return sep === '' ? [...s] : s.split(sep);
  }, 2)],
  ['join', def((a) => {
    if (!Array.isArray(a[0])) throw typeError(a[0], '[]string');
    const sep = str(a[1]);
    return a[0].map((e) => (typeof e === 'string' ? e : goString(e))).join(sep);
  }, 2)],
  ['title', def((a) => title(str(a[0])), 1)],
  ['lower', def((a) => str(a[0]).toLowerCase(), 1)],
  ['upper', def((a) => str(a[0]).toUpperCase(), 1)],
  ['pad', def((a) => {
    const s = str(a[0]);
    const l = int(a[1]);
    const r = int(a[2]);
    return s === '' ? s : repeat(l) + s + repeat(r);
  }, 3)],
  ['truncate', def((a) => {
    const runes = [...str(a[0])];
    const n = int(a[1]);
    if (n < 0) throw new Error(`slice bounds out of range [:${n}]`);
    return runes.length < n ? runes.join('') : runes.slice(0, n).join('');
  }, 2)],
]);

/** docker's HeaderFunctions: keep the column title intact (pad is not overridden). */
export const HEADER_FUNCS: FuncMap = new Map<string, FuncDef>([
  ...BASE_FUNCS,
  ['json', def((a) => str(a[0]), 1)],
  ['split', def((a) => str(a[0]), 2)],
  ['join', def((a) => str(a[0]), 2)],
  ['title', def((a) => str(a[0]), 1)],
  ['lower', def((a) => str(a[0]), 1)],
  ['upper', def((a) => str(a[0]), 1)],
  ['truncate', def((a) => str(a[0]), 2)],
]);

export const FUNC_NAMES: ReadonlySet<string> = new Set(BASE_FUNCS.keys());
