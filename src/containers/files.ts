/*
 * The container-files backend of the API: export, diff, cp (archive) and
 * commit, on top of the container and image services.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { CommitOptions, ContainerChange, ContainerFilesBackend, ContainerPathStat, ExtractOptions } from '../core/containers/files-types.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { ImageService } from '../images/service.ts';
import { diffDir } from '../layers/rootfs.ts';
import { archiveContainerPath, exportRootfs, statContainerPath } from './archive.ts';
import { extractToContainer } from './archive-extract.ts';
import { containerChanges } from './changes.ts';
import { commitContainer } from './commit.ts';
import { RootfsAccess } from './fs-access.ts';
import { runtimeArtifacts } from './init-paths.ts';
import type { ContainerService } from './service.ts';

export class ContainerFilesService implements ContainerFilesBackend {
  readonly access: RootfsAccess;
  private readonly containers: ContainerService;
  private readonly images: ImageService;

  constructor(containers: ContainerService, images: ImageService) {
    this.containers = containers;
    this.images = images;
    const db = containers.d.db;
    this.access = new RootfsAccess({
      layersRoot: containers.d.layersRoot,
      lowerDirs: (c) => this.lowerDirs(c),
      isRunning: (id) => {
        const s = db.byId(id)?.state;
        return !!s && (s.Running || s.Restarting);
      },
      log: containers.d.log,
      volumes: containers.d.mounts,
    });
  }

  /** overlay lowerdir option of the container's image (short links, topmost first). */
  private async lowerDirs(c: ContainerRecord): Promise<string> {
    const layers = await this.images.layersOf(await this.images.get(c.imageId));
    return layers.length ? this.containers.d.layers.lowerDirs(layers.at(-1)!.cacheId) : '';
  }

  private event(c: ContainerRecord, action: string): void {
    this.containers.d.events.publish('container', action, c.id, this.containers.life.attrs(c));
  }

  async exportRootfs(idOrName: string, open: () => Writable, signal: AbortSignal): Promise<void> {
    const c = await this.containers.get(idOrName);
    await this.access.with(c, (root) => exportRootfs(root, open(), signal));
    this.event(c, 'export');
  }

  async changes(idOrName: string): Promise<ContainerChange[]> {
    const c = await this.containers.get(idOrName);
    const lower = await this.lowerDirs(c);
    const root = this.containers.d.layersRoot;
    const lowers = lower ? lower.split(':').map((l) => join(root, l)) : [];
    const upper = diffDir(c.rwDir);
    return containerChanges(upper, lowers, runtimeArtifacts(upper));
  }

  /**
   * The filesystem as the container sees it: a running container's own root
   * (/proc/PID/root) shows its volumes, binds and tmpfs mounts, as docker cp
   * does; a stopped one gets its rootfs mounted for the work.
   */
  private view<T>(c: ContainerRecord, fn: (root: string) => Promise<T>): Promise<T> {
    const pid = c.state.Running && !c.state.Restarting ? c.state.Pid : 0;
    // "/." so that lstat of the root itself sees the directory, not the magic link
    if (pid > 0 && existsSync(`/proc/${pid}/root`)) return fn(`/proc/${pid}/root/.`);
    return this.access.with(c, fn, { volumes: true });
  }

  async statPath(idOrName: string, path: string): Promise<ContainerPathStat> {
    const c = await this.containers.get(idOrName);
    return this.view(c, async (root) => (await statContainerPath(root, path, idOrName)).stat);
  }

  async archivePath(idOrName: string, path: string, open: (stat: ContainerPathStat) => Writable, signal: AbortSignal): Promise<void> {
    const c = await this.containers.get(idOrName);
    await this.view(c, async (root) => {
      const r = await statContainerPath(root, path, idOrName);
      await archiveContainerPath(root, r, open(r.stat), signal);
    });
    this.event(c, 'archive-path');
  }

  async extractToDir(idOrName: string, path: string, input: Readable, opts: ExtractOptions, signal: AbortSignal): Promise<void> {
    const c = await this.containers.get(idOrName);
    await this.view(c, (root) => extractToContainer({
      root, path, container: idOrName, input, opts, signal,
      readonlyRootfs: c.hostConfig.ReadonlyRootfs === true, user: c.config.User ?? '',
    }));
    this.event(c, 'extract-to-dir');
  }

  commit(opts: CommitOptions): Promise<{ id: string }> {
    return commitContainer(this.containers, this.images, opts);
  }
}
