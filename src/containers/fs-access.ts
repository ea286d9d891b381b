/*
 * Access to a container's merged root filesystem for cp, export and stat.
 * A running container's rootfs is mounted already and is used as it is; a
 * stopped one is mounted for the duration of the work (shared by concurrent
 * requests) and unmounted after, unless the container started meanwhile:
 * a running container's rootfs is never unmounted here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { SpecMount } from '../core/volumes/types.ts';
import { isMounted, mergedDir, mountRootfs, unmountRootfs } from '../layers/rootfs.ts';
import { ensureInitLayer } from './init-layer.ts';
import { bindVolumes, unbindVolumes } from './volume-binds.ts';

export interface RootfsAccessDeps {
  layersRoot: string;
  /** overlay lowerdir option of the container's image ('' without layers). */
  lowerDirs(c: ContainerRecord): Promise<string>;
  /** Whether the container runs (or is being restarted) right now. */
  isRunning(id: string): boolean;
  log?: { warn(m: string): void };
  /** The container's volumes (a stopped container gets them mounted over its rootfs for the work). */
  volumes?: { attach(c: ContainerRecord, rootfs: string): Promise<SpecMount[]>; detach(c: ContainerRecord): Promise<void> };
}

interface Use {
  count: number;
  mountedHere: boolean;
  /** Volume mounts made over the rootfs here. */
  binds: string[];
  /** Whether this use mounts the container's volumes over its rootfs. */
  volumes: boolean;
  /** Settles when this use has been let go of (unmounted or not ours). */
  gone: Promise<void>;
  markGone(): void;
  ready: Promise<string>;
}

/** The container's own /etc files, once its first start wrote them. */
function etcMounts(c: ContainerRecord): SpecMount[] {
  const taken = new Set((c.mountPoints ?? []).map((m) => m.Destination.replace(/\/+$/, '')));
  return ETC_FILES.filter((f) => !taken.has(`/etc/${f}`) && existsSync(join(c.bundle, f))).map((f) => ({ type: 'bind', source: join(c.bundle, f), destination: `/etc/${f}`, options: ['rbind'] }));
}

const ETC_FILES = ['hostname', 'hosts', 'resolv.conf'];

export class RootfsAccess {
  private readonly d: RootfsAccessDeps;
  private readonly uses = new Map<string, Use>();
  /** Unmounts under way: the next user waits for them, or it could find the mount gone under its feet. */
  private readonly releasing = new Map<string, Promise<void>>();

  constructor(deps: RootfsAccessDeps) {
    this.d = deps;
  }

  /**
   * Run `fn` with the path of the container's mounted root filesystem; with
   * `volumes`, a stopped container's volumes and binds are mounted over it
   * (docker cp), without them its own files only (docker export).
   */
  async with<T>(c: ContainerRecord, fn: (root: string) => Promise<T>, opts: { volumes?: boolean } = {}): Promise<T> {
    const root = await this.acquire(c, opts.volumes ?? false);
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

  private async acquire(c: ContainerRecord, volumes: boolean): Promise<string> {
    for (;;) {
      while (!this.uses.has(c.id) && this.releasing.has(c.id)) await this.releasing.get(c.id);
      const other = this.uses.get(c.id);
      // a mount made for the other kind of work is waited out, not shared
      if (other && other.volumes !== volumes && (await other.ready.then(() => other.mountedHere, () => false))) {
        await other.gone;
        continue;
      }
      break;
    }
    let use = this.uses.get(c.id);
    if (!use) {
      let markGone = (): void => undefined;
      const gone = new Promise<void>((r) => { markGone = r; });
      const u: Use = { count: 0, mountedHere: false, binds: [], volumes, gone, markGone, ready: Promise.resolve('') };
      u.ready = (async () => {
        const merged = mergedDir(c.rwDir);
        if (await isMounted(merged)) return merged;
        u.mountedHere = true;
        const root = await mountRootfs(this.d.layersRoot, await this.d.lowerDirs(c), c.rwDir);
        try {
          // a container never started yet shows dockerd's init files too
          await ensureInitLayer(c.rwDir, root);
        } catch (e) {
          await unmountRootfs(c.rwDir).catch(() => undefined);
          u.mountedHere = false;
          throw e;
        }
        const withVolumes = volumes && this.d.volumes && c.mountPoints?.length;
        if (volumes) {
          try {
            // the volumes, and /etc/hostname, hosts and resolv.conf as the container sees them (dockerd's setupMounts)
            u.binds = await bindVolumes(root, [...(withVolumes ? await this.d.volumes!.attach(c, root) : []), ...etcMounts(c)]);
          } catch (e) {
            if (withVolumes) await this.d.volumes!.detach(c).catch(() => undefined);
            await unmountRootfs(c.rwDir).catch(() => undefined);
            u.mountedHere = false;
            throw e;
          }
        }
        return root;
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
      if (!use.mountedHere) return;
      await unbindVolumes(use.binds);
      // a container that started meanwhile holds its volumes itself
      if (this.d.isRunning(c.id)) return;
      if (use.volumes && this.d.volumes && c.mountPoints?.length) await this.d.volumes.detach(c).catch(() => undefined);
      await unmountRootfs(c.rwDir).catch((e: unknown) => {
        this.d.log?.warn(`unmounting the rootfs of ${c.id}: ${(e as Error).message}`);
      });
    })().finally(() => {
      if (this.releasing.get(c.id) === done) this.releasing.delete(c.id);
      use.markGone();
    });
    this.releasing.set(c.id, done);
    await done;
  }
}
