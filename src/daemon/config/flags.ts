/**
 * The command line of berthd, parsed the way dockerd's (cobra/pflag) does:
 * --name=value, --name value, -x value, -xvalue, -x=value, grouped boolean
 * shorthands (-Dv), `--` ending the flags; pflag's error messages.
 */
import { InvalidParameterError } from '../../core/errors.ts';
import type { AddressPool, DaemonJson, DaemonJsonKey } from './types.ts';
import { FLAGS, type FlagSpec } from './usage.ts';
import { normalizeHost, parsePoolFlag, validateIndexName, validateMirror } from './values.ts';

export interface ParsedFlags {
  /** Values given as flags, under their daemon.json names. */
  values: DaemonJson;
  /** daemon.json keys that were given as flags. */
  set: Set<DaemonJsonKey>;
  /** --config-file when given explicitly. */
  configFile?: string;
  help: boolean;
  version: boolean;
}

function flagError(message: string): never {
  throw new InvalidParameterError(`${message}\nSee 'berthd --help'.`);
}

function displayName(f: FlagSpec): string {
  return f.short ? `-${f.short}, --${f.long}` : `--${f.long}`;
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

const byLong = new Map(FLAGS.map((f) => [f.long, f]));
const byShort = new Map(FLAGS.filter((f) => f.short).map((f) => [f.short!, f]));

/** A list flag's element checked and normalised as dockerd's named list options do. */
function listElement(key: DaemonJsonKey, value: string): string {
  switch (key) {
    case 'hosts':
      return normalizeHost(value);
    case 'registry-mirrors':
      return validateMirror(value);
    case 'insecure-registries':
      return validateIndexName(value);
    default:
      return value;
  }
}

/** Parse berthd's argv (without the program name). Throws InvalidParameterError. */
export function parseDaemonFlags(argv: readonly string[]): ParsedFlags {
  const out: ParsedFlags = { values: {}, set: new Set(), help: false, version: false };
  const values = out.values as Record<string, unknown>;
  const positional: string[] = [];

  const apply = (f: FlagSpec, text: string): void => {
    const invalid = (why: string): never => flagError(`invalid argument "${text}" for "${displayName(f)}" flag: ${why}`);
    let v: unknown;
    if (f.kind === 'bool') {
      v = parseGoBool(text);
      if (v === undefined) invalid(`strconv.ParseBool: parsing "${text}": invalid syntax`);
    } else if (f.kind === 'int') {
      if (!/^[+-]?[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
        invalid(`strconv.ParseInt: parsing "${text}": invalid syntax`);
      }
      v = Number(text);
    } else if (f.kind === 'string') {
      v = text;
    } else if (f.kind === 'map') {
      const eq = text.indexOf('=');
      if (eq <= 0) invalid('bad format of parameter, expected key=value');
      v = [text.slice(0, eq), text.slice(eq + 1)];
    } else {
      try {
        v = f.kind === 'pools' ? parsePoolFlag(text) : listElement(f.key!, text);
      } catch (e) {
        invalid((e as Error).message);
      }
    }
    if (f.long === 'help') out.help = v as boolean;
    else if (f.long === 'version') out.version = v as boolean;
    else if (f.long === 'config-file') out.configFile = v as string;
    else if (f.key) {
      if (f.kind === 'map') {
        const [k, val] = v as [string, string];
        values[f.key] = { ...(values[f.key] as Record<string, string> | undefined), [k]: val };
      } else if (f.kind === 'list' || f.kind === 'pools') {
        const list = (values[f.key] as Array<string | AddressPool> | undefined) ?? [];
        list.push(v as string | AddressPool);
        values[f.key] = list;
      } else {
        values[f.key] = v;
      }
      out.set.add(f.key);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const f = byLong.get(name);
      if (!f) flagError(`unknown flag: --${name}`);
      if (eq >= 0) apply(f, arg.slice(eq + 1));
      else if (f.kind === 'bool') apply(f, 'true');
      else if (i + 1 < argv.length) apply(f, argv[++i]);
      else flagError(`flag needs an argument: --${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const shorts = arg.slice(1);
      for (let j = 0; j < shorts.length; j++) {
        const c = shorts[j];
        const f = byShort.get(c);
        if (!f) flagError(`unknown shorthand flag: '${c}' in -${shorts}`);
        const rest = shorts.slice(j + 1);
        if (rest.startsWith('=')) {
          apply(f, rest.slice(1));
          break;
        }
        if (f.kind === 'bool') {
          apply(f, 'true');
          continue;
        }
        if (rest !== '') apply(f, rest);
        else if (i + 1 < argv.length) apply(f, argv[++i]);
        else flagError(`flag needs an argument: '${c}' in -${shorts}`);
        break;
      }
    } else {
      positional.push(arg);
    }
  }
  if (positional.length > 0 && !out.help) flagError('"berthd" accepts no arguments.');
  return out;
}
