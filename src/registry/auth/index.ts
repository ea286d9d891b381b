/**
 * Request authorization for the three modes: none, htpasswd (Basic) and
 * token (Bearer JWTs from the built-in issuer). `authorize` throws a 401
 * with the challenge a client needs, or returns who is asking and what
 * they may do.
 */
import type { IncomingMessage } from 'node:http';
import type { RegistryConfig } from '../../core/registry/config.ts';
import { RegistryError } from '../../core/registry/errors.ts';
import { allows, formatScope } from '../../core/registry/scope.ts';
import type { AccessEntry } from '../../core/registry/types.ts';
import { Htpasswd, parseBasic } from './htpasswd.ts';
import { TokenError, verifyToken } from './jwt.ts';
import { TokenIssuer } from './issuer.ts';

export interface Grant {
  user?: string;
  /** True when every action is allowed (no auth, or htpasswd user). */
  all: boolean;
  access: AccessEntry[];
}

export interface Authorizer {
  readonly mode: 'none' | 'htpasswd' | 'token';
  authorize(req: IncomingMessage, need: AccessEntry[]): Promise<Grant>;
  issuer?: TokenIssuer;
}

export function can(g: Grant, type: string, name: string, action: string): boolean {
  return g.all || allows(g.access, type, name, action);
}

const OPEN: Grant = { all: true, access: [] };

export function createAuthorizer(config: RegistryConfig): Authorizer {
  const a = config.auth;
  if (!a) return { mode: 'none', authorize: async () => OPEN };
  if (a.kind === 'htpasswd') {
    const users = Htpasswd.load(a.path);
    const challenge = { 'WWW-Authenticate': `Basic realm=${JSON.stringify(a.realm)}` };
    return {
      mode: 'htpasswd',
      async authorize(req) {
        const cred = parseBasic(req.headers.authorization);
        if (!cred) throw new RegistryError('UNAUTHORIZED', { headers: challenge });
        if (!(await users.verify(cred.user, cred.password))) {
          throw new RegistryError('UNAUTHORIZED', { message: 'authentication required', headers: challenge });
        }
        return { user: cred.user, all: true, access: [] };
      },
    };
  }
  const issuer = new TokenIssuer(config.root, a);
  return {
    mode: 'token',
    issuer,
    async authorize(req, need) {
      const scope = need.map(formatScope).join(' ');
      const realm = a.realm || `${'encrypted' in req.socket ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}/token`;
      const challenge = (err?: string) => ({
        'WWW-Authenticate': `Bearer realm=${JSON.stringify(realm)},service=${JSON.stringify(a.service)}${scope ? `,scope=${JSON.stringify(scope)}` : ''}${err ? `,error=${JSON.stringify(err)}` : ''}`,
      });
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m) throw new RegistryError('UNAUTHORIZED', { headers: challenge() });
      let claims;
      try {
        claims = verifyToken(m[1], issuer.publicKey, { issuer: a.issuer, audience: a.service });
      } catch (e) {
        if (!(e instanceof TokenError)) throw e;
        throw new RegistryError('UNAUTHORIZED', { message: e.message, headers: challenge('invalid_token') });
      }
      const grant: Grant = { user: claims.sub || undefined, all: false, access: claims.access };
      for (const n of need) {
        for (const act of n.actions) {
          if (!can(grant, n.type, n.name, act)) {
            throw new RegistryError('UNAUTHORIZED', { message: 'authentication required', detail: [{ Type: n.type, Name: n.name, Action: act }], headers: challenge('insufficient_scope') });
          }
        }
      }
      return grant;
    },
  };
}
