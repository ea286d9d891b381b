/**
 * Ports, volumes, mounts and networks of create/run, parsed the way the
 * docker CLI does (nat.ParsePortSpecs, the -v bind/volume split, MountOpt,
 * NetworkOpt) into the API's ExposedPorts/PortBindings, Binds/Volumes,
 * Mounts and EndpointsConfig.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ramInBytes } from '../format/units.ts';
import { parseUint } from './containers-parse.ts';

// ---- ports ----

function portRange(s: string): [number, number] {
  if (s === '') throw new Error('empty string specified for ports');
  const dash = s.indexOf('-');
  if (dash < 0) {
    const p = parseUint(s, 16);
    return [p, p];
  }
  const start = parseUint(s.slice(0, dash), 16);
  const end = parseUint(s.slice(dash + 1), 16);
  if (end < start) throw new Error(`invalid range specified for port: ${s}`);
  return [start, end];
}

function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1] === '') return ['tcp', parts[0]];
  return [parts[1], parts[0]];
}

export interface PortBinding { HostIp: string; HostPort: string }

/** convertToStandardNotation: the long form "target=80,published=8080,protocol=udp,host_ip=..." as "ip:8080:80/udp". */
function standardNotation(spec: string): string {
  if (!spec.includes('=')) return spec;
  const params: Record<string, string> = {};
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) throw new Error(`invalid publish opts format (should be name=value but got '${field}')`);
    params[field.slice(0, eq).toLowerCase()] = field.slice(eq + 1);
  }
  if (!params.target) throw new Error('missing required field: target');
  const target = `${params.target}/${params.protocol || 'tcp'}`;
  const pub = params.published ?? '';
  return params.host_ip ? `${params.host_ip}:${pub}:${target}` : pub ? `${pub}:${target}` : target;
}

