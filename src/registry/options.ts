/** The registry's configuration from its YAML file and the command line's flags (flags win). */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { ConfigError, configFromObject, parseDuration, parseSize, type RegistryConfig } from '../core/registry/config.ts';

export async function loadConfig(file: string | undefined, flags: Record<string, unknown>): Promise<RegistryConfig> {
  let doc: unknown = null;
  if (file) {
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new ConfigError(`configuration error: open ${file}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    });
    try {
      doc = parse(text);
    } catch (e) {
      throw new ConfigError(`configuration error: ${file}: ${(e as Error).message}`);
    }
  }
  const c = configFromObject(doc);
  applyFlags(c, flags);
  return c;
}

const str = (v: unknown) => (v === undefined || v === '' ? undefined : String(v));

export function applyFlags(c: RegistryConfig, f: Record<string, unknown>): void {
  if (str(f.addr)) c.addr = String(f.addr);
  if (str(f.root)) c.root = String(f.root);
  if (str(f['tls-cert']) || str(f['tls-key'])) {
    if (!str(f['tls-cert']) || !str(f['tls-key'])) throw new ConfigError('--tls-cert and --tls-key go together');
    c.tls = { certificate: String(f['tls-cert']), key: String(f['tls-key']) };
  }
  if (str(f.htpasswd)) c.auth = { kind: 'htpasswd', realm: str(f.realm) ?? 'basic-realm', path: String(f.htpasswd) };
  if (f['token-auth'] === true) {
    c.auth = {
      kind: 'token', realm: str(f['token-realm']) ?? '', service: str(f['token-service']) ?? 'berth-registry',
      issuer: str(f['token-issuer']) ?? 'berth-registry', key: str(f['token-key']), users: str(f['token-users']),
      anonymousPull: f['anonymous-pull'] === true, expiration: 300_000,
    };
  }
  if (f.delete === true) c.deleteEnabled = true;
  if (f['read-only'] === true) c.readOnly = true;
  if (str(f['proxy-remote-url'])) c.proxy = { remoteUrl: String(f['proxy-remote-url']), username: str(f['proxy-username']), password: str(f['proxy-password']) };
  if (f['catalog-max-entries'] !== undefined && f['catalog-max-entries'] !== 0) {
    const n = Number(f['catalog-max-entries']);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError('--catalog-max-entries must be a positive integer');
    c.catalogMaxEntries = n;
  }
  if (f['access-log'] === false) c.accessLog = false;
  if (str(f['max-manifest-size'])) c.maxManifestSize = parseSize(f['max-manifest-size'], '--max-manifest-size');
  if (str(f['max-blob-size'])) c.maxBlobSize = parseSize(f['max-blob-size'], '--max-blob-size');
  if (str(f['gc-interval'])) c.gc.interval = parseDuration(f['gc-interval'], '--gc-interval');
  if (str(f['gc-grace'])) c.gc.grace = parseDuration(f['gc-grace'], '--gc-grace');
  if (f['delete-untagged'] === true) c.gc.deleteUntagged = true;
}
