/**
 * Building blocks of the Go type schemas (gotypes-*.ts) of the API structs
 * the docker CLI decodes inspect responses into (moby v28 api/types), and
 * the types several of them share.
 */
import type { Field, GoType, StructType } from './govalues.ts';

export const STR: GoType = { k: 'string' };
export const INT: GoType = { k: 'int' };
export const BOOL: GoType = { k: 'bool' };
export const FLOAT: GoType = { k: 'float' };
export const DURATION: GoType = { k: 'duration' };
export const FILEMODE: GoType = { k: 'filemode' };
export const TIME: GoType = { k: 'time' };
export const ANY: GoType = { k: 'any' };
export const ptr = (elem: GoType): GoType => ({ k: 'ptr', elem });
export const slice = (elem: GoType): GoType => ({ k: 'slice', elem });
export const map = (elem: GoType, key?: string): GoType => ({ k: 'map', elem, key });
export const STRS = slice(STR);
export const STRMAP = map(STR);

/**
 * A struct type from a compact field list, in Go declaration order:
 * 'Name:type' entries or [name, type, opts] tuples. opts.json is the JSON
 * name when it differs; opts.embedded marks an embedded (anonymous) field.
 */
type FieldSpec = [string, GoType] | [string, GoType, { json?: string; embedded?: boolean }];
export function struct(name: string, specs: FieldSpec[], stringer?: StructType['stringer']): StructType {
  const fields: Field[] = specs.map(([n, type, opts]) => ({ name: n, type, ...opts }));
  return { k: 'struct', name, fields, stringer };
}

/** An embedded field: its name is its type's name without the package. */
export function embed(t: GoType): FieldSpec {
  const st = t.k === 'ptr' ? t.elem : t;
  const name = st.k === 'struct' ? st.name.replace(/^.*\./, '') : 'embedded';
  return [name, t, { embedded: true }];
}

/** struct{}: the element type of nat.PortSet (keyed by nat.Port) and of Config.Volumes. */
export const EMPTY = struct('struct {}', []);
export const SET = map(EMPTY);
export const PORT_SET = map(EMPTY, 'nat.Port');

/** storage.DriverData (GraphDriver). */
export const DRIVER_DATA = struct('storage.DriverData', [['Data', STRMAP], ['Name', STR]]);

/** ocispec.Platform. */
export const PLATFORM = struct('v1.Platform', [
  ['Architecture', STR, { json: 'architecture' }],
  ['OS', STR, { json: 'os' }],
  ['OSVersion', STR, { json: 'os.version' }],
  ['OSFeatures', STRS, { json: 'os.features' }],
  ['Variant', STR, { json: 'variant' }],
]);

/** ocispec.Descriptor (Data is []byte: decoded from base64, printed as numbers). */
export const DESCRIPTOR = struct('v1.Descriptor', [
  ['MediaType', STR, { json: 'mediaType' }],
  ['Digest', STR, { json: 'digest' }],
  ['Size', INT, { json: 'size' }],
  ['URLs', STRS, { json: 'urls' }],
  ['Annotations', STRMAP, { json: 'annotations' }],
  ['Data', slice(INT), { json: 'data' }],
  ['Platform', ptr(PLATFORM), { json: 'platform' }],
  ['ArtifactType', STR, { json: 'artifactType' }],
]);

/** dockerspec.HealthcheckConfig (container.HealthConfig is an alias of it). */
export const HEALTH_CONFIG = struct('v1.HealthcheckConfig', [
  ['Test', STRS],
  ['Interval', DURATION],
  ['Timeout', DURATION],
  ['StartPeriod', DURATION],
  ['StartInterval', DURATION],
  ['Retries', INT],
]);