/** nat.ParsePortSpecs over -p values plus the --expose ports. */
export function parsePorts(publish: readonly string[], expose: readonly string[]): { exposed: Record<string, object>; bindings: Record<string, PortBinding[]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const rawSpec of publish) {
    const raw = standardNotation(rawSpec);
    const parts = raw.split(':');
    const n = parts.length;
    let ip = n >= 3 ? parts.slice(0, n - 2).join(':') : '';
    const hostPort = n >= 2 ? parts[n - 2] : '';
    const [proto0, containerPort] = splitProtoPort(parts[n - 1]);
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (ip !== '' && isIP(ip) === 0) throw new Error(`invalid IP address: ${ip}`);
    if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
    let start: number;
    let end: number;
    try {
      [start, end] = portRange(containerPort);
    } catch {
      throw new Error(`invalid containerPort: ${containerPort}`);
    }
    let hStart = 0;
    let hEnd = 0;
    if (hostPort !== '') {
      try {
        [hStart, hEnd] = portRange(hostPort);
      } catch {
        throw new Error(`invalid hostPort: ${hostPort}`);
      }
      if (end - start !== hEnd - hStart && end !== start) {
        throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
      }
    }
    const proto = proto0.toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new Error(`invalid proto: ${proto}`);
    for (let i = 0; i <= end - start; i++) {
      const key = `${start + i}/${proto}`;
      let hp = hostPort === '' ? '' : String(hStart + i);
      if (start === end && hStart !== hEnd) hp = `${hp}-${hEnd}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: ip, HostPort: hp });
    }
  }
  for (const e of expose) {
    if (e.includes(':')) throw new Error(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let start: number;
    let end: number;
    try {
      [start, end] = portRange(port);
    } catch (err) {
      throw new Error(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = start; p <= end; p++) exposed[`${p}/${proto}`] ??= {};
  }
  return { exposed, bindings };
}

// ---- volumes ----

/** -v values split like the docker CLI: with a source they are binds, without one anonymous volumes. */
export function splitVolumes(values: readonly string[]): { binds: string[] | null; volumes: Record<string, object> } {
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of values) {
    if (v.split(':').length < 2) {
      volumes[v] = {};
      continue;
    }
    // docker CLI 28: a host part starting with "." is made absolute (a bind, not a volume name)
    const colon = v.indexOf(':');
    binds.push(v.startsWith('.') ? `${resolve(v.slice(0, colon))}${v.slice(colon)}` : v);
  }
  return { binds: binds.length > 0 ? binds : null, volumes };
}

// ---- --mount ----

/** encoding/csv for one line: commas separate, double quotes quote. */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
    } else {
      const comma = line.indexOf(',', i);
      field = comma < 0 ? line.slice(i) : line.slice(i, comma);
      i = comma < 0 ? line.length : comma;
    }
    out.push(field);
    i++;
  }
  return out;
}

type Json = Record<string, any>;

/** MountOpt.Set: "type=bind,source=/a,target=/b,readonly" as a mount.Mount. */
export function parseMount(value: string): Json {
  const m: Json = {};
  const bind = (): Json => (m.BindOptions ??= {});
  const vol = (): Json => (m.VolumeOptions ??= {});
  const tmpfs = (): Json => (m.TmpfsOptions ??= {});
  const bool = (key: string, v: string): boolean => {
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
    throw new Error(`invalid value for ${key}: ${v}`);
  };
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') vol().NoCopy = true;
      else if (key === 'bind-nonrecursive') throw new Error('bind-nonrecursive is deprecated, use bind-recursive=disabled instead');
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type': m.Type = val.toLowerCase(); break;
      case 'source': case 'src': m.Source = val === '.' || val.startsWith('./') ? resolve(val) : val; break;
      case 'target': case 'dst': case 'destination': m.Target = val; break;
      case 'readonly': case 'ro': m.ReadOnly = bool(key, val); break;
      case 'consistency': m.Consistency = val.toLowerCase(); break;
      case 'bind-propagation': bind().Propagation = val.toLowerCase(); break;
      case 'bind-nonrecursive': throw new Error('bind-nonrecursive is deprecated, use bind-recursive=disabled instead');
      case 'bind-recursive':
        if (val === 'disabled') bind().NonRecursive = true;
        else if (val === 'writable') bind().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bind().ReadOnlyForceRecursive = true;
        else if (val === 'enabled') bind();
        else throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        break;
      case 'volume-subpath': vol().Subpath = val; break;
      case 'volume-nocopy': vol().NoCopy = bool(key, val); break;
      case 'volume-label': { const [k, v = ''] = val.split(/=(.*)/s); (vol().Labels ??= {})[k] = v; break; }
      case 'volume-driver': (vol().DriverConfig ??= {}).Name = val; break;
      case 'volume-opt': { const [k, v = ''] = val.split(/=(.*)/s); ((vol().DriverConfig ??= {}).Options ??= {})[k] = v; break; }
      case 'tmpfs-size':
        try {
          tmpfs().SizeBytes = ramInBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(val)) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfs().Mode = parseInt(val, 8);
        break;
      default: throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  m.Type ??= 'volume';
  if (!m.Target) throw new Error('target is required');
  for (const [opt, type, prefix] of [['VolumeOptions', 'volume', 'volume'], ['BindOptions', 'bind', 'bind'], ['TmpfsOptions', 'tmpfs', 'tmpfs']]) {
    if (m[opt] !== undefined && m.Type !== type) throw new Error(`cannot mix '${prefix}-*' options with mount type '${m.Type}'`);
  }
  if (m.BindOptions?.ReadOnlyNonRecursive && !m.ReadOnly) throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (m.BindOptions?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (m.BindOptions.Propagation !== 'rprivate') throw new Error("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }
  const pick = (o: Json | undefined, keys: string[]): Json | undefined =>
    o === undefined ? undefined : Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  m.BindOptions = pick(m.BindOptions, ['Propagation', 'NonRecursive', 'CreateMountpoint', 'ReadOnlyNonRecursive', 'ReadOnlyForceRecursive']);
  m.VolumeOptions = pick(m.VolumeOptions, ['NoCopy', 'Labels', 'Subpath', 'DriverConfig']);
  if (m.VolumeOptions?.DriverConfig) m.VolumeOptions.DriverConfig = pick(m.VolumeOptions.DriverConfig, ['Name', 'Options']);
  m.TmpfsOptions = pick(m.TmpfsOptions, ['SizeBytes', 'Mode', 'Options']);
  const order = ['Type', 'Source', 'Target', 'ReadOnly', 'Consistency', 'BindOptions', 'VolumeOptions', 'TmpfsOptions'];
  return Object.fromEntries(order.filter((k) => m[k] !== undefined && m[k] !== '').map((k) => [k, m[k]]));
}

// ---- --network ----

export interface NetworkAttachment {
  Target: string; Aliases: string[]; DriverOpts: Record<string, string>; Links: string[];
  IPv4Address: string; IPv6Address: string; LinkLocalIPs: string[]; MacAddress: string; GwPriority: number;
}

/** NetworkOpt.Set: a name, or "name=x,alias=y,ip=...,driver-opt=k=v,..." */
export function parseNetwork(value: string): NetworkAttachment {
  const n: NetworkAttachment = { Target: '', Aliases: [], DriverOpts: {}, Links: [], IPv4Address: '', IPv6Address: '', LinkLocalIPs: [], MacAddress: '', GwPriority: 0 };
  if (!value.includes('=')) {
    n.Target = value;
    return n;
  }
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    if (eq < 0) throw new Error(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq).toLowerCase();
    const val = field.slice(eq + 1);
    switch (key) {
      case 'name': n.Target = val; break;
      case 'alias': n.Aliases.push(val); break;
      case 'ip': n.IPv4Address = val; break;
      case 'ip6': n.IPv6Address = val; break;
      case 'mac-address': n.MacAddress = val; break;
      case 'link-local-ip': n.LinkLocalIPs.push(val); break;
      case 'gw-priority': n.GwPriority = Number(val); break;
      case 'driver-opt': { const [k, v = ''] = val.split(/=(.*)/s); n.DriverOpts[k] = v; break; }
      default: throw new Error(`invalid field key ${key}`);
    }
  }
  return n;
}
