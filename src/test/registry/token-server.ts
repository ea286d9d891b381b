/**
 * A Docker token service (the protocol of auth.docker.io) on 127.0.0.1 for
 * docker-registry's `auth: token:`: GET /token?service=..&scope=.. with
 * optional Basic credentials answers an RS256 JWT whose `x5c` header holds a
 * self-signed certificate that the registry trusts as its rootcertbundle.
 * Policy: anonymous callers may pull repositories under `public/`; a known
 * user gets every action asked for; a wrong password is a 401.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface TokenUser { user: string; pass: string }

/** One request to the token service, as the tests inspect it. */
export interface TokenRequest {
  url: string;
  /** Whether an Authorization header came with it. */
  authorization: boolean;
  /** The user the Basic credentials named ('' when anonymous). */
  user: string;
  scopes: string[];
  status: number;
}

export interface Access { type: string; name: string; actions: string[] }

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** The actions of one `type:name:actions` scope that `user` ('' = anonymous) may have. */
export function grant(scope: string, user: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const asked = scope.slice(last + 1).split(',').filter(Boolean);
  if (type !== 'repository') return { type, name, actions: [] };
  const allowed = user ? asked : asked.filter((a) => a === 'pull' && name.startsWith('public/'));
  return { type, name, actions: allowed };
}

export class TokenServer {
  readonly issuer = 'berth-test-issuer';
  readonly service = 'berth-test-registry';
  readonly certPath: string;
  readonly requests: TokenRequest[] = [];
  users: TokenUser[];
  /** Seconds a token lives. */
  ttl = 300;
  port = 0;
  private server?: http.Server;
  private key?: KeyObject;
  private certDer = Buffer.alloc(0);
  private readonly keyPath: string;

  /** Key and certificate are written to `dir` (the registry's temp dir). */
  constructor(dir: string, users: TokenUser[]) {
    this.keyPath = join(dir, 'token-key.pem');
    this.certPath = join(dir, 'token-cert.pem');
    this.users = users;
  }

  get realm(): string { return `http://127.0.0.1:${this.port}/token`; }

  async start(): Promise<void> {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-subj', '/CN=berth test token issuer', '-keyout', this.keyPath, '-out', this.certPath]);
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    this.key = createPrivateKey(readFileSync(this.keyPath));
    this.certDer = Buffer.from(new X509Certificate(readFileSync(this.certPath)).raw);
    const server = http.createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s?.listening) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }

  /** A signed JWT for `sub` granting `access`. */
  token(sub: string, access: Access[]): string {
    if (!this.key) throw new Error('token server not started');
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [this.certDer.toString('base64')] };
    const claims = { iss: this.issuer, sub, aud: this.service, exp: now + this.ttl, nbf: now - 5, iat: now, jti: randomUUID(), access };
    const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${signed}.${b64url(sign('sha256', Buffer.from(signed), this.key))}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hdr = req.headers.authorization ?? '';
    const entry: TokenRequest = { url: req.url ?? '', authorization: hdr !== '', user: '', scopes: url.searchParams.getAll('scope'), status: 0 };
    this.requests.push(entry);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    req.resume();
    if (req.method !== 'GET' || url.pathname !== '/token') return answer(404, { details: 'not found' });
    if (url.searchParams.get('service') !== this.service) return answer(400, { details: 'unknown service' });
    let user = '';
    if (hdr) {
      const m = /^Basic\s+(\S+)$/i.exec(hdr);
      const plain = m ? Buffer.from(m[1], 'base64').toString() : '';
      const colon = plain.indexOf(':');
      const known = colon > 0 && this.users.some((u) => u.user === plain.slice(0, colon) && u.pass === plain.slice(colon + 1));
      if (!known) return answer(401, { details: 'incorrect username or password' }, { 'WWW-Authenticate': 'Basic realm="berth-test-token"' });
      user = plain.slice(0, colon);
    }
    entry.user = user;
    const access = entry.scopes.flatMap((s) => s.split(' ')).map((s) => grant(s, user)).filter((a) => a !== undefined);
    const now = new Date();
    const token = this.token(user, access);
    answer(200, { token, access_token: token, expires_in: this.ttl, issued_at: now.toISOString() });
  }
}
