import { boolFilter, matchLabels, matchNotLabels, parseTimestamp } from '../core/filters.ts';
import type { ImageListOptions } from '../core/images/types.ts';
import { matchReferencePattern, parseReference } from '../core/reference/reference.ts';
import { resolveImage } from './resolve.ts';
import type { ImageDb, ImageRow } from './store.ts';

export const IMAGE_LIST_FILTERS = ['dangling', 'label', 'label!', 'before', 'since', 'reference', 'until'] as const;

function tagsOf(row: ImageRow): string[] {
  return row.refs.filter((r) => r.kind === 'tag').map((r) => r.name);
}

/** Apply `docker images` semantics: hidden intermediate images and the filters. */
export function filterImages(db: ImageDb, rows: ImageRow[], opts: ImageListOptions): ImageRow[] {
  const f = opts.filters;
  const dangling = boolFilter(f, 'dangling');
  const refPatterns = f.get('reference');
  const before = f.get('before')?.map((n) => db.get(resolveImage(db, n).id)!.created);
  const since = f.get('since')?.map((n) => db.get(resolveImage(db, n).id)!.created);
  const until = f.get('until')?.map((v) => parseTimestamp(v) / 1000);
  const parents = new Set(rows.map((r) => r.parent).filter(Boolean));

  const matching = (name: string): boolean => refPatterns!.some((p) => matchReferencePattern(p, parseReference(name)));
  return rows.filter((row) => {
    const tags = tagsOf(row);
    const untagged = row.refs.length === 0;
    if (!opts.all && untagged && parents.has(row.id) && dangling === undefined) return false;
    if (dangling !== undefined && dangling !== (tags.length === 0)) return false;
    if (dangling === true && parents.has(row.id)) return false;
    // tags and digests alike (dockerd matches every reference): `docker images redis` lists a redis pulled by digest only
    if (refPatterns && !row.refs.some((r) => matching(r.name))) return false;
    if (!matchLabels(f, row.labels) || !matchNotLabels(f, row.labels)) return false;
    if (before && !before.every((c) => row.created < c)) return false;
    if (since && !since.every((c) => row.created > c)) return false;
    if (until && !until.every((c) => row.created < c)) return false;
    return true;
  }).map((row) => (refPatterns ? { ...row, refs: row.refs.filter((r) => matching(r.name)) } : row));
}
