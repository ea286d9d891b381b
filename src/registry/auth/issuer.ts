/**
 * The built-in token issuer (`GET /token?service=&scope=`): checks Basic
 * credentials against its htpasswd users (or treats the caller as
 * anonymous), grants the requested actions its ACL allows, and answers
 * `{"token","access_token","expires_in","issued_at"}` like Docker Hub's
 * auth service. The ES256 key comes from the config or is made once and kept
 * under the storage root.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import type { AclRule, RegistryConfig } from '../../core/registry/config.ts';
import { RegistryError } from '../../core/registry/errors.ts';
import { globMatch, parseScopes } from '../../core/registry/scope.ts';
import type { AccessEntry } from '../../core/registry/types.ts';
import { Htpasswd, parseBasic } from './htpasswd.ts';
import { signToken } from './jwt.ts';

type TokenConfig = Extract<NonNullable<RegistryConfig['auth']>, { kind: 'token' }>;

function loadKey(root: string, file?: string): KeyObject {
  const path = file ?? join(root, 'berth', 'token-key.pem');
  if (!existsSync(path)) {
    if (file) throw new Error(`token signing key ${file} does not exist`);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return createPrivateKey(readFileSync(path));
}

export class TokenIssuer {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  private readonly cfg: TokenConfig;
  private readonly users: Htpasswd | null;

  constructor(root: string, cfg: TokenConfig) {
    this.cfg = cfg;
    this.privateKey = loadKey(root, cfg.key);
    this.publicKey = createPublicKey(this.privateKey);
    this.users = cfg.users ? Htpasswd.load(cfg.users) : null;
  }

  /** Actions the ACL gives `account` ('' = anonymous) on one resource. */
  granted(account: string, want: AccessEntry): string[] {
    const rules: AclRule[] = this.cfg.acl ?? [
      { account: '+', name: '**', actions: ['*'] },
      { account: '+', name: 'registry:catalog', actions: ['*'] },
      ...(this.cfg.anonymousPull ? [{ account: '', name: '**', actions: ['pull'] }] : []),
    ];
    const out = new Set<string>();
    for (const r of rules) {
      const who = r.account === '*' || (r.account === '+' && account !== '') || r.account === account;
      if (!who) continue;
      const target = want.type === 'registry' ? `registry:${want.name}` : want.name;
      const pattern = r.name.startsWith('registry:') || want.type !== 'registry' ? r.name : '';
      if (!pattern || !globMatch(pattern, target)) continue;
      for (const a of want.actions) if (r.actions.includes('*') || r.actions.includes(a)) out.add(a);
    }
    return want.actions.filter((a) => out.has(a));
  }

  /** Answers a token request. */
  async issue(req: IncomingMessage, params: URLSearchParams): Promise<Record<string, unknown>> {
    const service = params.get('service');
    if (service !== null && service !== this.cfg.service) throw new RegistryError('DENIED', { status: 400, message: `unknown service ${JSON.stringify(service)}` });
    let account = '';
    const cred = parseBasic(req.headers.authorization);
    if (cred) {
      if (!this.users || !(await this.users.verify(cred.user, cred.password))) {
        throw new RegistryError('UNAUTHORIZED', { message: 'incorrect username or password', headers: { 'WWW-Authenticate': 'Basic realm="berth-registry-token"' } });
      }
      account = cred.user;
    }
    const access: AccessEntry[] = [];
    for (const s of params.getAll('scope').flatMap(parseScopes)) {
      const actions = this.granted(account, s);
      if (actions.length > 0) access.push({ type: s.type, name: s.name, actions });
    }
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = Math.max(1, Math.floor(this.cfg.expiration / 1000));
    const token = signToken(this.privateKey, {
      iss: this.cfg.issuer, sub: account, aud: this.cfg.service, exp: now + expiresIn, nbf: now - 1, iat: now, access,
    });
    return { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() };
  }
}
