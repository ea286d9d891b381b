/**
 * A command-line flag parser with the semantics and error wording of spf13/pflag
 * (what cobra and therefore the docker CLI use): `--name value`, `--name=value`,
 * `-n value`, `-nvalue`, `-n=value`, clustered booleans (`-aq`), `--` ends the
 * flags, `-` alone is a positional argument.
 */

export type FlagKind = 'bool' | 'string' | 'int' | 'stringArray' | 'list';
export type FlagValue = string | number | boolean | string[];

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  description: string;
  default?: FlagValue;
  /** Shown after the long name in help (`--filter filter`); defaults by kind. */
  valueName?: string;
  hidden?: boolean;
  /** When set, using the shorthand prints "Flag shorthand -x has been deprecated, <this>". */
  shorthandDeprecated?: string;
  /** Checks one value at parse time; throw an Error to reject it (pflag's Value.Set failing). */
  validate?: (value: string) => void;
}

export interface ParsedArgs {
  flags: Record<string, FlagValue>;
  args: string[];
  /** Names (long) of the flags given on the command line. */
  changed: Set<string>;
  /** Number of positional arguments before `--`, or -1 when there was none (cobra's ArgsLenAtDash). */
  argsLenAtDash: number;
  /** Notices pflag prints while parsing (deprecated shorthands). */
  warnings: string[];
}

export interface ParseOptions {
  /** When false, the first positional argument ends flag parsing (`run IMAGE CMD...`). Default true. */
  interspersed?: boolean;
}

/** A usage error found while parsing flags; the CLI exits 125 on it. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/** Go's %q for a string (close enough: JSON escaping of ASCII). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** The flag's name as pflag writes it in errors: `-n, --last` or `--digests`. */
export function flagDisplayName(spec: FlagSpec): string {
  return spec.short && !spec.shorthandDeprecated ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool. Throws an Error with Go's wording. */
export function parseGoBool(s: string): boolean {
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const DIGITS: Record<number, RegExp> = { 2: /^[01_]+$/, 8: /^[0-7_]+$/, 10: /^[0-9_]+$/, 16: /^[0-9a-fA-F_]+$/ };

/** strconv.ParseInt(s, 0, 64): sign, 0x/0o/0b/0 prefixes, underscores between digits. */
export function parseGoInt(s: string): number {
  const syntax = () => new Error(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  let t = s;
  let negative = false;
  if (t.startsWith('+') || t.startsWith('-')) {
    negative = t[0] === '-';
    t = t.slice(1);
  }
  let base = 10;
  let prefixed = false;
  const p = t.slice(0, 2).toLowerCase();
  if (p === '0x' || p === '0o' || p === '0b') {
    base = p === '0x' ? 16 : p === '0o' ? 8 : 2;
    t = t.slice(2);
    prefixed = true;
  } else if (t.length > 1 && t[0] === '0') {
    base = 8;
    t = t.slice(1);
    prefixed = true;
  }
  if (t === '' || !DIGITS[base].test(t)) throw syntax();
  if (t.includes('__') || t.endsWith('_') || (!prefixed && t.startsWith('_'))) throw syntax();
  const digits = t.replaceAll('_', '');
  if (digits === '') throw syntax();
  let value = 0n;
  for (const ch of digits) value = value * BigInt(base) + BigInt(parseInt(ch, base));
  if (negative) value = -value;
  if (value > INT64_MAX || value < INT64_MIN) {
    throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  }
  return Number(value);
}

/** The zero/declared default of a flag, freshly copied for arrays. */
export function defaultValue(spec: FlagSpec): FlagValue {
  switch (spec.kind) {
    case 'bool':
      return spec.default === undefined ? false : Boolean(spec.default);
    case 'int':
      return typeof spec.default === 'number' ? spec.default : 0;
    case 'string':
      return spec.default === undefined ? '' : String(spec.default);
    case 'stringArray':
    case 'list':
      return Array.isArray(spec.default) ? [...spec.default] : [];
  }
}

/** Parses argv against the specs. Throws FlagError with pflag's wording. */
export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[], opts: ParseOptions = {}): ParsedArgs {
  const interspersed = opts.interspersed ?? true;
  const byName = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  const flags: Record<string, FlagValue> = {};
  for (const spec of specs) {
    byName.set(spec.name, spec);
    if (spec.short) byShort.set(spec.short, spec);
    flags[spec.name] = defaultValue(spec);
  }
  const changed = new Set<string>();
  const warnings: string[] = [];
  const args: string[] = [];
  let argsLenAtDash = -1;

  const set = (spec: FlagSpec, value: string): void => {
    let parsed: FlagValue;
    try {
      spec.validate?.(value);
      switch (spec.kind) {
        case 'bool':
          parsed = parseGoBool(value);
          break;
        case 'int':
          parsed = parseGoInt(value);
          break;
        case 'string':
          parsed = value;
          break;
        default: {
          // The first use replaces the default, later ones append (pflag's stringArray).
          const prev = changed.has(spec.name) ? (flags[spec.name] as string[]) : [];
          parsed = [...prev, value];
        }
      }
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new FlagError(`invalid argument ${goQuote(value)} for ${goQuote(flagDisplayName(spec))} flag: ${why}`);
    }
    flags[spec.name] = parsed;
    changed.add(spec.name);
  };

  let i = 0;
  while (i < argv.length) {
    const s = argv[i++];
    if (s.length < 2 || s[0] !== '-') {
      if (!interspersed) {
        args.push(s, ...argv.slice(i));
        break;
      }
      args.push(s);
      continue;
    }
    if (s[1] === '-') {
      if (s.length === 2) {
        argsLenAtDash = args.length;
        args.push(...argv.slice(i));
        break;
      }
      const body = s.slice(2);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      if (name === '' || name[0] === '-' || name[0] === '=') throw new FlagError(`bad flag syntax: ${s}`);
      const spec = byName.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, body.slice(eq + 1));
      else if (spec.kind === 'bool') set(spec, 'true');
      else if (i < argv.length) set(spec, argv[i++]);
      else throw new FlagError(`flag needs an argument: ${s}`);
      continue;
    }
    let shorts = s.slice(1);
    while (shorts.length > 0) {
      const c = shorts[0];
      const spec = byShort.get(c);
      if (!spec) throw new FlagError(`unknown shorthand flag: '${c}' in -${shorts}`);
      let value: string;
      if (shorts.length > 2 && shorts[1] === '=') {
        value = shorts.slice(2);
        shorts = '';
      } else if (spec.kind === 'bool') {
        value = 'true';
        shorts = shorts.slice(1);
      } else if (shorts.length > 1) {
        value = shorts.slice(1);
        shorts = '';
      } else if (i < argv.length) {
        value = argv[i++];
        shorts = '';
      } else {
        throw new FlagError(`flag needs an argument: '${c}' in -${shorts}`);
      }
      if (spec.shorthandDeprecated) warnings.push(`Flag shorthand -${c} has been deprecated, ${spec.shorthandDeprecated}`);
      set(spec, value);
    }
  }
  return { flags, args, changed, argsLenAtDash, warnings };
}
