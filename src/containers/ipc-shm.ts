/*
 * /dev/shm of an IpcMode "shareable" container: a tmpfs the daemon mounts in
 * the container's directory and binds in, so that a container started with
 * --ipc container:<it> can bind the same one (dockerd's ShmPath).
 */
import { mkdirSync } from 'node:fs';
import type { ContainerRecord } from '../core/containers/types.ts';
import { isMountPoint, mountFs, unmountFs } from '../host/mount.ts';

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export function shmPath(c: ContainerRecord): string {
  return `${c.bundle}/shm`;
}

/** Mount the shareable /dev/shm of `c` (once); returns its path. */
export async function mountShm(c: ContainerRecord): Promise<string> {
  const dir = shmPath(c);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isMountPoint(dir)) {
    const size = Number(c.hostConfig.ShmSize ?? 0) > 0 ? Number(c.hostConfig.ShmSize) : DEFAULT_SHM_SIZE;
    await mountFs('shm', dir, 'tmpfs', `mode=1777,size=${size}`);
  }
  return dir;
}

/** Unmount it when the container stops or goes (a no-op for other containers). */
export async function releaseShm(c: ContainerRecord): Promise<void> {
  if (c.hostConfig.IpcMode !== 'shareable') return;
  const dir = shmPath(c);
  for (let i = 0; i < 20 && isMountPoint(dir); i++) {
    try {
      await unmountFs(dir, i === 19);
    } catch {
      await new Promise((r) => setTimeout(r, 50)); // busy while a joiner still holds it
    }
  }
}

/** Whether the shareable /dev/shm of `c` is there to be joined. */
export function shmMounted(c: ContainerRecord): boolean {
  return isMountPoint(shmPath(c));
}
