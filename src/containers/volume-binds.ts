/*
 * A stopped container's volumes and bind mounts, mounted over its mounted
 * rootfs for the length of a docker cp (dockerd mounts them the same way),
 * so that copies land where the container will see them.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { SpecMount } from '../core/volumes/types.ts';
import { hostPath, resolveInRoot } from './scoped-path.ts';

const run = promisify(execFile);

/** Bind every bind-type mount of `mounts` at its destination under `root`; returns the mount targets (to undo in reverse). */
export async function bindVolumes(root: string, mounts: SpecMount[]): Promise<string[]> {
  const done: string[] = [];
  try {
    for (const m of mounts) {
      if (m.type !== 'bind') continue; // a stopped container's tmpfs holds nothing
      const target = hostPath(root, await resolveInRoot(root, m.destination));
      const src = await lstat(m.source);
      const there = await lstat(target).catch(() => null);
      if (!there) {
        // the mount point, as the container's start would make it
        if (src.isDirectory()) await mkdir(target, { recursive: true });
        else {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, '');
        }
      }
      await run('mount', ['--bind', m.source, target]);
      done.push(target);
      if (m.options.includes('ro')) await run('mount', ['-o', 'remount,bind,ro', target]);
    }
  } catch (e) {
    await unbindVolumes(done);
    throw e;
  }
  return done;
}

export async function unbindVolumes(targets: string[]): Promise<void> {
  for (const t of [...targets].reverse()) {
    await run('umount', [t]).catch(() => run('umount', ['-l', t]).catch(() => undefined));
  }
}
