/**
 * JSON Web Tokens signed with ES256 (node:crypto), the claims distribution's
 * token auth uses: iss, sub, aud, exp, nbf, iat, jti and `access`.
 */
import { createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import type { AccessEntry } from '../../core/registry/types.ts';

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: AccessEntry[];
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function keyId(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return b64url(der).slice(-32);
}

export function signToken(key: KeyObject, claims: Omit<TokenClaims, 'jti'>): string {
  const header = { typ: 'JWT', alg: 'ES256', kid: keyId(key) };
  const body = { ...claims, jti: randomBytes(16).toString('hex') };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(body))}`;
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

const LEEWAY_S = 60;

/** Checks signature, issuer, audience and time; returns the claims or throws TokenError. */
export function verifyToken(token: string, publicKey: KeyObject, want: { issuer: string; audience: string; now?: number }): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed token');
  let header: { alg?: string };
  let claims: TokenClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed token');
  }
  if (header.alg !== 'ES256') throw new TokenError(`unsupported signing algorithm ${JSON.stringify(header.alg)}`);
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
  if (!ok) throw new TokenError('invalid token signature');
  if (typeof claims !== 'object' || claims === null) throw new TokenError('malformed token');
  if (claims.iss !== want.issuer) throw new TokenError('token issuer does not match');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(want.audience)) throw new TokenError('token audience does not match');
  const now = Math.floor((want.now ?? Date.now()) / 1000);
  if (typeof claims.exp !== 'number' || claims.exp + LEEWAY_S < now) throw new TokenError('token has expired');
  if (typeof claims.nbf === 'number' && claims.nbf - LEEWAY_S > now) throw new TokenError('token is not valid yet');
  if (!Array.isArray(claims.access)) claims.access = [];
  return claims;
}
