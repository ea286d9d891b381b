/** Engine API routes of the registry client: distribution inspect, push, login (/auth), search; pull is POST /images/create (images router). */
import { decodeAuthHeader, type AuthConfig, type DistributionBackend, type Platform, type SearchResult } from '../../core/distribution/types.ts';
import { InvalidParameterError, errorMessage } from '../../core/errors.ts';
import { parsePlatform } from '../../core/platform.ts';
import { parseFilters } from '../../core/filters.ts';
import type { ProgressFn } from '../../core/images/types.ts';
import { JsonStream, readJson, sendJson, type Req } from '../http.ts';
import type { Route } from '../router.ts';

/**
 * Progress as JSON lines, with the response started only by the first
 * message: an error before any progress is a plain HTTP error (the CLI shows
 * "Error response from daemon: ..." with the right status).
 */
export async function streamProgress(r: Req, fn: (progress: ProgressFn) => Promise<void>): Promise<void> {
  let out: JsonStream | null = null;
  const progress: ProgressFn = (m) => {
    out ??= new JsonStream(r.res);
    out.write(m);
  };
  try {
    await fn(progress);
  } catch (e) {
    if (!out) throw e;
    (out as JsonStream).fail(errorMessage(e));
  }
  out ??= new JsonStream(r.res);
  out.end();
}

export function registryAuth(r: Req): AuthConfig | undefined {
  return decodeAuthHeader(r.raw.headers['x-registry-auth'] as string | undefined);
}

/** docker's search filters: stars=N, is-official=bool, is-automated=bool. */
export function filterSearch(results: SearchResult[], raw: string | null): SearchResult[] {
  const f = parseFilters(raw, ['stars', 'is-official', 'is-automated']);
  let out = results;
  for (const v of f.get('stars') ?? []) {
    const n = Number(v);
    if (!/^\d+$/.test(v)) throw new InvalidParameterError(`invalid filter 'stars=${v}'`);
    out = out.filter((x) => x.star_count >= n);
  }
  for (const [key, field] of [['is-official', 'is_official'], ['is-automated', 'is_automated']] as const) {
    for (const v of f.get(key) ?? []) {
      if (!['true', 'false', '1', '0'].includes(v)) throw new InvalidParameterError(`invalid filter '${key}=${v}'`);
      const want = v === 'true' || v === '1';
      out = out.filter((x) => Boolean(x[field]) === want);
    }
  }
  return out;
}

/** The JSON-encoded OCI platform of `push --platform` (API 1.46+). */
function pushPlatform(q: string | null): Platform | undefined {
  if (!q) return undefined;
  let p: unknown;
  try {
    p = JSON.parse(q);
  } catch (e) {
    throw new InvalidParameterError(`failed to parse platform: ${(e as Error).message}`);
  }
  const o = p as Partial<Platform> | null;
  if (!o || typeof o !== 'object' || typeof o.os !== 'string' || typeof o.architecture !== 'string' || !o.os || !o.architecture) {
    throw new InvalidParameterError('failed to parse platform: os and architecture are required');
  }
  return parsePlatform([o.os, o.architecture, typeof o.variant === 'string' ? o.variant : ''].filter(Boolean).join('/'));
}

export function distributionRoutes(dist: DistributionBackend): Route[] {
  const push = async (r: Req): Promise<void> => {
    const tag = r.query.get('tag') ?? undefined;
    const platform = pushPlatform(r.query.get('platform'));
    await streamProgress(r, (progress) => dist.push(r.params[0], { tag: tag || undefined, auth: registryAuth(r), signal: r.signal, platform }, progress));
  };
  const auth = async (r: Req): Promise<void> => {
    const body = await readJson<AuthConfig>(r.raw);
    sendJson(r.res, 200, await dist.login(body ?? {}));
  };
  const search = async (r: Req): Promise<void> => {
    const term = r.query.get('term') ?? '';
    const limitQ = r.query.get('limit');
    const limit = limitQ ? Number(limitQ) : undefined;
    if (limitQ && !Number.isInteger(limit)) throw new InvalidParameterError(`invalid limit: ${limitQ}`);
    const results = await dist.search({ term, limit, auth: registryAuth(r), signal: r.signal });
    sendJson(r.res, 200, filterSearch(results, r.query.get('filters')));
  };
  const inspect = async (r: Req): Promise<void> => sendJson(r.res, 200, await dist.inspect(r.params[0], { auth: registryAuth(r), signal: r.signal }));
  return [
    { method: 'GET', path: '/distribution/{name*}/json', handler: inspect },
    { method: 'POST', path: '/images/{name*}/push', handler: push },
    { method: 'POST', path: '/auth', handler: auth },
    { method: 'GET', path: '/images/search', handler: search },
    { method: 'POST', path: '/images/search', handler: search },
  ];
}
