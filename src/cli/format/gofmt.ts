/**
 * Go's fmt-style rendering of JavaScript values: the %v form used by
 * text/template when printing ({{.X}}), Sprint/Sprintln, strconv.Quote and
 * Go's float formatting (%e %f %g with round-half-even on the exact value).
 *
 * Value model: strings, numbers (integral numbers behave like Go ints, others
 * like float64), booleans, arrays (slices), plain objects (maps, printed with
 * sorted keys), null/undefined (nil / "no value"), and the typed Go values
 * of govalues.ts (structs in field order, pointers, time.Time, time.Duration).
 */
import { fakeAddress, GoDuration, GoFileMode, GoMap, GoPtr, GoStruct, GoTime, isTyped, JsonNumber, typeName } from './govalues.ts';

/** Decimal digits of a float: value = 0.d1d2d3... × 10^dp. */
export interface Digits { d: string; dp: number }

/** Shortest round-tripping digits (what Go's strconv uses for precision -1). */
export function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [mant, exp] = Math.abs(x).toExponential().split('e');
  const d = mant!.replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(exp) + 1 };
}

/** The exact decimal expansion of a finite double. */
export function exactDigits(x: number): Digits {
  x = Math.abs(x);
  if (x === 0) return { d: '', dp: 0 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const bexp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (bexp === 0) e2 = -1074;
  else { mant |= 1n << 52n; e2 = bexp - 1075; }
  let s: string; let dp: number;
  if (e2 >= 0) { s = (mant << BigInt(e2)).toString(); dp = s.length; }
  else {
    s = (mant * 5n ** BigInt(-e2)).toString(); // value = s × 10^e2
    dp = s.length + e2;
  }
  const lead = s.match(/^0*/)![0].length;
  s = s.slice(lead).replace(/0+$/, '');
  return { d: s, dp };
}

/** Round to nd significant digits, ties to even (the digits are exact). */
export function roundDigits(g: Digits, nd: number): Digits {
  const { d } = g;
  if (nd < 0) return { d: '', dp: 0 };
  if (nd >= d.length) return g;
  let up: boolean;
  if (d[nd] === '5' && nd + 1 === d.length) up = nd > 0 && (d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = d[nd]! >= '5';
  if (!up) {
    const kept = d.slice(0, nd).replace(/0+$/, '');
    return kept === '' ? { d: '', dp: 0 } : { d: kept, dp: g.dp };
  }
  let i = nd - 1;
  while (i >= 0 && d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: g.dp + 1 };
  const kept = d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1);
  return { d: kept, dp: g.dp };
}

function fmtE(g: Digits, prec: number, verb: string): string {
  let out = g.d.length === 0 ? '0' : g.d[0]!;
  if (prec > 0) out += '.' + g.d.slice(1, prec + 1).padEnd(prec, '0');
  const exp = g.d.length === 0 ? 0 : g.dp - 1;
  const ae = Math.abs(exp);
  return out + verb + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + ae;
}

function fmtF(g: Digits, prec: number): string {
  let out = g.dp > 0 ? g.d.slice(0, g.dp).padEnd(g.dp, '0') : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = g.dp + i - 1;
      out += j >= 0 && j < g.d.length ? g.d[j] : '0';
    }
  }
  return out;
}

/** strconv.FormatFloat(x, verb, prec, 64) for verb in e E f F g G. */
export function formatFloat(x: number, verb: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0) ? '-' : '';
  const shortest = prec < 0;
  let g: Digits;
  const lower = verb.toLowerCase();
  if (shortest) {
    g = shortestDigits(x);
    prec = lower === 'e' ? Math.max(g.d.length - 1, 0) : lower === 'f' ? Math.max(g.d.length - g.dp, 0) : g.d.length;
  } else {
    const ex = exactDigits(x);
    if (lower === 'e') g = roundDigits(ex, prec + 1);
    else if (lower === 'f') g = roundDigits(ex, ex.dp + prec);
    else { if (prec === 0) prec = 1; g = roundDigits(ex, prec); }
  }
  if (lower === 'e') return neg + fmtE(g, prec, verb);
  if (lower === 'f') return neg + fmtF(g, prec);
  let eprec = prec;
  if (eprec > g.d.length && g.d.length >= g.dp) eprec = g.d.length;
  if (shortest) eprec = 6;
  const exp = g.dp - 1;
  if (exp < -4 || exp >= eprec) {
    return neg + fmtE(g, Math.min(prec, g.d.length) - 1, verb === 'G' ? 'E' : 'e');
  }
  if (prec > g.dp) prec = g.d.length;
  return neg + fmtF(g, Math.max(prec - g.dp, 0));
}

