/**
 * Typed Go values for templates executed the way the docker CLI executes
 * them on its decoded API structs (container.InspectResponse, ...): structs
 * with fields in Go order, pointers (nil or not), maps with an element type
 * (a missing key indexes to the zero value), time.Time and time.Duration.
 * Every value keeps the JSON it was decoded from, so {{json .X}} prints the
 * daemon's JSON unchanged.
 */

/** Go type descriptors (the subset the API structs use; map keys are strings). */
export type GoType =
  | { k: 'string' | 'bool' | 'int' | 'float' | 'duration' | 'filemode' | 'time' | 'any' }
  | { k: 'ptr'; elem: GoType }
  | { k: 'slice'; elem: GoType }
  | { k: 'array'; elem: GoType; len: number }
  | { k: 'map'; elem: GoType; key?: string }
  | StructType;

export interface Field { name: string; type: GoType; json?: string; embedded?: boolean }
/** Methods a template can call (no arguments), by name. */
export type Methods = Record<string, (recv: never) => unknown>;
export interface StructType { k: 'struct'; name: string; fields: Field[]; stringer?: (s: GoStruct) => string; methods?: Methods }

/** Makes {{json}} print the JSON a typed value was decoded from. */
function keepRaw<T extends object>(v: T, raw: unknown): T {
  Object.defineProperty(v, 'toJSON', { value: () => raw, enumerable: false });
  return v;
}

export class GoStruct {
  readonly type: StructType;
  readonly values: unknown[];
  constructor(type: StructType, values: unknown[], raw: unknown) {
    this.type = type;
    this.values = values;
    keepRaw(this, raw);
  }

  /** Field by Go name, promoted fields of embedded structs included (breadth-first like reflect). */
  field(name: string): { found: boolean; value?: unknown; nilEmbedded?: boolean } {
    const own = this.type.fields.findIndex((f) => f.name === name);
    if (own >= 0) return { found: true, value: this.values[own] };
    for (let i = 0; i < this.type.fields.length; i++) {
      const f = this.type.fields[i]!;
      if (!f.embedded) continue;
      let v = this.values[i];
      const st = f.type.k === 'ptr' ? f.type.elem : f.type;
      if (st.k !== 'struct' || !hasField(st, name)) continue;
      if (v instanceof GoPtr) {
        if (v.elem === null) return { found: true, nilEmbedded: true };
        v = v.elem;
      }
      if (v instanceof GoStruct) return v.field(name);
    }
    return { found: false };
  }
}

function hasField(t: StructType, name: string): boolean {
  return t.fields.some((f) => f.name === name || (f.embedded && (() => {
    const st = f.type.k === 'ptr' ? f.type.elem : f.type;
    return st.k === 'struct' && hasField(st, name);
  })()));
}

/** Whether a struct type (or the struct a pointer type points to) has a field. */
export function typeHasField(t: GoType, name: string): boolean {
  const st = t.k === 'ptr' ? t.elem : t;
  return st.k === 'struct' && hasField(st, name);
}

export class GoPtr {
  readonly type: GoType & { k: 'ptr' };
  /** The pointed-to value; null for a nil pointer. */
  readonly elem: unknown;
  constructor(type: GoType & { k: 'ptr' }, elem: unknown, raw: unknown) {
    this.type = type;
    this.elem = elem;
    keepRaw(this, raw);
  }
}

export class GoMap extends Map<string, unknown> {
  readonly elemType: GoType;
  /** The key type when it is a named string type (nat.Port): a plain string key can't index it. */
  readonly keyName?: string;
  constructor(elemType: GoType, entries: [string, unknown][], raw: unknown, keyName?: string) {
    super(entries);
    this.elemType = elemType;
    this.keyName = keyName;
    keepRaw(this, raw);
  }

  /** Go's index on a map: a missing key gives the element type's zero value. */
  index(key: string): unknown {
    if (this.keyName) throw new Error(`value has type string; should be ${this.keyName}`);
    return this.has(key) ? this.get(key) : zeroOf(this.elemType);
  }
}

