/**
 * A subset of Go's fmt.Sprintf: flags "-+# 0", width and precision (digits
 * or *), verbs v s q d b o O x X c U e E f F g G t T and %%. Wrong-type,
 * missing and extra operands are reported inline the way Go does
 * (%!d(string=x), %!s(MISSING), %!(EXTRA int=1)).
 */
import { formatFloat, goString, goTypeName, isMap, quote } from './gofmt.ts';
import { GoDuration, GoFileMode, GoPtr, GoStruct, isTyped, JsonNumber } from './govalues.ts';

interface Spec {
  minus: boolean; plus: boolean; sharp: boolean; space: boolean; zero: boolean;
  width: number | undefined; prec: number | undefined; verb: string;
}

function runeLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width;
  if (w === undefined) return s;
  const n = runeLen(s);
  if (n >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - n);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(w - n) + s.slice(sign.length);
  }
  return ' '.repeat(w - n) + s;
}

function bad(spec: Spec, arg: unknown): string {
  if (arg === undefined || arg === null) return `%!${spec.verb}(<nil>)`;
  return `%!${spec.verb}(${goTypeName(arg)}=${goString(arg)})`;
}

function signed(s: string, neg: boolean, spec: Spec): string {
  if (neg) return '-' + s;
  if (spec.plus) return '+' + s;
  if (spec.space) return ' ' + s;
  return s;
}

function fmtInt(n: number | bigint, spec: Spec): string {
  const big = BigInt(n);
  const neg = big < 0n;
  const abs = neg ? -big : big;
  let body: string;
  switch (spec.verb) {
    case 'd': body = abs.toString(); break;
    case 'b': body = abs.toString(2); break;
    case 'o': body = abs.toString(8); if (spec.sharp && body !== '0') body = '0' + body; break;
    case 'O': body = '0o' + abs.toString(8); break;
    case 'x': body = abs.toString(16); if (spec.sharp) body = '0x' + body; break;
    case 'X': body = abs.toString(16).toUpperCase(); if (spec.sharp) body = '0X' + body; break;
    case 'c': return pad(String.fromCodePoint(Number(abs)), spec, false);
    case 'q': return pad(quote(String.fromCodePoint(Number(abs)), "'"), spec, false);
    case 'U': return pad('U+' + abs.toString(16).toUpperCase().padStart(4, '0'), spec, false);
    default: return bad(spec, Number(n));
  }
  if (spec.prec !== undefined) body = body.padStart(spec.prec, '0');
  return pad(signed(body, neg, spec), spec, spec.prec === undefined);
}

function fmtFloatVerb(x: number, spec: Spec): string {
  const verb = spec.verb === 'v' ? 'g' : spec.verb === 'F' ? 'f' : spec.verb;
  const prec = spec.prec ?? (verb === 'g' || verb === 'G' ? -1 : 6);
  let s = formatFloat(x, verb, prec);
  if (s === '+Inf') s = spec.plus ? '+Inf' : spec.space ? ' Inf' : 'Inf';
  else if (s[0] !== '-' && s !== 'NaN') s = signed(s, false, spec);
  return pad(s, spec, Number.isFinite(x));
}

function fmtString(s: string, spec: Spec): string {
  if (spec.prec !== undefined && spec.verb !== 'x' && spec.verb !== 'X') s = [...s].slice(0, spec.prec).join('');
  switch (spec.verb) {
    case 'v': case 's': return pad(s, spec, false);
    case 'q': return pad(spec.sharp && !s.includes('`') ? '`' + s + '`' : quote(s), spec, false);
    case 'x': case 'X': {
      let hex = Buffer.from(s, 'utf8').toString('hex');
      if (spec.prec !== undefined) hex = hex.slice(0, spec.prec * 2);
      if (spec.verb === 'X') hex = hex.toUpperCase();
      return pad(hex, spec, false);
    }
    default: return bad(spec, s);
  }
}

