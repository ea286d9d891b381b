/** Maps a request path to a route of the distribution API and the access it needs. */
import { RegistryError } from '../core/registry/errors.ts';
import { isValidName } from '../core/registry/names.ts';
import type { AccessEntry } from '../core/registry/types.ts';

export type RouteKind = 'base' | 'catalog' | 'blob' | 'upload-start' | 'upload' | 'manifest' | 'tags' | 'referrers' | 'search' | 'v1-ping' | 'token';

export interface Route {
  kind: RouteKind;
  name?: string;
  /** Digest, tag or upload ID, undecoded. */
  ref?: string;
}

const V2_RE = /^\/v2\/(.+?)\/(blobs\/uploads\/?|blobs\/uploads\/([^/]+)|blobs\/([^/]+)|manifests\/([^/]+)|tags\/list|referrers\/([^/]+))$/;

/** Percent-decodes one path part; a malformed escape is the part's own 400/404, never a 500. */
function decode(part: string, kind: RouteKind): string {
  try {
    return decodeURIComponent(part);
  } catch {
    if (kind === 'upload') throw new RegistryError('BLOB_UPLOAD_UNKNOWN');
    if (kind === 'manifest') throw new RegistryError('TAG_INVALID', { message: 'invalid reference' });
    throw new RegistryError('DIGEST_INVALID', { message: 'invalid digest' });
  }
}

export function matchRoute(pathname: string): Route | null {
  if (pathname === '/v2/' || pathname === '/v2') return { kind: 'base' };
  if (pathname === '/v2/_catalog') return { kind: 'catalog' };
  if (pathname === '/v1/search') return { kind: 'search' };
  if (pathname === '/v1/_ping') return { kind: 'v1-ping' };
  if (pathname === '/token' || pathname === '/auth/token') return { kind: 'token' };
  const m = V2_RE.exec(pathname);
  if (!m) return null;
  const name = m[1];
  if (!isValidName(name)) throw new RegistryError('NAME_INVALID', { detail: { name } });
  if (m[3] !== undefined) return { kind: 'upload', name, ref: decode(m[3], 'upload') };
  if (m[2].startsWith('blobs/uploads')) return { kind: 'upload-start', name };
  if (m[4] !== undefined) return { kind: 'blob', name, ref: decode(m[4], 'blob') };
  if (m[5] !== undefined) return { kind: 'manifest', name, ref: decode(m[5], 'manifest') };
  if (m[6] !== undefined) return { kind: 'referrers', name, ref: decode(m[6], 'referrers') };
  return { kind: 'tags', name };
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isWrite(method: string): boolean {
  return WRITE.has(method);
}

/** The scopes a request needs; [] = any authenticated user; null = no auth at all. */
export function requiredAccess(route: Route, method: string): AccessEntry[] | null {
  switch (route.kind) {
    case 'v1-ping': case 'token': return null;
    case 'base': case 'search': return [];
    case 'catalog': return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
    default: {
      const name = route.name as string;
      let actions: string[];
      if (method === 'DELETE' && (route.kind === 'manifest' || route.kind === 'blob')) actions = ['delete'];
      else if (route.kind === 'upload' || route.kind === 'upload-start' || (route.kind === 'manifest' && method === 'PUT')) actions = ['pull', 'push'];
      else actions = ['pull'];
      return [{ type: 'repository', name, actions }];
    }
  }
}
