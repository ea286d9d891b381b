/**
 * Validation and normalisation of single configuration values (hosts,
 * mirrors, insecure registries, address pools, exec-opts, log level), with
 * dockerd's messages. Each function throws InvalidParameterError.
 */
import { isIP } from 'node:net';
import { InvalidParameterError } from '../../core/errors.ts';
import { isValidDomain } from '../../core/reference/reference.ts';
import type { AddressPool, CgroupDriver, LogLevel } from './types.ts';
import { DEFAULT_HOST, DEFAULT_TLS_PORT, DEFAULT_UNIX_SOCKET, LOG_LEVELS } from './types.ts';

function fail(message: string): never {
  throw new InvalidParameterError(message);
}

function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function parsePort(p: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(p)) return undefined;
  const n = Number(p);
  return n <= 65535 ? n : undefined;
}

/** A tcp:// listen address, normalised to tcp://host:port (dockerd's ParseTCPAddr). */
function normalizeTcpHost(address: string): string {
  const rest = address.includes('://') ? address.slice(address.indexOf('://') + 3) : address;
  const slash = rest.indexOf('/');
  const hostport = slash < 0 ? rest : rest.slice(0, slash);
  if (slash >= 0 && rest.slice(slash) !== '/') fail(`invalid bind address (${address}): should not contain a path element`);
  let host: string;
  let port = '';
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) fail(`invalid bind address (${address}): missing ']' in host`);
    host = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail(`invalid bind address (${address}): invalid host`);
    port = after.slice(1);
    if (isIP(host) !== 6) fail(`invalid bind address (${address}): invalid IPv6 address "${host}"`);
  } else {
    const colon = hostport.lastIndexOf(':');
    host = colon < 0 ? hostport : hostport.slice(0, colon);
    port = colon < 0 ? '' : hostport.slice(colon + 1);
    if (host.includes(':')) fail(`invalid bind address (${address}): IPv6 addresses must be enclosed in brackets`);
  }
  const portNum = port === '' ? DEFAULT_TLS_PORT : parsePort(port);
  if (portNum === undefined || portNum === 0) fail(`invalid bind address (${address}): invalid port "${port}"`);
  return `tcp://${joinHostPort(host === '' ? 'localhost' : host, portNum)}`;
}

/**
 * A listen address (-H / "hosts") normalised: '' -> the default socket,
 * 'unix://PATH', 'tcp://HOST:PORT' (or 'HOST:PORT'). fd:// is refused.
 */
export function normalizeHost(value: string): string {
  const h = value.trim();
  if (h === '') return DEFAULT_HOST;
  const sep = h.indexOf('://');
  const proto = sep < 0 ? 'tcp' : h.slice(0, sep);
  const addr = sep < 0 ? h : h.slice(sep + 3);
  switch (proto) {
    case 'tcp':
      return normalizeTcpHost(h);
    case 'unix':
      if (addr.includes('://')) fail(`invalid proto, expected unix: ${addr}`);
      return `unix://${addr === '' ? DEFAULT_UNIX_SOCKET : addr}`;
    case 'fd':
      return fail(
        `invalid bind address (${h}): fd:// (systemd socket activation) is not supported by berthd; listen on unix:///path/to/berth.sock or tcp://host:port instead`,
      );
    default:
      return fail(`invalid bind address (${h}): unsupported proto '${proto}'`);
  }
}

/** A registry mirror URL, normalised with one trailing '/' (dockerd's ValidateMirror). */
export function validateMirror(mirror: string): string {
  const sep = mirror.indexOf('://');
  if (sep <= 0) fail(`invalid mirror: no scheme specified for "${mirror}": must use either 'https://' or 'http://'`);
  let uri: URL;
  try {
    uri = new URL(mirror);
  } catch {
    return fail(`invalid mirror: "${mirror}" is not a valid URI`);
  }
  const scheme = mirror.slice(0, sep).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    fail(`invalid mirror: unsupported scheme "${scheme}" in "${mirror}": must use either 'https://' or 'http://'`);
  }
  if (uri.search !== '' || uri.hash !== '' || /[?#]/.test(mirror)) {
    fail(`invalid mirror: query or fragment at end of the URI "${mirror}"`);
  }
  if (uri.username !== '' || uri.password !== '') {
    const masked = mirror.replace(/\/\/[^/]*@/, `//${uri.username}:xxxxx@`);
    fail(`invalid mirror: username/password not allowed in URI "${masked}"`);
  }
  return `${mirror.endsWith('/') ? mirror.slice(0, -1) : mirror}/`;
}

/** dockerd's ValidateIndexName: 'index.docker.io' means docker.io; no leading/trailing '-'. */
export function validateIndexName(value: string): string {
  const v = value === 'index.docker.io' ? 'docker.io' : value;
  if (v.startsWith('-') || v.endsWith('-')) fail(`invalid index name (${v}). Cannot begin or end with a hyphen`);
  return v;
}

