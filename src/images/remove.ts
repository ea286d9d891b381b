import { ConflictError } from '../core/errors.ts';
import { boolFilter, matchLabels, matchNotLabels, parseTimestamp, type Filters } from '../core/filters.ts';
import type { ImageDeleteItem } from '../core/images/types.ts';
import { familiarString, parseReference, repositoryName } from '../core/reference/reference.ts';
import { shortId } from './chain.ts';
import { resolveImage } from './resolve.ts';
import type { ImageService } from './service.ts';

export const IMAGE_PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

function familiar(name: string): string {
  return familiarString(parseReference(name));
}

function singleRepository(refs: string[]): boolean {
  return new Set(refs.map((r) => repositoryName(parseReference(r)))).size <= 1;
}

/** `docker rmi` with dockerd's rules for references, conflicts and forcing. */
export async function removeImage(svc: ImageService, input: string, opts: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]> {
  const { db, events, usage } = svc.deps;
  const { id, ref } = resolveImage(db, input);
  const records: ImageDeleteItem[] = [];
  const users = await usage.containersUsing(id);
  let refs = db.refsOf(id).map((r) => r.name);
  const parentId = db.get(id)?.parent ?? '';

  if (ref) {
    if (!opts.force && singleRepository(refs) && users.length > 0) {
      throw new ConflictError(`conflict: unable to remove repository reference "${input}" (must force) - container ${shortId(users[0].id)} is using its referenced image ${shortId(id)}`);
    }
    db.tx(() => db.removeRef(ref));
    records.push({ Untagged: familiar(ref) });
    events.publish('image', 'untag', id, { name: familiar(ref) });
    refs = db.refsOf(id).map((r) => r.name);
    const repo = repositoryName(parseReference(ref));
    if (!ref.includes('@') && !refs.some((r) => !r.includes('@') && repositoryName(parseReference(r)) === repo)) {
      for (const r of refs.filter((x) => x.includes('@') && repositoryName(parseReference(x)) === repo)) {
        db.tx(() => db.removeRef(r));
        records.push({ Untagged: familiar(r) });
      }
      refs = db.refsOf(id).map((r) => r.name);
    }
    if (refs.length > 0) return records;
  } else if (singleRepository(refs)) {
    checkConflicts(id, users, [], opts.force, db.hasChildren(id));
    for (const r of refs) {
      db.tx(() => db.removeRef(r));
      records.push({ Untagged: familiar(r) });
      events.publish('image', 'untag', id, { name: familiar(r) });
    }
    refs = [];
  }
  checkConflicts(id, users, refs, opts.force, db.hasChildren(id));
  for (const r of refs) {
    db.tx(() => db.removeRef(r));
    records.push({ Untagged: familiar(r) });
    events.publish('image', 'untag', id, { name: familiar(r) });
  }
  await deleteUnreferenced(svc, id, records);
  if (!opts.noprune) await pruneParents(svc, parentId, records);
  return records;
}

function checkConflicts(id: string, users: { id: string; running: boolean }[], refs: string[], force: boolean, hasChildren: boolean): void {
  const running = users.find((u) => u.running);
  if (running) throw new ConflictError(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
  if (hasChildren) throw new ConflictError(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image has dependent child images`);
  if (force) return;
  if (refs.length > 0) throw new ConflictError(`conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
  const stopped = users.find((u) => !u.running);
  if (stopped) throw new ConflictError(`conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${shortId(stopped.id)}`);
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
  svc.forget(id);
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

/** `docker image prune`: dangling images, or with dangling=false every image no container uses. */
export async function pruneImages(svc: ImageService, f: Filters): Promise<{ ImagesDeleted: ImageDeleteItem[]; SpaceReclaimed: number }> {
  const { db, usage } = svc.deps;
  const danglingOnly = boolFilter(f, 'dangling') ?? true;
  const until = f.get('until')?.map((v) => parseTimestamp(v) / 1000);
  const counts = await usage.counts();
  const deleted: ImageDeleteItem[] = [];
  let reclaimed = 0;
  const rows = db.all().filter((r) => !danglingOnly || r.refs.every((x) => x.kind !== 'tag'));
  for (const row of rows) {
    if ((counts.get(row.id) ?? 0) > 0 || db.hasChildren(row.id)) continue;
    if (!matchLabels(f, row.labels) || !matchNotLabels(f, row.labels)) continue;
    if (until && !until.every((c) => row.created < c)) continue;
    const before = db.layersSize();
    const recs: ImageDeleteItem[] = [];
    for (const r of db.refsOf(row.id)) {
      db.tx(() => db.removeRef(r.name));
      recs.push({ Untagged: familiar(r.name) });
    }
    await deleteUnreferenced(svc, row.id, recs);
    reclaimed += before - db.layersSize();
    deleted.push(...recs);
  }
  return { ImagesDeleted: deleted, SpaceReclaimed: reclaimed };
}
