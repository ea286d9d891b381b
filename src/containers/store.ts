import { ConflictError, InvalidParameterError, NotFoundError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { MetadataDb } from '../metadata/db.ts';
import { timeNs } from '../core/time.ts';
import { resolveLinkName } from './links.ts';

/** Container records in the metadata DB (one JSON document per container) with an in-memory copy. */
export class ContainerDb {
  private readonly m: MetadataDb;
  private readonly cache = new Map<string, ContainerRecord>();
  /** A stamp per record, new at every insert and save (for caches of derived views). */
  private readonly stamps = new Map<string, number>();
  private stamp = 0;
  /** all(), kept up to date by insert and delete (the creation time never changes). */
  private sorted: ContainerRecord[] | null = null;
  /** Each record's creation time in nanoseconds, read once: RFC 3339 strings with trimmed fractions do not sort as text. */
  private readonly createdNs = new Map<string, bigint>();

  constructor(m: MetadataDb) {
    this.m = m;
    const rows = m.db.prepare('SELECT data FROM containers').all() as { data: string }[];
    for (const r of rows) {
      const c = JSON.parse(r.data) as ContainerRecord;
      this.cache.set(c.id, c);
    }
  }

  /** Every record, newest first (a copy the caller may keep). */
  all(): ContainerRecord[] {
    this.sorted ??= [...this.cache.values()].sort((a, b) => {
      const ta = this.created(a);
      const tb = this.created(b);
      return ta < tb ? 1 : ta > tb ? -1 : 0;
    });
    return this.sorted.slice();
  }

  private created(c: ContainerRecord): bigint {
    let t = this.createdNs.get(c.id);
    if (t === undefined) this.createdNs.set(c.id, (t = timeNs(c.created) ?? 0n));
    return t;
  }

  byId(id: string): ContainerRecord | undefined {
    return this.cache.get(id);
  }

  /** Docker's lookup: full ID, then exact name (a legacy link's `/parent/alias` too), then a unique ID prefix. */
  resolve(idOrName: string): ContainerRecord {
    const exact = this.cache.get(idOrName);
    if (exact) return exact;
    const name = idOrName.startsWith('/') ? idOrName : `/${idOrName}`;
    for (const c of this.cache.values()) if (c.name === name) return c;
    const linked = name.indexOf('/', 1) > 0 ? resolveLinkName(this, name) : undefined;
    if (linked) return linked;
    if (/^[a-f0-9]+$/.test(idOrName)) {
      const hits = [...this.cache.values()].filter((c) => c.id.startsWith(idOrName));
      if (hits.length === 1) return hits[0];
      if (hits.length > 1) throw new InvalidParameterError(`multiple IDs found with provided prefix: ${idOrName}`);
    }
    throw new NotFoundError(`No such container: ${idOrName}`);
  }

  nameOwner(name: string): ContainerRecord | undefined {
    for (const c of this.cache.values()) if (c.name === name) return c;
    return undefined;
  }

  insert(c: ContainerRecord): void {
    const owner = this.nameOwner(c.name);
    if (owner) throw nameConflict(c.name, owner.id);
    this.m.tx(() => {
      this.m.db.prepare('INSERT INTO containers (id, name, image_id, created, data) VALUES (?, ?, ?, ?, ?)')
        .run(c.id, c.name, c.imageId, c.created, JSON.stringify(c));
    });
    this.cache.set(c.id, c);
    // the newest goes first; anything else (a clock step back) sorts again
    if (this.sorted && (!this.sorted.length || this.created(c) >= this.created(this.sorted[0]))) this.sorted.unshift(c);
    else this.sorted = null;
    this.stamps.set(c.id, ++this.stamp);
  }

  /** Changes whenever the record is saved; 0 for a record never saved by this process. */
  revision(id: string): number {
    return this.stamps.get(id) ?? 0;
  }

  /** Persist the current state of a record (after mutating it). */
  save(c: ContainerRecord): void {
    if (!this.cache.has(c.id)) return;
    this.m.db.prepare('UPDATE containers SET name = ?, data = ? WHERE id = ?').run(c.name, JSON.stringify(c), c.id);
    this.stamps.set(c.id, ++this.stamp);
  }

  delete(id: string): void {
    this.m.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
    this.cache.delete(id);
    const i = this.sorted?.findIndex((c) => c.id === id) ?? -1;
    if (i >= 0) this.sorted!.splice(i, 1);
    this.createdNs.delete(id);
    this.stamps.delete(id);
  }
}

export function nameConflict(name: string, ownerId: string): ConflictError {
  return new ConflictError(`Conflict. The container name "${name}" is already in use by container "${ownerId}". You have to remove (or rename) that container to be able to reuse that name.`);
}
