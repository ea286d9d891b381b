import { ConflictError } from '../core/errors.ts';
import { getBoolOrDefault, matchLabels, matchNotLabels, type Filters } from '../core/filters.ts';
import { pruneUntil } from '../core/go-time.ts';
import type { ImageDeleteItem } from '../core/images/types.ts';
import { familiarString, parseReference, repositoryName } from '../core/reference/reference.ts';
import { shortId } from './chain.ts';
import { resolveImage } from './resolve.ts';
import type { ImageService } from './service.ts';

export const IMAGE_PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

function familiar(name: string): string {
  return familiarString(parseReference(name));
}

/**
 * dockerd's isSingleReference: all references are in one repository and at
 * most one of them is a tag (the rest digests). False for none.
 */
function isSingleReference(refs: string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const tags = refs.filter((r) => !r.includes('@'));
  if (tags.length > 1) return false;
  const repos = new Set(refs.filter((r) => r.includes('@')).map((r) => repositoryName(parseReference(r))));
  const single = repositoryName(parseReference(tags[0] ?? refs[0]));
  return repos.size === 1 && repos.has(single);
}

interface Conflict { message: string; used: boolean }

/** dockerd's checkImageDeleteConflict: hard conflicts always, soft ones unless forced. */
function findConflict(id: string, users: { id: string; running: boolean }[], refs: string[], force: boolean, hasChildren: boolean): Conflict | null {
  const hard = (why: string, used: boolean): Conflict => ({ message: `conflict: unable to delete ${shortId(id)} (cannot be forced) - ${why}`, used });
  const soft = (why: string, used: boolean): Conflict => ({ message: `conflict: unable to delete ${shortId(id)} (must be forced) - ${why}`, used });
  if (hasChildren) return hard('image has dependent child images', false);
  const running = users.find((u) => u.running);
  if (running) return hard(`image is being used by running container ${shortId(running.id)}`, true);
  if (force) return null;
  if (refs.length > 0) return soft('image is referenced in multiple repositories', false);
  const stopped = users.find((u) => !u.running);
  if (stopped) return soft(`image is being used by stopped container ${shortId(stopped.id)}`, true);
  return null;
}

/** `docker rmi` with dockerd's rules for references, conflicts and forcing. */
export async function removeImage(svc: ImageService, input: string, opts: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]> {
  const { db, events, usage } = svc.deps;
  const { id, ref } = resolveImage(db, input);
  const records: ImageDeleteItem[] = [];
  const users = await usage.containersUsing(id);
  const refNames = (): string[] => db.refsOf(id).map((r) => r.name);
  const untag = (name: string): void => {
    db.tx(() => db.removeRef(name));
    records.push({ Untagged: familiar(name) });
    events.publish('image', 'untag', id, { name: id }); // dockerd names the image by its ID here, not by the tag
  };
  let refs = refNames();
  const parentId = db.get(id)?.parent ?? '';
  let quiet = false;

  if (ref) {
    if (!opts.force && isSingleReference(refs) && users.length > 0) {
      throw new ConflictError(`conflict: unable to remove repository reference "${input}" (must force) - container ${shortId(users[0].id)} is using its referenced image ${shortId(id)}`);
    }
    untag(ref);
    refs = refNames();
    // A removed tag takes the digest references of its repository along when no other tag of it remains.
    const repo = repositoryName(parseReference(ref));
    const sameRepo = (r: string): boolean => repositoryName(parseReference(r)) === repo;
    if (!ref.includes('@') && !refs.some((r) => !r.includes('@') && sameRepo(r))) {
      for (const r of refs.filter((x) => x.includes('@') && sameRepo(x))) untag(r);
      refs = refNames();
    }
    if (refs.length > 0) return records;
    quiet = true;
  } else if (isSingleReference(refs)) {
    const c = findConflict(id, users, [], opts.force, db.hasChildren(id));
    if (c) throw new ConflictError(c.message);
    for (const r of refs) untag(r);
    refs = [];
  }

  const c = findConflict(id, users, refs, opts.force, db.hasChildren(id));
  if (c) {
    // After untagging by name, dockerd keeps a still-useful image silently.
    const dangling = refNames().length === 0 && !db.hasChildren(id);
    if (quiet && (!dangling || c.used)) return records;
    throw new ConflictError(c.message);
  }
  for (const r of refs) untag(r);
  await deleteUnreferenced(svc, id, records);
  if (!opts.noprune) await pruneParents(svc, parentId, records);
  return records;
}

/** Delete an image row and the layers only it used; layer directories go in the background. */
async function deleteUnreferenced(svc: ImageService, id: string, records: ImageDeleteItem[]): Promise<void> {
  const { db, layers, content, events } = svc.deps;
  const row = db.get(id);
  if (!row) return;
  const released = db.tx(() => {
    db.deleteImage(id);
    return db.releaseChain(row.topChain);
  });
  records.push({ Deleted: id });
  for (const l of released) records.push({ Deleted: l.chainId });
  events.publish('image', 'delete', id, {});
  await content.delete(id);
  // Never delete bulk data on the request path: directories go in the background.
  setImmediate(() => {
    for (const l of released) layers.remove(l.cacheId).catch(() => undefined);
  });
}

async function pruneParents(svc: ImageService, parentId: string, records: ImageDeleteItem[]): Promise<void> {
  const { db, usage } = svc.deps;
  let parent = parentId;
  while (parent) {
    const p = db.get(parent);
    if (!p || p.refs.length > 0 || db.hasChildren(parent) || (await usage.containersUsing(parent)).length > 0) return;
    const next = p.parent;
    await deleteUnreferenced(svc, parent, records);
    parent = next;
  }
}

/**
 * `docker image prune` as dockerd's ImagePrune: dangling images (only those no
 * image is made from), or with dangling=false every image; intermediate images
 * are left to their children. Each is removed as `docker rmi` would, by each
 * of its references or by ID; one that cannot be (in use, a child appeared) is skipped.
 */
export async function pruneImages(svc: ImageService, f: Filters): Promise<{ ImagesDeleted: ImageDeleteItem[]; SpaceReclaimed: number }> {
  const { db } = svc.deps;
  const danglingOnly = getBoolOrDefault(f, 'dangling', true);
  const until = pruneUntil(f);
  const rows = db.all();
  const parents = new Set(rows.map((r) => r.parent).filter(Boolean));
  const top = rows.filter((r) => {
    if (danglingOnly && parents.has(r.id)) return false;
    if (r.refs.length === 0 && parents.has(r.id)) return false;
    if (until !== undefined && r.createdMs > until) return false;
    return matchLabels(f, r.labels) && matchNotLabels(f, r.labels);
  });
  const deleted: ImageDeleteItem[] = [];
  const before = db.layersSize();
  const rmi = async (name: string): Promise<void> => {
    try {
      deleted.push(...await removeImage(svc, name, { force: false, noprune: false }));
    } catch {
      // dockerd's imageDeleteFailed: skipped
    }
  };
  for (const row of top) {
    const refs = db.refsOf(row.id);
    if (refs.length === 0) await rmi(row.id.slice('sha256:'.length));
    else if (!danglingOnly || !refs.some((r) => r.kind === 'tag')) for (const r of refs) await rmi(r.name);
  }
  const reclaimed = Math.max(0, before - db.layersSize());
  svc.deps.events.publish('image', 'prune', '', { reclaimed: String(reclaimed) });
  return { ImagesDeleted: deleted, SpaceReclaimed: reclaimed };
}
