/**
 * Registry credentials in the docker CLI's config format: `auths` entries
 * with base64 "user:password" (or an identity token), or a credentials
 * helper (`credsStore`, `credHelpers`: docker-credential-NAME get/store/erase).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reference } from '../../core/reference/reference.ts';

export const INDEX_SERVER = 'https://index.docker.io/v1/';

export interface Creds { username?: string; password?: string; identitytoken?: string; serveraddress: string }

/** The key a registry's credentials live under ("https://index.docker.io/v1/" for Docker Hub). */
export function credsKey(server: string): string {
  const s = server.trim();
  if (!s || /^(https?:\/\/)?(index\.|registry-1\.)?docker\.io(\/v1\/?|\/)?$/.test(s)) return INDEX_SERVER;
  return s.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

export function refCredsKey(ref: Reference): string {
  return ref.domain === 'docker.io' ? INDEX_SERVER : ref.domain;
}

function readConfig(dir: string): Record<string, any> {
  try {
    const v = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

function writeConfig(dir: string, cfg: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'config.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(cfg, null, '\t'), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function helperOf(cfg: Record<string, any>, key: string): string | undefined {
  return (cfg.credHelpers as Record<string, string> | undefined)?.[key] ?? (cfg.credsStore as string | undefined) ?? undefined;
}

function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): string {
  const r = spawnSync(`docker-credential-${helper}`, [action], { input });
  if (r.error) throw new Error(`error getting credentials - err: exec: "docker-credential-${helper}": executable file not found in $PATH, out: \`\``);
  const out = r.stdout.toString().trim();
  if (r.status !== 0) {
    if (action === 'get' && /credentials not found/i.test(out)) return '';
    throw new Error(`error ${action === 'get' ? 'getting' : action === 'store' ? 'storing' : 'erasing'} credentials - err: exit status ${r.status}, out: \`${out}\``);
  }
  return out;
}

/** Stored credentials for a key, or undefined. */
export function getCreds(dir: string, key: string): Creds | undefined {
  const cfg = readConfig(dir);
  const helper = helperOf(cfg, key);
  if (helper) {
    const out = runHelper(helper, 'get', key);
    if (!out) return undefined;
    const v = JSON.parse(out) as { Username?: string; Secret?: string };
    if (v.Username === '<token>') return { identitytoken: v.Secret, serveraddress: key };
    return { username: v.Username, password: v.Secret, serveraddress: key };
  }
  const auths = (cfg.auths ?? {}) as Record<string, { auth?: string; identitytoken?: string }>;
  const e = auths[key] ?? (key === INDEX_SERVER ? auths['docker.io'] ?? auths['https://index.docker.io/v1'] : auths[`https://${key}`] ?? auths[`http://${key}`]);
  if (!e) return undefined;
  const out: Creds = { serveraddress: key };
  if (e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    out.username = plain.slice(0, i);
    out.password = plain.slice(i + 1);
  }
  if (e.identitytoken) out.identitytoken = e.identitytoken;
  return out.username || out.identitytoken ? out : undefined;
}

export function storeCreds(dir: string, c: Creds): void {
  const cfg = readConfig(dir);
  const key = c.serveraddress;
  const helper = helperOf(cfg, key);
  cfg.auths ??= {};
  if (helper) {
    runHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: c.identitytoken ? '<token>' : c.username, Secret: c.identitytoken || c.password }));
    cfg.auths[key] = {};
  } else {
    const entry: Record<string, string> = {};
    if (c.identitytoken) entry.identitytoken = c.identitytoken;
    else entry.auth = Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64');
    cfg.auths[key] = entry;
  }
  writeConfig(dir, cfg);
}

/** Remove stored credentials; false when there were none. */
export function eraseCreds(dir: string, key: string): boolean {
  const cfg = readConfig(dir);
  const auths = (cfg.auths ?? {}) as Record<string, unknown>;
  const helper = helperOf(cfg, key);
  const had = key in auths;
  if (helper) {
    try { runHelper(helper, 'erase', key); } catch { /* as docker: the config entry goes anyway */ }
  } else if (!had) return false;
  delete auths[key];
  cfg.auths = auths;
  writeConfig(dir, cfg);
  return true;
}

/** X-Registry-Auth: URL-safe base64 JSON of the stored credentials ("{}" without). */
export function encodeAuth(c: Creds | undefined): string {
  const body = c ? { username: c.username, password: c.password, identitytoken: c.identitytoken, serveraddress: c.serveraddress } : {};
  return Buffer.from(JSON.stringify(body)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
