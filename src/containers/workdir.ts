import { lstatSync, mkdirSync } from 'node:fs';
import { SystemError } from '../core/errors.ts';
import { hostPath, resolveInRoot } from './scoped-path.ts';

/**
 * dockerd's working-directory set-up at start: the directory is made inside
 * the container's root filesystem, its path resolved there (an image's
 * symlink never leads the daemon to make directories on the host); a file in
 * its place is dockerd's "Cannot mkdir" error.
 */
export async function ensureWorkdir(rootfs: string, dir: string): Promise<void> {
  if (!dir || dir === '/') return;
  const target = hostPath(rootfs, await resolveInRoot(rootfs, dir));
  let isDir: boolean | null = null;
  try {
    isDir = lstatSync(target).isDirectory();
  } catch { /* absent: made below */ }
  if (isDir === false) throw new SystemError(`Cannot mkdir: ${dir} is not a directory`);
  if (isDir === null) mkdirSync(target, { recursive: true, mode: 0o755 });
}
