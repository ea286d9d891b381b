/**
 * The registry's configuration: distribution's config.yml keys (version,
 * storage, http, auth, proxy, catalog, log) plus Berth's own (gc, limits,
 * search). `configFromObject` turns parsed YAML into a checked config.
 */
export interface AclRule { account: string; name: string; actions: string[] }

export interface RegistryConfig {
  addr: string;
  root: string;
  tls?: { certificate: string; key: string };
  auth?:
    | { kind: 'htpasswd'; realm: string; path: string }
    | { kind: 'token'; realm: string; service: string; issuer: string; key?: string; users?: string; acl?: AclRule[]; anonymousPull: boolean; expiration: number };
  deleteEnabled: boolean;
  readOnly: boolean;
  proxy?: { remoteUrl: string; username?: string; password?: string };
  catalogMaxEntries: number;
  accessLog: boolean;
  maxManifestSize: number;
  /** 0: no limit. */
  maxBlobSize: number;
  gc: { interval: number; grace: number; deleteUntagged: boolean };
  /** Uploads untouched this long are removed by GC (ms). */
  uploadPurgeAge: number;
}

export const DEFAULT_CONFIG: RegistryConfig = {
  addr: ':5000',
  root: '/var/lib/registry',
  deleteEnabled: false,
  readOnly: false,
  catalogMaxEntries: 1000,
  accessLog: true,
  maxManifestSize: 4 << 20,
  maxBlobSize: 0,
  gc: { interval: 0, grace: 10 * 60_000, deleteUntagged: false },
  uploadPurgeAge: 7 * 24 * 3600_000,
};

type Obj = Record<string, any>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Go-style durations (`10m`, `1h30m`, `500ms`, `30s`) or plain seconds, to milliseconds. */
export function parseDuration(v: unknown, what: string): number {
  if (typeof v === 'number') return v * 1000;
  const s = String(v).trim();
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== s.length) throw new ConfigError(`invalid duration for ${what}: ${JSON.stringify(v)}`);
  return total;
}

/** Sizes: a number of bytes or `512k`, `4M`, `1G`. */
export function parseSize(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  const m = /^(\d+)\s*([kmgt]?)i?b?$/i.exec(String(v).trim());
  if (!m) throw new ConfigError(`invalid size for ${what}: ${JSON.stringify(v)}`);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Number(m[1]) * mult[m[2].toLowerCase()];
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A config from a parsed distribution-style config.yml (unknown keys are ignored, as distribution does). */
export function configFromObject(doc: unknown): RegistryConfig {
  if (doc === null || doc === undefined) return structuredClone(DEFAULT_CONFIG);
  if (!isObj(doc)) throw new ConfigError('configuration must be a mapping');
  const c: RegistryConfig = structuredClone(DEFAULT_CONFIG);
  const storage: Obj = isObj(doc.storage) ? doc.storage : {};
  if (isObj(storage.filesystem) && storage.filesystem.rootdirectory) c.root = String(storage.filesystem.rootdirectory);
  if (isObj(storage.delete)) c.deleteEnabled = storage.delete.enabled === true;
  const maint: Obj = isObj(storage.maintenance) ? storage.maintenance : {};
  if (isObj(maint.readonly)) c.readOnly = maint.readonly.enabled === true;
  if (isObj(maint.uploadpurging) && maint.uploadpurging.age !== undefined) c.uploadPurgeAge = parseDuration(maint.uploadpurging.age, 'uploadpurging.age');
  const http: Obj = isObj(doc.http) ? doc.http : {};
  if (http.addr) c.addr = String(http.addr);
  if (isObj(http.tls) && http.tls.certificate) c.tls = { certificate: String(http.tls.certificate), key: String(http.tls.key ?? '') };
  const auth: Obj = isObj(doc.auth) ? doc.auth : {};
  if (isObj(auth.htpasswd)) {
    c.auth = { kind: 'htpasswd', realm: String(auth.htpasswd.realm ?? 'basic-realm'), path: String(auth.htpasswd.path ?? '') };
    if (!c.auth.path) throw new ConfigError('auth.htpasswd.path is required');
  } else if (isObj(auth.token)) {
    const t = auth.token;
    const acl = Array.isArray(t.acl) ? t.acl.map((r: Obj) => ({
      account: String(r.account ?? ''), name: String(r.name ?? ''), actions: Array.isArray(r.actions) ? r.actions.map(String) : [],
    })) : undefined;
    c.auth = {
      kind: 'token', realm: String(t.realm ?? ''), service: String(t.service ?? 'berth-registry'), issuer: String(t.issuer ?? 'berth-registry'),
      key: t.key ? String(t.key) : undefined, users: t.users ? String(t.users) : undefined, acl,
      anonymousPull: t.anonymouspull === true, expiration: t.expiration !== undefined ? parseDuration(t.expiration, 'auth.token.expiration') : 300_000,
    };
  }
  if (isObj(doc.proxy) && doc.proxy.remoteurl) {
    c.proxy = { remoteUrl: String(doc.proxy.remoteurl), username: doc.proxy.username ? String(doc.proxy.username) : undefined, password: doc.proxy.password ? String(doc.proxy.password) : undefined };
  }
  if (isObj(doc.catalog) && doc.catalog.maxentries !== undefined) {
    const n = Number(doc.catalog.maxentries);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError('catalog.maxentries must be a positive integer');
    c.catalogMaxEntries = n;
  }
  const log: Obj = isObj(doc.log) ? doc.log : {};
  if (isObj(log.accesslog)) c.accessLog = log.accesslog.disabled !== true;
  const limits: Obj = isObj(doc.limits) ? doc.limits : {};
  if (limits.maxmanifestsize !== undefined) c.maxManifestSize = parseSize(limits.maxmanifestsize, 'limits.maxmanifestsize');
  if (limits.maxblobsize !== undefined) c.maxBlobSize = parseSize(limits.maxblobsize, 'limits.maxblobsize');
  if (isObj(doc.gc)) {
    if (doc.gc.interval !== undefined) c.gc.interval = parseDuration(doc.gc.interval, 'gc.interval');
    if (doc.gc.grace !== undefined) c.gc.grace = parseDuration(doc.gc.grace, 'gc.grace');
    if (doc.gc.deleteuntagged !== undefined) c.gc.deleteUntagged = doc.gc.deleteuntagged === true;
  }
  return c;
}

/** Splits `HOST:PORT` / `:PORT` for listen(); host '' means all addresses. */
export function parseAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  if (i < 0) throw new ConfigError(`invalid address ${JSON.stringify(addr)}: missing port`);
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`invalid address ${JSON.stringify(addr)}: bad port`);
  let host = addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}
