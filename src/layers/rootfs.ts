/*
 * A container's read-write layer: an overlay mount of the image's layers
 * (lower, read-only) under the container's own upper directory, laid out
 * like Docker's overlay2:
 *   <rwDir>/diff     the container's changes (overlay upperdir)
 *   <rwDir>/work     overlay's workdir
 *   <rwDir>/merged   the mounted root filesystem
 *   <rwDir>/empty    an empty lower for images without layers
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidParameterError, SystemError } from '../core/errors.ts';
import { isMountPoint, mountFs, unmountFs } from '../host/mount.ts';

/** overlayfs takes its options in one page. */
const MAX_MOUNT_DATA = 4095;

/** Directory holding the container's changes (the overlay upperdir). */
export function diffDir(rwDir: string): string {
  return join(rwDir, 'diff');
}

/** Where the root filesystem is mounted. */
export function mergedDir(rwDir: string): string {
  return join(rwDir, 'merged');
}

/** Undo the octal escapes of /proc/self/mountinfo (\040 for a space, ...). */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/* The steps before the mount are synchronous: small metadata calls, each
 * quicker than a thread-pool round trip, on a container's start path. */
function makeDir(path: string, mode: number): void {
  try {
    mkdirSync(path, { mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  chmodSync(path, mode); // past the umask
}

/** Whether `path` is a mount point in this process's mount namespace. */
export async function isMounted(path: string): Promise<boolean> {
  const target = resolve(path);
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const fields = line.split(' ');
    if (fields.length > 4 && unescapeMountPath(fields[4]) === target) return true;
  }
  return false;
}

/**
 * Mount the overlay root filesystem of a container and return the merged
 * path. `lowerDirs` is LayerFiles.lowerDirs() of the image's top layer
 * (short links relative to `layersRoot`, topmost first), or '' for an image
 * without layers. Mounting an already mounted rwDir returns its path.
 */
export async function mountRootfs(layersRoot: string, lowerDirs: string, rwDir: string): Promise<string> {
  const dir = resolve(rwDir);
  if (/[,:]/.test(dir)) throw new InvalidParameterError(`container layer path ${JSON.stringify(dir)} must not contain ',' or ':'`);
  const merged = mergedDir(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // the root of the container's filesystem has the upper dir's mode: 0755 as in Docker (set once)
  for (const d of ['diff', 'work', 'merged']) makeDir(join(dir, d), d === 'work' ? 0o700 : 0o755);
  if (isMountPoint(merged)) return merged;
  let lower = lowerDirs.trim();
  if (!lower) {
    lower = join(dir, 'empty');
    mkdirSync(lower, { recursive: true, mode: 0o755 });
  }
  const data = `lowerdir=${lower},upperdir=${join(dir, 'diff')},workdir=${join(dir, 'work')},index=off`;
  if (data.length > MAX_MOUNT_DATA) {
    throw new SystemError(`overlay mount options for ${dir} are ${data.length} bytes, more than one page (too many layers)`);
  }
  try {
    // lowerdir entries are l/<short> links relative to the layer store
    await mountFs('overlay', merged, 'overlay', data, layersRoot);
  } catch (e) {
    throw new SystemError(`mounting the container's root filesystem failed: ${(e as Error).message}`, { cause: e });
  }
  return merged;
}

/** Unmount a container's root filesystem; a layer that is not mounted is not an error. */
export async function unmountRootfs(rwDir: string): Promise<void> {
  const merged = mergedDir(resolve(rwDir));
  // until nothing is mounted there (a mount may be stacked on another)
  for (let i = 0; i < 50; i++) {
    try {
      if (!(await unmountFs(merged))) return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EBUSY') throw new SystemError(`unmounting ${merged} failed: ${(e as Error).message}`, { cause: e });
      if (i >= 20) {
        // still busy after ~2 s: detach it; the kernel frees it when the last user goes
        await unmountFs(merged, true);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Unmount and delete a container's read-write layer. */
export async function removeRootfs(rwDir: string): Promise<void> {
  await unmountRootfs(rwDir);
  await rm(rwDir, { recursive: true, force: true });
}
