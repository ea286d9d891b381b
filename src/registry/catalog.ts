/**
 * The list of repositories, kept in memory: built by one walk of the
 * repositories directory at start (a repository is a directory with a
 * `_manifests` child, as in distribution) and updated on every push, so that
 * `_catalog` and search answer without touching the disk.
 */
import type { StorageDriver } from '../core/registry/types.ts';
import { isValidName } from '../core/registry/names.ts';
import { REPOS } from './paths.ts';

export class Catalog {
  private readonly driver: StorageDriver;
  private names = new Set<string>();
  private sorted: string[] | null = [];
  private loading: Promise<void> | null = null;
  private loaded = false;

  constructor(driver: StorageDriver) {
    this.driver = driver;
  }

  /** Walks the repositories directory (again). */
  async reload(): Promise<void> {
    const found = new Set<string>();
    const walk = async (prefix: string): Promise<void> => {
      const dir = prefix ? `${REPOS}/${prefix}` : REPOS;
      const children = await this.driver.list(dir);
      if (prefix && children.includes('_manifests')) found.add(prefix);
      await Promise.all(children.filter((c) => !c.startsWith('_')).map((c) => walk(prefix ? `${prefix}/${c}` : c)));
    };
    await walk('');
    for (const n of this.names) found.add(n);
    this.names = new Set([...found].filter(isValidName));
    this.sorted = null;
    this.loaded = true;
  }

  private async ready(): Promise<void> {
    if (this.loaded) return;
    this.loading ??= this.reload();
    await this.loading;
  }

  add(name: string): void {
    if (this.names.has(name)) return;
    this.names.add(name);
    this.sorted = null;
  }

  async all(): Promise<string[]> {
    await this.ready();
    this.sorted ??= [...this.names].sort();
    return this.sorted;
  }

  /** A page after `last` (exclusive) of at most n names, and whether more follow. */
  async page(n: number, last?: string): Promise<{ names: string[]; more: boolean }> {
    const all = await this.all();
    let start = 0;
    if (last !== undefined) {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (all[mid] <= last) lo = mid + 1; else hi = mid;
      }
      start = lo;
    }
    const names = all.slice(start, start + n);
    return { names, more: start + n < all.length };
  }
}
