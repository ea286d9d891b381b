/*
 * Access to a container's merged root filesystem for cp, export and stat.
 * A running container's rootfs is mounted already and is used as it is; a
 * stopped one is mounted for the duration of the work (shared by concurrent
 * requests) and unmounted after, unless the container started meanwhile:
 * a running container's rootfs is never unmounted here.
 */
import type { ContainerRecord } from '../core/containers/types.ts';
import { isMounted, mergedDir, mountRootfs, unmountRootfs } from '../layers/rootfs.ts';

export interface RootfsAccessDeps {
  layersRoot: string;
  /** overlay lowerdir option of the container's image ('' without layers). */
  lowerDirs(c: ContainerRecord): Promise<string>;
  /** Whether the container runs (or is being restarted) right now. */
  isRunning(id: string): boolean;
  log?: { warn(m: string): void };
}

interface Use {
  count: number;
  mountedHere: boolean;
  ready: Promise<string>;
}

export class RootfsAccess {
  private readonly d: RootfsAccessDeps;
  private readonly uses = new Map<string, Use>();
  /** Unmounts under way: the next user waits for them, or it could find the mount gone under its feet. */
  private readonly releasing = new Map<string, Promise<void>>();

  constructor(deps: RootfsAccessDeps) {
    this.d = deps;
  }

  /** Run `fn` with the path of the container's mounted root filesystem. */
  async with<T>(c: ContainerRecord, fn: (root: string) => Promise<T>): Promise<T> {
    const root = await this.acquire(c);
    try {
      return await fn(root);
    } finally {
      await this.release(c);
    }
  }

  /** Number of containers whose rootfs this object holds (for tests). */
  get held(): number {
    return this.uses.size;
  }

  private async acquire(c: ContainerRecord): Promise<string> {
    while (!this.uses.has(c.id) && this.releasing.has(c.id)) await this.releasing.get(c.id);
    let use = this.uses.get(c.id);
    if (!use) {
      const u: Use = { count: 0, mountedHere: false, ready: Promise.resolve('') };
      u.ready = (async () => {
        const merged = mergedDir(c.rwDir);
        if (await isMounted(merged)) return merged;
        u.mountedHere = true;
        return mountRootfs(this.d.layersRoot, await this.d.lowerDirs(c), c.rwDir);
      })();
      this.uses.set(c.id, u);
      use = u;
    }
    use.count++;
    try {
      return await use.ready;
    } catch (e) {
      await this.release(c);
      throw e;
    }
  }

  private async release(c: ContainerRecord): Promise<void> {
    const use = this.uses.get(c.id);
    if (!use || --use.count > 0) return;
    this.uses.delete(c.id);
    const done: Promise<void> = (async () => {
      await use.ready.catch(() => undefined);
      // mounted by the container's start (running, or being stopped by its lifecycle): not ours
      if (!use.mountedHere || this.d.isRunning(c.id)) return;
      await unmountRootfs(c.rwDir).catch((e: unknown) => {
        this.d.log?.warn(`unmounting the rootfs of ${c.id}: ${(e as Error).message}`);
      });
    })().finally(() => {
      if (this.releasing.get(c.id) === done) this.releasing.delete(c.id);
    });
    this.releasing.set(c.id, done);
    await done;
  }
}
