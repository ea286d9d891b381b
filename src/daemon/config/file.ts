/**
 * daemon.json: decoding, unknown keys, keys given both as a flag and in the
 * file, and JSON value types — with dockerd's messages (the caller adds the
 * "unable to configure the Berth daemon with file ..." prefix).
 */
import { InvalidParameterError } from '../../core/errors.ts';
import type { ParsedFlags } from './flags.ts';
import type { AddressPool, DaemonJson } from './types.ts';
import { KEY_TYPES, isDaemonJsonKey } from './types.ts';
import { FLAGS } from './usage.ts';
import { describeJsonError } from './json-error.ts';
import { goFormat, validatePool } from './values.ts';

function fail(message: string): never {
  throw new InvalidParameterError(message);
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // string, number, object
}

/**
 * The top-level object of a daemon.json text. A UTF-8 byte-order mark and
 * surrounding whitespace are ignored; an empty file is an empty object.
 */
export function parseDaemonJsonText(text: string): Record<string, unknown> {
  const body = (text.startsWith('\uFEFF') ? text.slice(1) : text).trim();
  if (body === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    fail(describeJsonError(body) ?? (e as Error).message);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail(`json: cannot unmarshal ${jsonType(parsed)} into the configuration object (daemon.json must hold a JSON object)`);
  }
  return parsed as Record<string, unknown>;
}

/** dockerd's findConfigurationConflicts: unknown keys first, then keys also given as flags. */
export function checkDirectives(raw: Record<string, unknown>, flags?: ParsedFlags): void {
  const unknown = Object.keys(raw).filter((k) => !isDaemonJsonKey(k));
  if (unknown.length > 0) {
    fail(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  }
  if (!flags) return;
  const conflicts: string[] = [];
  for (const f of FLAGS) {
    if (!f.key || !flags.set.has(f.key) || !Object.hasOwn(raw, f.key)) continue;
    const fromFlag = goFormat(flags.values[f.key]);
    conflicts.push(`${f.key}: (from flag: ${fromFlag}, from file: ${goFormat(raw[f.key])})`);
  }
  if (conflicts.length > 0) {
    fail(`the following directives are specified both as a flag and in the configuration file: ${conflicts.join(', ')}`);
  }
}

function typeError(key: string, v: unknown, want: string): never {
  const what = typeof v === 'number' ? `number ${v}` : jsonType(v);
  return fail(`json: cannot unmarshal ${what} into configuration option ${key} of type ${want}`);
}

function decodePool(key: string, v: unknown): AddressPool {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) typeError(key, v, '{"base": string, "size": int}');
  const o = v as Record<string, unknown>;
  if (o.base !== undefined && typeof o.base !== 'string') typeError(`${key}.base`, o.base, 'string');
  if (o.size !== undefined && (typeof o.size !== 'number' || !Number.isInteger(o.size))) typeError(`${key}.size`, o.size, 'int');
  return { base: (o.base as string | undefined) ?? '', size: (o.size as number | undefined) ?? 0 };
}

/** Typed values of the (known) keys; `null` counts as not set, as in Go. Pools are checked here. */
export function decodeDaemonJson(raw: Record<string, unknown>): DaemonJson {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(raw)) {
    if (!isDaemonJsonKey(key) || v === null) continue;
    switch (KEY_TYPES[key]) {
      case 'string':
        if (typeof v !== 'string') typeError(key, v, 'string');
        out[key] = v;
        break;
      case 'bool':
        if (typeof v !== 'boolean') typeError(key, v, 'bool');
        out[key] = v;
        break;
      case 'int':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) typeError(key, v, 'int');
        out[key] = v;
        break;
      case 'strings':
        if (!Array.isArray(v)) typeError(key, v, '[]string');
        for (const e of v) if (typeof e !== 'string') typeError(key, e, 'string');
        out[key] = [...(v as string[])];
        break;
      case 'map':
        if (typeof v !== 'object' || Array.isArray(v)) typeError(key, v, 'map[string]string');
        for (const e of Object.values(v as object)) if (typeof e !== 'string') typeError(key, e, 'string');
        out[key] = { ...(v as Record<string, string>) };
        break;
      case 'pools':
        if (!Array.isArray(v)) typeError(key, v, '[]{"base": string, "size": int}');
        out[key] = v.map((e) => validatePool(decodePool(key, e)));
        break;
    }
  }
  return out as DaemonJson;
}
