/**
 * `inspect -f` as the docker CLI runs it (cli/command/inspect): the template
 * is executed on the response decoded into its typed Go struct; only when
 * that fails, on the raw JSON decoded as map[string]any with
 * missingkey=error, whose error is the one reported.
 */
import { goSlice, GoMap, GoPtr, GoStruct, GoDuration, GoFileMode, GoTime, parseUseNumber, ZERO_TIME, zeroOf, type GoType, type StructType } from './govalues.ts';
import { CONTAINER_INSPECT } from './gotypes-container.ts';
import { IMAGE_INSPECT, NETWORK_INSPECT, VOLUME_INSPECT } from './gotypes-objects.ts';
import type { Template } from './template.ts';

export type InspectKind = 'container' | 'image' | 'network' | 'volume';

const SCHEMAS: Record<InspectKind, StructType> = {
  container: CONTAINER_INSPECT,
  image: IMAGE_INSPECT,
  network: NETWORK_INSPECT,
  volume: VOLUME_INSPECT,
};

/** The object kind an API path inspects (GET /containers/x/json, /images/x/json, /networks/x, /volumes/x). */
export function inspectKindOf(path: string): InspectKind | undefined {
  if (/^\/containers\/[^/]+\/json$/.test(path)) return 'container';
  if (/^\/images\/.+\/json$/.test(path)) return 'image';
  if (/^\/networks\/[^/]+$/.test(path)) return 'network';
  if (/^\/volumes\/[^/]+$/.test(path)) return 'volume';
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** encoding/json's field matching: the exact key, else a case-insensitive one. */
function member(obj: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function anyField(obj: Record<string, unknown>, t: StructType): boolean {
  return t.fields.some((f) => {
    if (!f.embedded) return member(obj, f.json ?? f.name) !== undefined;
    const st = f.type.k === 'ptr' ? f.type.elem : f.type;
    return st.k === 'struct' && anyField(obj, st);
  });
}

function decodeStruct(raw: unknown, t: StructType): GoStruct {
  const obj = isObject(raw) ? raw : {};
  const values = t.fields.map((f) => {
    if (!f.embedded) return decode(member(obj, f.json ?? f.name), f.type);
    // An embedded struct's fields sit in the same JSON object; an embedded
    // pointer is only allocated when one of them is present.
    if (f.type.k === 'ptr' && f.type.elem.k === 'struct') {
      return new GoPtr(f.type, anyField(obj, f.type.elem) ? decodeStruct(obj, f.type.elem) : null, raw);
    }
    return decode(obj, f.type);
  });
  return new GoStruct(t, values, raw);
}

/** json.Unmarshal of a decoded JSON value into a value of Go type t (absent or mistyped: the zero value). */
export function decode(raw: unknown, t: GoType): unknown {
  switch (t.k) {
    case 'string': return typeof raw === 'string' ? raw : '';
    case 'bool': return typeof raw === 'boolean' ? raw : false;
    case 'int': case 'float': return typeof raw === 'number' ? raw : 0;
    case 'duration': return new GoDuration(typeof raw === 'number' ? raw : 0);
    case 'filemode': return new GoFileMode(typeof raw === 'number' ? raw : 0);
    case 'time': return new GoTime(typeof raw === 'string' && raw !== '' ? raw : ZERO_TIME);
    case 'any': return raw === undefined ? null : raw;
    case 'ptr': return new GoPtr(t, raw === null || raw === undefined ? null : decode(raw, t.elem), raw);
    case 'slice': {
      if (typeof raw === 'string' && t.elem.k === 'int') return goSlice([...Buffer.from(raw, 'base64')], raw);
      return goSlice(Array.isArray(raw) ? raw.map((e) => decode(e, t.elem)) : [], raw);
    }
    case 'array': {
      const items = Array.isArray(raw) ? raw : [];
      return goSlice(Array.from({ length: t.len }, (_, i) => (i < items.length ? decode(items[i], t.elem) : zeroOf(t.elem))), raw);
    }
    case 'map': {
      const entries: [string, unknown][] = isObject(raw) ? Object.entries(raw).map(([k, v]) => [k, decode(v, t.elem)]) : [];
      return new GoMap(t.elem, entries, raw, t.key);
    }
    case 'struct': return decodeStruct(raw, t);
  }
}

/** The typed Go value of an inspect response. */
export function typedInspect(kind: InspectKind, raw: unknown): GoStruct {
  return decodeStruct(raw, SCHEMAS[kind]);
}

/**
 * TemplateInspector.Inspect: the typed execution's output, else the raw
 * fallback's: the JSON text decoded with UseNumber (numbers are json.Number
 * strings), missingkey=error. Throws the error of the last execution, which
 * the caller reports as `template parsing error: ...`. rawText null: there
 * is no raw JSON (docker's `volume inspect`), the typed error is final.
 */
export function executeInspect(tpl: Template, kind: InspectKind | undefined, value: unknown, rawText: string | null): string {
  if (kind === undefined) return tpl.execute(value);
  const typed = typedInspect(kind, value);
  if (rawText === null) return tpl.execute(typed);
  try {
    return tpl.execute(typed);
  } catch {
    return tpl.execute(parseUseNumber(rawText), { missingKeyError: true });
  }
}