/** fmt's verbs on typed values: %v as goString; others applied field by field (a nested pointer is a bad verb). */
function fmtTyped(arg: unknown, spec: Spec, depth: number): string {
  const v = spec.verb;
  if (v === 'v') return pad(goString(arg, depth, spec.plus), spec, false);
  if (arg instanceof GoDuration || arg instanceof GoFileMode) return v === 's' ? pad(String(arg), spec, false) : fmtValue(Number(arg), spec);
  if (arg instanceof GoPtr) {
    const e = arg.elem;
    if (e === null) return 'bdoxX'.includes(v) ? fmtInt(0, spec) : bad(spec, arg);
    if (depth === 0 && e instanceof GoStruct && !e.type.stringer) return '&' + fmtTyped(e, spec, 1);
    if (e instanceof GoStruct && e.type.stringer && v === 's') return pad(e.type.stringer(e), spec, false);
    return `%!${v}(${goTypeName(arg)}=${goString(arg)})`;
  }
  if (arg instanceof GoStruct && !arg.type.stringer) {
    return '{' + arg.values.map((f) => (isTyped(f) ? fmtTyped(f, spec, depth + 1) : fmtValue(f, spec))).join(' ') + '}';
  }
  return v === 's' ? pad(goString(arg), spec, false) : bad(spec, arg);
}

function fmtValue(arg: unknown, spec: Spec): string {
  const v = spec.verb;
  if (v === 'T') return pad(goTypeName(arg), spec, false);
  if (typeof arg === 'string') return fmtString(arg, spec);
  if (typeof arg === 'bigint') return v === 'v' ? fmtInt(arg, { ...spec, verb: 'd' }) : fmtInt(arg, spec);
  if (typeof arg === 'number') {
    if ('eEfFgG'.includes(v)) return fmtFloatVerb(arg, spec);
    if (Number.isInteger(arg) && Math.abs(arg) < 2 ** 64) {
      if (v === 'v') return fmtInt(arg, { ...spec, verb: 'd' });
      if ('dboOxXcqU'.includes(v)) return fmtInt(arg, spec);
    } else if (v === 'v') return fmtFloatVerb(arg, spec);
    return bad(spec, arg);
  }
  if (typeof arg === 'boolean') {
    if (v === 'v' || v === 't') return pad(arg ? 'true' : 'false', spec, false);
    return bad(spec, arg);
  }
  if (arg === undefined || arg === null) {
    return v === 'v' || v === 's' ? pad('<nil>', spec, false) : bad(spec, arg);
  }
  if (Array.isArray(arg)) {
    if (v === 'v') return pad(goString(arg), spec, false);
    return '[' + arg.map((e) => fmtValue(e, spec)).join(' ') + ']';
  }
  if (isTyped(arg)) return fmtTyped(arg, spec, 0);
  if (arg instanceof JsonNumber) return 'vsqxX'.includes(v) ? fmtString(arg.text, spec) : bad(spec, arg);
  if (arg instanceof Map) {
    if (v === 'v') return pad(goString(arg), spec, false);
    const keys = [...arg.keys()].sort();
    return 'map[' + keys.map((k) => `${fmtValue(k, spec)}:${fmtValue(arg.get(k), spec)}`).join(' ') + ']';
  }
  if (isMap(arg)) {
    if (v === 'v') return pad(goString(arg), spec, false);
    const keys = Object.keys(arg).sort();
    return 'map[' + keys.map((k) => `${fmtValue(k, spec)}:${fmtValue(arg[k], spec)}`).join(' ') + ']';
  }
  return v === 'v' || v === 's' ? pad(goString(arg), spec, false) : bad(spec, arg);
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) { out += format.slice(i); break; }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined, verb: '' };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '-') { spec.minus = true; spec.zero = false; }
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        if (typeof a === 'number' && Number.isInteger(a)) {
          if (a < 0) { spec.minus = true; spec.zero = false; return -a; }
          return a;
        }
        out += '%!(BADWIDTH)';
        return undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = num();
    if (format[i] === '.') { i++; spec.prec = num() ?? 0; }
    if (i >= n) { out += '%!(NOVERB)'; break; }
    const cp = format.codePointAt(i)!;
    spec.verb = String.fromCodePoint(cp);
    i += spec.verb.length;
    if (spec.verb === '%') { out += '%'; continue; }
    if (argi >= args.length) { out += `%!${spec.verb}(MISSING)`; continue; }
    out += fmtValue(args[argi++], spec);
  }
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => (a === undefined || a === null ? '<nil>' : `${goTypeName(a)}=${goString(a)}`)).join(', ') + ')';
  }
  return out;
}
