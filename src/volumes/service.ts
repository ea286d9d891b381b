import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, InvalidParameterError, NotFoundError, SystemError } from '../core/errors.ts';
import type { EventSink } from '../core/events/types.ts';
import { getBoolOrDefault, goMatcher, invalidFilter, matchLabels, matchNotLabels, type Filters } from '../core/filters.ts';
import {
  ANONYMOUS_LABEL, type VolumeBackend, type VolumeCreateOptions, type VolumeInfo, type VolumeRecord, type VolumeUser,
} from '../core/volumes/types.ts';
import { directorySize, mountPoints, unmountVolume, validateVolumeName, validateVolumeOptions } from './local.ts';
import type { VolumeDb } from './store.ts';

export interface VolumeServiceDeps {
  db: VolumeDb;
  /** <data-root>/volumes */
  root: string;
  events: EventSink;
  /** Every container with the mounts it references. */
  users(): VolumeUser[];
}

const LIST_FILTERS = ['dangling', 'name', 'driver', 'label'];
const PRUNE_FILTERS = ['label', 'label!', 'all'];

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** volume/service withPrune: the `all` filter of a prune, checked before the keys are. */
function pruneAll(f: Filters): boolean {
  const all = f.get('all') ?? [];
  if (all.length > 1) throw new InvalidParameterError(`invalid filter 'all=[${all.join(' ')}]': only one value is expected`);
  if (all.length === 0) return false;
  try {
    return parseBool(all[0]);
  } catch (e) {
    throw new InvalidParameterError(`invalid filter 'all': ${(e as Error).message}`);
  }
}

const rfc3339 = (d = new Date()): string => `${d.toISOString().slice(0, 19)}Z`;
export const randomVolumeName = (): string => randomBytes(32).toString('hex');

/** Volumes of the local driver: records, directories, in-use checks, prune and sizes. */
export class VolumeService implements VolumeBackend {
  readonly d: VolumeServiceDeps;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(deps: VolumeServiceDeps) {
    this.d = deps;
  }

  async init(): Promise<void> {
    await mkdir(this.d.root, { recursive: true, mode: 0o701 });
  }

  dataDir(name: string): string {
    return join(this.d.root, name, '_data');
  }

  info(record: VolumeRecord): VolumeInfo {
    return { record, mountpoint: this.dataDir(record.name) };
  }

