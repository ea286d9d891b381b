/** Listings: tags (end-8a/8b), _catalog, referrers (end-12a/12b) and docker's v1 search. */
import { RegistryError } from '../../core/registry/errors.ts';
import { checkDigest } from '../../core/registry/names.ts';
import { MT } from '../../core/registry/types.ts';
import { can } from '../auth/index.ts';
import { intParam, sendJson } from '../http.ts';
import { encodeName, type Ctx } from './context.ts';

const link = (path: string, n: number, last: string) => `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;

export async function listTags(c: Ctx): Promise<void> {
  const name = c.route.name as string;
  const n = intParam(c.params, 'n');
  const last = c.params.get('last') ?? undefined;
  if (!(await c.reg.manifests.repositoryExists(name))) throw new RegistryError('NAME_UNKNOWN', { detail: { name } });
  let tags = await c.reg.manifests.tags(name);
  if (last !== undefined) tags = tags.filter((t) => t > last);
  const headers: Record<string, string> = {};
  if (n !== undefined && tags.length > n) {
    tags = tags.slice(0, n);
    if (n > 0) headers.Link = link(`/v2/${encodeName(name)}/tags/list`, n, tags[tags.length - 1]);
  }
  sendJson(c.res, 200, { name, tags }, headers);
}

export async function catalog(c: Ctx): Promise<void> {
  const max = c.reg.config.catalogMaxEntries;
  const asked = intParam(c.params, 'n');
  const n = Math.min(asked ?? max, max);
  const last = c.params.get('last') ?? undefined;
  const { names, more } = await c.reg.catalog.page(n, last);
  const headers: Record<string, string> = {};
  if (more && n > 0 && names.length > 0) headers.Link = link('/v2/_catalog', n, names[names.length - 1]);
  sendJson(c.res, 200, { repositories: names }, headers);
}

export async function referrers(c: Ctx): Promise<void> {
  const { digest } = checkDigest(c.route.ref as string);
  const artifactType = c.params.get('artifactType') ?? undefined;
  const manifests = await c.reg.manifests.referrers(c.route.name as string, digest, artifactType);
  const headers: Record<string, string> = { 'Content-Type': MT.ociIndex };
  if (artifactType !== undefined) headers['OCI-Filters-Applied'] = 'artifactType';
  sendJson(c.res, 200, { schemaVersion: 2, mediaType: MT.ociIndex, manifests }, headers);
}

/** `GET /v1/search?q=&n=&page=`: repositories whose name contains q, in Docker Hub's answer shape. */
export async function search(c: Ctx): Promise<void> {
  const q = (c.params.get('q') ?? '').trim().toLowerCase();
  const pageSize = Math.min(Math.max(intParam(c.params, 'n') ?? 25, 1), 100);
  const page = Math.max(intParam(c.params, 'page') ?? 1, 1);
  const issuer = c.reg.auth.issuer;
  const readable = (r: string) => issuer
    ? issuer.granted(c.grant.user ?? '', { type: 'repository', name: r, actions: ['pull'] }).length > 0
    : can(c.grant, 'repository', r, 'pull');
  const all = (await c.reg.catalog.all()).filter((r) => r.includes(q) && readable(r));
  const results = all.slice((page - 1) * pageSize, page * pageSize).map((name) => ({
    name, description: '', star_count: 0, is_official: false, is_automated: false,
  }));
  sendJson(c.res, 200, {
    num_pages: Math.max(1, Math.ceil(all.length / pageSize)), num_results: all.length, page_size: pageSize, page, query: q, results,
  });
}