/** A number as Go prints it with %v: integers as ints, others as float64. */
export function formatNumber(n: number): string {
  // Integral values are Go ints (int64); beyond that range only float64 can hold them.
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) {
    if (Object.is(n, -0)) return '0';
    return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  }
  return formatFloat(n, 'g', -1);
}

/** Whether a value is a plain object (a Go map in our model). */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The Go type name used in error messages (%T). */
export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (v instanceof GoStruct) return v.type.name;
  if (v instanceof GoPtr) return typeName(v.type);
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoDuration) return 'time.Duration';
  if (v instanceof GoFileMode) return 'fs.FileMode';
  if (v instanceof JsonNumber) return 'json.Number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof GoMap) return typeName({ k: 'map', elem: v.elemType, key: v.keyName });
  if (v instanceof Map) return 'map[string]interface {}';
  if (v instanceof Date) return 'time.Time';
  if (typeof v === 'function') return 'func';
  return 'map[string]interface {}';
}

/**
 * fmt's %v (%+v with plus) of a typed value: a struct is {f1 f2 ...}, a
 * pointer at the top level &{...} (a nested one is an address), Stringers
 * (time.Time, time.Duration, *units.Ulimit, ...) print themselves.
 */
function typedString(v: GoStruct | GoPtr | GoTime | GoDuration | GoFileMode, depth: number, plus: boolean): string {
  if (v instanceof GoTime || v instanceof GoDuration || v instanceof GoFileMode) return v.toString();
  if (v instanceof GoPtr) {
    const e = v.elem;
    if (e === null) return '<nil>';
    if (e instanceof GoStruct && e.type.stringer) return e.type.stringer(e);
    if (depth === 0 && (e instanceof GoStruct || e instanceof Map || Array.isArray(e))) return '&' + goString(e, depth + 1, plus);
    return fakeAddress(v);
  }
  if (v.type.stringer) return v.type.stringer(v);
  const parts = v.values.map((f, i) => (plus ? v.type.fields[i]!.name + ':' : '') + goString(f, depth + 1, plus));
  return '{' + parts.join(' ') + '}';
}

/** Go's %v of a value (fmt.Sprint of one operand). */
export function goString(v: unknown, depth = 0, plus = false): string {
  if (v === undefined || v === null) return '<nil>';
  if (isTyped(v)) return typedString(v, depth, plus);
  if (v instanceof JsonNumber) return v.text;
  switch (typeof v) {
    case 'string': return v;
    case 'number': return formatNumber(v);
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    case 'function': return '<func>';
  }
  if (Array.isArray(v)) return '[' + v.map((e) => goString(e, depth + 1, plus)).join(' ') + ']';
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Map) {
    const keys = [...v.keys()].sort();
    return 'map[' + keys.map((k) => `${goString(k)}:${goString(v.get(k), depth + 1, plus)}`).join(' ') + ']';
  }
  const obj = v as Record<string, unknown>;
  return 'map[' + Object.keys(obj).sort().map((k) => `${k}:${goString(obj[k], depth + 1, plus)}`).join(' ') + ']';
}

/** How text/template prints the result of an action: absent values are "<no value>", pointers are followed. */
export function printValue(v: unknown): string {
  if (v instanceof GoPtr && v.elem !== null) v = v.elem;
  return v === undefined || v === null ? '<no value>' : goString(v);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goString(a);
  });
  return out;
}

/** fmt.Sprintln: always spaces, trailing newline. */
export function sprintln(args: unknown[]): string {
  return args.map((a) => goString(a)).join(' ') + '\n';
}

function isPrintable(cp: number): boolean {
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp >= 0x80 && cp < 0xa0) return false;
  if (cp === 0xad || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) return false;
  if (cp >= 0xd800 && cp < 0xe000) return false;
  if (cp >= 0x200b && cp <= 0x200f) return false;
  return true;
}

const letterEscapes: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };

/** strconv.Quote. */
export function quote(s: string, q = '"'): string {
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (isPrintable(cp)) out += ch;
    else if (letterEscapes[cp]) out += letterEscapes[cp];
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp >= 0xd800 && cp < 0xe000) out += '\\ufffd';
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + q;
}