  /** Serialise work on one volume name (create/remove/mount). */
  async locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(name, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(name) === next) this.locks.delete(name);
    }
  }

  /** Containers referencing a volume. */
  usersOf(name: string): VolumeUser[] {
    return this.d.users().filter((u) => u.mounts.some((m) => m.Type === 'volume' && m.Name === name));
  }

  /** Check a create request without creating anything. */
  validate(opts: VolumeCreateOptions): void {
    const name = opts.name ?? '';
    const driver = opts.driver || 'local';
    const wrap = (e: unknown): never => {
      (e as Error).message = `create ${name}: ${(e as Error).message}`;
      throw e;
    };
    if (driver !== 'local') wrap(new NotFoundError(`error looking up volume plugin ${driver}: plugin "${driver}" not found`));
    try {
      if (name !== '') validateVolumeName(name);
      if (!this.d.db.get(name)) validateVolumeOptions(opts.driverOpts ?? {});
    } catch (e) {
      wrap(e);
    }
  }

  /** Create a volume, or return the existing one of that name (as dockerd does). */
  async create(opts: VolumeCreateOptions): Promise<VolumeInfo> {
    return (await this.ensure(opts)).info;
  }

  /** create, also telling whether the volume is new. */
  async ensure(opts: VolumeCreateOptions): Promise<{ info: VolumeInfo; created: boolean }> {
    this.validate(opts);
    const name = opts.name || randomVolumeName();
    return this.locked(name, async () => {
      const existing = this.d.db.get(name);
      if (existing) {
        // dockerd reports a create each time a name is asked for, new or not
        this.d.events.publish('volume', 'create', name, { driver: existing.driver });
        return { info: this.info(existing), created: false };
      }
      const record: VolumeRecord = {
        name, driver: opts.driver || 'local', createdAt: rfc3339(),
        // as VolumesService.Create: a volume created without a name is anonymous (a prune without `all` takes it)
        labels: { ...(opts.labels ?? {}), ...(opts.name ? {} : { [ANONYMOUS_LABEL]: '' }) },
        options: { ...(opts.driverOpts ?? {}) },
      };
      await mkdir(this.dataDir(name), { recursive: true, mode: 0o755 });
      try {
        this.d.db.insert(record);
      } catch (e) {
        await rm(join(this.d.root, name), { recursive: true, force: true });
        throw e;
      }
      this.d.events.publish('volume', 'create', name, { driver: record.driver });
      return { info: this.info(record), created: true };
    });
  }

  async get(name: string): Promise<VolumeInfo> {
    const r = this.d.db.get(name);
    if (!r) throw new NotFoundError(`get ${name}: no such volume`);
    return this.info(r);
  }

  /** volume/service filtersToBy: driver names exactly, name as filters.Args.Match, labels, dangling (GetBoolOrDefault). */
  async list(filters: Filters): Promise<VolumeInfo[]> {
    for (const k of filters.keys()) if (!LIST_FILTERS.includes(k)) throw invalidFilter(k);
    const dangling = filters.has('dangling') ? getBoolOrDefault(filters, 'dangling', false) : undefined;
    const name = goMatcher(filters.get('name'));
    const drivers = filters.get('driver');
    const used = this.usedNames();
    return this.d.db.all().filter((v) => {
      if (drivers?.length && !drivers.includes(v.driver)) return false;
      if (name && !name(v.name)) return false;
      if (!matchLabels(filters, v.labels)) return false;
      return dangling === undefined || used.has(v.name) !== dangling;
    }).map((r) => this.info(r));
  }

  private usedNames(): Set<string> {
    return new Set(this.d.users().flatMap((u) => u.mounts.filter((m) => m.Type === 'volume').map((m) => m.Name ?? '')));
  }

  async remove(name: string, force: boolean): Promise<void> {
    await this.locked(name, async () => {
      const r = this.d.db.get(name);
      if (!r) {
        if (force) return;
        throw new NotFoundError(`get ${name}: no such volume`);
      }
      const users = this.usersOf(name);
      if (users.length > 0) throw new ConflictError(`remove ${name}: volume is in use - [${users.map((u) => u.id).join(', ')}]`);
      await this.destroy(r);
    });
  }

  /** Delete a volume's files and record; never follows into a filesystem still mounted there. */
  private async destroy(r: VolumeRecord): Promise<void> {
    const dir = this.dataDir(r.name);
    await unmountVolume(dir);
    // never recurse into a filesystem mounted in the volume (a bind-type volume is the user's own directory)
    const top = join(this.d.root, r.name);
    const busy = [...(await mountPoints())].find((m) => m === top || m.startsWith(`${top}/`));
    if (busy) throw new SystemError(`remove ${r.name}: volume is still mounted at ${busy}`);
    await rm(top, { recursive: true, force: true });
    this.d.db.delete(r.name);
    this.d.events.publish('volume', 'destroy', r.name, { driver: r.driver });
  }

  /**
   * volume/service Prune: unused volumes of the local driver without mount
   * options; only anonymous ones unless `all` (one strconv.ParseBool value).
   */
  async prune(filters: Filters): Promise<{ deleted: string[]; reclaimed: number }> {
    const all = pruneAll(filters);
    for (const k of filters.keys()) if (!PRUNE_FILTERS.includes(k)) throw invalidFilter(k);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const r of this.d.db.all()) {
      if (r.driver !== 'local' || Object.keys(r.options).length > 0) continue;
      if (!all && !Object.hasOwn(r.labels, ANONYMOUS_LABEL)) continue;
      if (!matchLabels(filters, r.labels) || !matchNotLabels(filters, r.labels)) continue;
      await this.locked(r.name, async () => {
        if (!this.d.db.get(r.name) || this.usersOf(r.name).length > 0) return;
        const size = await directorySize(this.dataDir(r.name));
        await this.destroy(r);
        deleted.push(r.name);
        reclaimed += size;
      });
    }
    this.d.events.publish('volume', 'prune', '', { reclaimed: String(reclaimed) });
    return { deleted, reclaimed };
  }

  /** LocalVolumesSize (`system df`): volumes of the local driver without mount options, with their sizes. */
  async usage(): Promise<VolumeInfo[]> {
    const users = this.d.users();
    const local = this.d.db.all().filter((r) => r.driver === 'local' && Object.keys(r.options).length === 0);
    return Promise.all(local.map(async (r) => ({
      ...this.info(r),
      usage: {
        size: await directorySize(this.dataDir(r.name)),
        refCount: users.filter((u) => u.mounts.some((m) => m.Type === 'volume' && m.Name === r.name)).length,
      },
    })));
  }

  /** Remove a container's anonymous volumes that no other container uses (rm -v, --rm). */
  async removeAnonymous(names: string[]): Promise<void> {
    for (const name of names) {
      const r = this.d.db.get(name);
      if (!r || !Object.hasOwn(r.labels, ANONYMOUS_LABEL)) continue;
      await this.remove(name, true).catch(() => undefined);
    }
  }
}
