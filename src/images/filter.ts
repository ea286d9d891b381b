/**
 * `docker images` selection as dockerd's daemon/images/image_list.go: the
 * filters are read first (dangling, before/since/until resolved to one time
 * each), then every image is kept or left out with the references the
 * `reference` filter lets through.
 */
import { getBoolOrDefault, matchKVList, type Filters } from '../core/filters.ts';
import { goTimestamp } from '../core/go-time.ts';
import type { ImageListOptions } from '../core/images/types.ts';
import { familiarName, matchReferencePattern, parseReference } from '../core/reference/reference.ts';
import { resolveImage } from './resolve.ts';
import type { ImageDb, ImageRow } from './store.ts';

export const IMAGE_LIST_FILTERS = ['dangling', 'label', 'before', 'since', 'reference', 'until'] as const;

/** before, until (the oldest of them) and since (the newest), in milliseconds. */
function timeBounds(db: ImageDb, f: Filters): { before?: number; since?: number } {
  const created = (name: string): number => db.get(resolveImage(db, name).id)!.createdMs;
  const befores = [...(f.get('before') ?? []).map(created), ...(f.get('until') ?? []).map((v) => goTimestamp(v))];
  const sinces = (f.get('since') ?? []).map(created);
  return { before: befores.length ? Math.min(...befores) : undefined, since: sinces.length ? Math.max(...sinces) : undefined };
}

/** Is a reference pattern a name with a tag (`busybox:1.36`, not `busybox` nor `busy*`)? */
function isTagged(pattern: string): boolean {
  try {
    return Boolean(parseReference(pattern).tag);
  } catch {
    return false;
  }
}

/** Apply `docker images` semantics: hidden intermediate images and the filters. */
export function filterImages(db: ImageDb, rows: ImageRow[], opts: ImageListOptions): ImageRow[] {
  const f = opts.filters;
  const danglingOnly = getBoolOrDefault(f, 'dangling', false);
  const { before, since } = timeBounds(db, f);
  const patterns = f.get('reference');
  const allTagged = patterns !== undefined && patterns.every(isTagged);
  const parents = new Set(rows.map((r) => r.parent).filter(Boolean));

  // a tagged pattern also finds digests of its repository (`busybox:latest` keeps busybox@sha256:…)
  const queries = patterns?.map((p) => ({ p, repo: isTagged(p) ? familiarName(parseReference(p)) : p }));
  const matches = (ref: ImageRow['refs'][number]): boolean => queries!.some(({ p, repo }) => matchReferencePattern(ref.kind === 'digest' ? repo : p, parseReference(ref.name)));
  const out: ImageRow[] = [];
  for (const row of rows) {
    if (danglingOnly && parents.has(row.id)) continue; // only heads: images no other image is made from
    if (before !== undefined && !(row.createdMs < before)) continue;
    if (since !== undefined && !(row.createdMs > since)) continue;
    if (f.has('label') && !matchKVList(f, 'label', row.labels)) continue;
    let refs = patterns ? row.refs.filter(matches) : row.refs;
    if (patterns && allTagged && !refs.some((r) => r.kind === 'tag')) refs = [];
    const tagged = refs.some((r) => r.kind === 'tag');
    if (refs.length === 0) {
      if (!opts.all && parents.has(row.id)) continue;
      if (f.has('dangling') && !danglingOnly) continue;
      if (patterns) continue;
    } else if (danglingOnly && tagged) continue;
    out.push(refs === row.refs ? row : { ...row, refs });
  }
  return out;
}