/** A slice/array that prints its JSON as decoded (null for a nil slice). */
export function goSlice(items: unknown[], raw: unknown): unknown[] {
  return keepRaw(items, raw);
}

export class GoDuration {
  readonly ns: number;
  static readonly methods: Methods = {
    Hours: (d: GoDuration) => d.ns / 3600e9, Minutes: (d: GoDuration) => d.ns / 60e9, Seconds: (d: GoDuration) => d.ns / 1e9,
    Milliseconds: (d: GoDuration) => Math.trunc(d.ns / 1e6), Microseconds: (d: GoDuration) => Math.trunc(d.ns / 1e3),
    Nanoseconds: (d: GoDuration) => d.ns, String: (d: GoDuration) => d.toString(),
  };
  constructor(ns: number) { this.ns = ns; }
  valueOf(): number { return this.ns; }
  toJSON(): number { return this.ns; }
  /** time.Duration.String. */
  toString(): string { return durationString(this.ns); }
}

/** os.FileMode (an integer whose %v is its String()). */
export class GoFileMode {
  readonly mode: number;
  constructor(mode: number) { this.mode = mode; }
  valueOf(): number { return this.mode; }
  toJSON(): number { return this.mode; }
  /** fs.FileMode.String: type letters, then rwxrwxrwx. */
  toString(): string {
    let out = '';
    const letters = 'dalTLDpSugct?';
    for (let i = 0; i < letters.length; i++) if ((this.mode >>> (31 - i)) & 1) out += letters[i];
    if (out === '') out = '-';
    const rwx = 'rwxrwxrwx';
    for (let i = 0; i < 9; i++) out += (this.mode >>> (8 - i)) & 1 ? rwx[i] : '-';
    return out;
  }
}