/** The CIDR in canonical form (IPv4 masked to its network), or undefined when `s` is no CIDR. */
function parseCidr(s: string): string | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  const family = isIP(addr);
  if (family === 0 || !/^[0-9]{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (family === 4 ? 32 : 128)) return undefined;
  if (family === 6) return `${addr.toLowerCase()}/${bits}`;
  const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((sh) => (net >>> sh) & 255).join('.')}/${bits}`;
}

/** host[:port] as dockerd accepts it for an insecure registry. */
function validateHostPort(s: string): void {
  let host = s;
  let port = '';
  const m = /^\[([^\]]*)\]:([^:]*)$/.exec(s) ?? /^([^:]*):([^:]*)$/.exec(s);
  if (m) [host, port] = [m[1], m[2]];
  if (!isValidDomain(s) && isIP(host) === 0) fail(`invalid host "${host}"`);
  if (port !== '' && parsePort(port) === undefined) fail(`invalid port "${port}"`);
}

/** An insecure registry: a CIDR or host[:port]; an http(s):// prefix is dropped as dockerd does. */
export function normalizeInsecureRegistry(value: string): string {
  let r = validateIndexName(value);
  const lower = r.toLowerCase();
  if (lower.startsWith('http://')) r = r.slice(7);
  else if (lower.startsWith('https://')) r = r.slice(8);
  else if (r.includes('://')) fail(`insecure registry ${r} should not contain '://'`);
  const cidr = parseCidr(r);
  if (cidr !== undefined) return cidr;
  try {
    validateHostPort(r);
  } catch (e) {
    fail(`insecure registry ${r} is not valid: ${(e as Error).message}`);
  }
  return validateIndexName(r);
}

/** Check an address pool: an IP prefix base and a subnet size between its length and the address width. */
export function validatePool(pool: AddressPool): AddressPool {
  const slash = pool.base.indexOf('/');
  const family = slash < 0 ? 0 : isIP(pool.base.slice(0, slash));
  const bitsText = slash < 0 ? '' : pool.base.slice(slash + 1);
  const width = family === 4 ? 32 : 128;
  if (family === 0 || !/^[0-9]{1,3}$/.test(bitsText) || Number(bitsText) > width) {
    fail(`invalid base prefix "${pool.base}": must be an IP address with a prefix length, like 10.10.0.0/16`);
  }
  const bits = Number(bitsText);
  if (!Number.isInteger(pool.size) || pool.size < bits || pool.size > width) {
    fail(`invalid default address pool ${pool.base}: size ${pool.size} must be between ${bits} and ${width}`);
  }
  return { base: pool.base, size: pool.size };
}

/** `--default-address-pool base=10.10.0.0/16,size=24` (dockerd's PoolsOpt). */
export function parsePoolFlag(value: string): AddressPool {
  let base: string | undefined;
  let size: number | undefined;
  for (const field of value.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) fail(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq);
    const val = field.slice(eq + 1);
    switch (key.toLowerCase()) {
      case 'base':
        base = val;
        break;
      case 'size':
        if (!/^[+-]?[0-9]+$/.test(val)) fail(`invalid size value: "${value}" (must be integer)`);
        size = Number(val);
        break;
      default:
        fail(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (base === undefined || size === undefined) fail(`invalid address pool "${value}": both base and size are required`);
  return validatePool({ base, size });
}

/** exec-opts as dockerd checks them; returns the cgroup driver when one is set. */
export function parseExecOpts(opts: readonly string[]): CgroupDriver | undefined {
  let driver: string | undefined;
  for (const kv of opts) {
    const eq = kv.indexOf('=');
    const k = (eq < 0 ? kv : kv.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? '' : kv.slice(eq + 1).trim();
    if (eq < 0 || k === '' || v === '') fail(`invalid exec-opt (${kv}): must be formatted 'opt=value'`);
    if (k === 'isolation') fail(`invalid exec-opt (${kv}): option '${k}' is only supported on windows`);
    if (k !== 'native.cgroupdriver') fail(`invalid exec-opt (${kv}): unknown option: '${k}'`);
    driver = v;
  }
  if (driver === undefined || driver === 'cgroupfs' || driver === 'systemd') return driver;
  if (driver === 'none') fail(`native.cgroupdriver option ${driver} is internally used and cannot be specified manually`);
  return fail(`native.cgroupdriver option ${driver} not supported`);
}

/** A log level, case-insensitive; docker's 'trace' and 'panic' map to the nearest Berth level. */
export function parseLogLevel(value: string): LogLevel {
  const v = value.toLowerCase();
  if (v === 'trace') return 'debug';
  if (v === 'panic') return 'fatal';
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  return fail(`invalid logging level: ${value}`);
}

/** Go's %v of a decoded JSON value, for conflict messages: [a b], map[k:v], true. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goFormat(o[k])}`).join(' ')}]`;
  }
  return String(v);
}
