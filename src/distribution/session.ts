/** Opening a repository on the first endpoint of a registry that answers (mirrors, https, http fallback). */
import { credentialsOf, type AuthConfig } from '../core/distribution/types.ts';
import { AuthSession } from './auth.ts';
import { endpointsFor, type Endpoint, type RegistrySettings } from './endpoints.ts';
import { request } from './http.ts';
import { Repository } from './registry.ts';

export function sessionFor(ep: Endpoint, auth: AuthConfig | undefined): AuthSession {
  const c = ep.mirror ? undefined : credentialsOf(auth);
  return new AuthSession(ep.url, ep.insecure, {
    username: c?.username, password: c?.password,
    identityToken: ep.mirror ? undefined : auth?.identitytoken || undefined,
    registryToken: ep.mirror ? undefined : auth?.registrytoken || undefined,
  });
}

/**
 * Run `fn` against the endpoints of `domain` in order: the next endpoint is
 * tried after a transport failure (or any failure of a mirror); the last
 * error is the one reported.
 */
export async function withEndpoints<T>(domain: string, path: string, settings: RegistrySettings, auth: AuthConfig | undefined,
  opts: { push?: boolean }, fn: (repo: Repository, ep: Endpoint) => Promise<T>): Promise<T> {
  const eps = await endpointsFor(domain, settings, opts);
  let last: unknown;
  for (const ep of eps) {
    try {
      // the endpoint answers HTTP at all (any status): then it is the one
      (await request(`${ep.url}/v2/`, { insecure: ep.insecure, timeoutMs: 15_000 })).discard();
    } catch (e) {
      last = e;
      continue;
    }
    try {
      return await fn(new Repository(sessionFor(ep, auth), path, opts.push === true), ep);
    } catch (e) {
      last = e;
      // a mirror gives way to the next endpoint on any failure
      if (!ep.mirror) break;
    }
  }
  throw last;
}