/** encoding/json's Number (decoding with UseNumber): a string type holding the number's JSON text. */
export class JsonNumber {
  readonly text: string;
  constructor(text: string) { this.text = text; }
  toString(): string { return this.text; }
  toJSON(): unknown { return (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON(this.text); }
}

/** JSON text decoded as the docker CLI's raw fallback does (json.Decoder with UseNumber). */
export function parseUseNumber(text: string): unknown {
  const reviver = (_k: string, v: unknown, ctx?: { source?: string }): unknown =>
    (typeof v === 'number' ? new JsonNumber(ctx?.source ?? String(v)) : v);
  return JSON.parse(text, reviver as (k: string, v: unknown) => unknown);
}

export class GoTime {
  readonly text: string;
  static readonly methods: Methods = {
    Unix: (t: GoTime) => Math.floor(t.ms() / 1000), UnixMilli: (t: GoTime) => Math.floor(t.ms()),
    UnixNano: (t: GoTime) => BigInt(Math.floor(t.ms() / 1000)) * 1_000_000_000n + BigInt(t.nanos()),
    IsZero: (t: GoTime) => /^0001-01-01T00:00:00(\.0+)?Z$/.test(t.text),
    String: (t: GoTime) => t.toString(),
  };
  constructor(text: string) { this.text = text; }
  /** Milliseconds since the epoch (whole milliseconds, as Date.parse reads them). */
  ms(): number { return Date.parse(this.text); }
  /** The nanoseconds within the second. */
  nanos(): number { return Number((/\.(\d+)/.exec(this.text)?.[1] ?? '').slice(0, 9).padEnd(9, '0')); }
  toJSON(): string { return this.text; }
  /** time.Time.String: "2006-01-02 15:04:05.999999999 -0700 MST". */
  toString(): string { return timeString(this.text); }
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The zero value of a type, as the typed decoding produces it for absent fields. */
export function zeroOf(t: GoType): unknown {
  switch (t.k) {
    case 'string': return '';
    case 'bool': return false;
    case 'int': case 'float': return 0;
    case 'duration': return new GoDuration(0);
    case 'filemode': return new GoFileMode(0);
    case 'time': return new GoTime(ZERO_TIME);
    case 'any': return null;
    case 'ptr': return new GoPtr(t, null, null);
    case 'slice': return goSlice([], null);
    case 'array': return goSlice(Array.from({ length: t.len }, () => zeroOf(t.elem)), undefined);
    case 'map': return new GoMap(t.elem, [], null, t.key);
    case 'struct': return new GoStruct(t, t.fields.map((f) => zeroOf(f.type)), undefined);
  }
}

/** Whether a value is one of the typed values above. */
export function isTyped(v: unknown): v is GoStruct | GoPtr | GoTime | GoDuration | GoFileMode {
  return v instanceof GoStruct || v instanceof GoPtr || v instanceof GoTime || v instanceof GoDuration || v instanceof GoFileMode;
}

/** The template-callable methods of a typed value. */
export function methodsOf(v: unknown): Methods | undefined {
  if (v instanceof GoStruct) return v.type.methods;
  if (v instanceof GoPtr && v.elem instanceof GoStruct) return v.elem.type.methods;
  if (v instanceof GoTime) return GoTime.methods;
  if (v instanceof GoDuration) return GoDuration.methods;
  return undefined;
}

/** Go type name (%T, error messages). */
export function typeName(t: GoType): string {
  switch (t.k) {
    case 'duration': return 'time.Duration';
    case 'filemode': return 'fs.FileMode';
    case 'time': return 'time.Time';
    case 'any': return 'interface {}';
    case 'float': return 'float64';
    case 'ptr': return '*' + typeName(t.elem);
    case 'slice': return '[]' + typeName(t.elem);
    case 'array': return `[${t.len}]` + typeName(t.elem);
    case 'map': return `map[${t.key ?? 'string'}]` + typeName(t.elem);
    case 'struct': return t.name;
    default: return t.k;
  }
}

const addresses = new WeakMap<object, string>();
let nextAddress = 0xc000010000;

/** A stable, Go-looking heap address for a non-nil pointer (%v of a nested pointer). */
export function fakeAddress(p: object): string {
  let a = addresses.get(p);
  if (a === undefined) {
    a = '0x' + nextAddress.toString(16);
    nextAddress += 0x60;
    addresses.set(p, a);
  }
  return a;
}

function fracDigits(v: bigint, prec: number): string {
  const s = v.toString().padStart(prec, '0').replace(/0+$/, '');
  return s === '' ? '' : '.' + s;
}

/** time.Duration.String. */
export function durationString(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const u = BigInt(Math.abs(Math.trunc(ns)));
  if (u < 1_000_000_000n) {
    if (u < 1000n) return `${sign}${u}ns`;
    const [prec, unit] = u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const p = 10n ** BigInt(prec);
    return `${sign}${u / p}${fracDigits(u % p, prec)}${unit}`;
  }
  const secs = u / 1_000_000_000n;
  let out = `${secs % 60n}${fracDigits(u % 1_000_000_000n, 9)}s`;
  const mins = secs / 60n;
  if (mins > 0n) {
    out = `${mins % 60n}m` + out;
    const hours = mins / 60n;
    if (hours > 0n) out = `${hours}h` + out;
  }
  return sign + out;
}

const RFC3339 = /^(\d{4,})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)$/;

/** time.Time.String of an RFC 3339 timestamp (UTC and unnamed fixed zones; the CLI runs in UTC). */
export function timeString(text: string): string {
  const m = RFC3339.exec(text);
  if (!m) return text;
  const frac = (m[7] ?? '').slice(0, 9).replace(/0+$/, '');
  const base = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}${frac ? '.' + frac : ''}`;
  const zone = m[8]!;
  if (zone === 'Z' || zone === 'z' || zone === '+00:00') return `${base} +0000 UTC`;
  const off = zone.replace(':', '');
  return `${base} ${off} ${off}`;
}
