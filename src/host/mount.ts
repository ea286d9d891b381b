/*
 * mount(2) and umount2(2) for the daemon: through the native addon
 * (native/berth_sys.c, built by scripts/build-native.sh) when it is there,
 * else by spawning mount(8) and umount(8). The addon saves a process
 * spawn per call (3 to 6 ms each on the machines measured, more as the
 * daemon's memory grows); both ways behave the same to callers.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { constants } from 'node:os';
import { promisify } from 'node:util';
import { nativeSys } from './native.ts';

const run = promisify(execFile);
const MNT_DETACH = 2;

/** A failed mount or unmount, with the errno name (EBUSY, EINVAL, ...) when known. */
export class MountError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

function fromNative(e: unknown): MountError {
  const errno = (e as { errno?: number }).errno;
  return new MountError((e as Error).message, (errno !== undefined && errnoNames.get(errno)) || 'EIO', { cause: e });
}

function spawnFailure(e: unknown): MountError {
  const stderr = String((e as { stderr?: string }).stderr ?? '').trim();
  const text = stderr || (e as Error).message;
  const code = /busy/i.test(text) ? 'EBUSY' : /not mounted|no mount point/i.test(text) ? 'EINVAL' : /no such file/i.test(text) ? 'ENOENT' : 'EIO';
  return new MountError(text, code, { cause: e });
}

/**
 * `mount -t FSTYPE -o DATA SOURCE TARGET`, run in `cwd` when given (relative
 * paths in DATA resolve there). With the addon the call is made in place:
 * it blocks the caller for the mount (a fraction of a millisecond to a few
 * for a local overlay) instead of a thread-pool round trip, so it is only for
 * quick local filesystems; without it, mount(8) is spawned.
 */
export async function mountFs(source: string, target: string, fstype: string, data: string, cwd?: string): Promise<void> {
  const sys = nativeSys();
  if (sys) {
    try {
      sys.mountSync(source, target, fstype, 0, data, cwd ?? null);
    } catch (e) {
      throw fromNative(e);
    }
    return;
  }
  await run('mount', ['-t', fstype, '-o', data, source, target], cwd ? { cwd } : {}).catch((e: unknown) => { throw spawnFailure(e); });
}

/**
 * Unmount `target` once (`detach`: lazily, as `umount -l`). Resolves false
 * when nothing was mounted there; a busy mount rejects with code EBUSY.
 */
export async function unmountFs(target: string, detach = false): Promise<boolean> {
  const sys = nativeSys();
  try {
    if (sys) await sys.umount2(target, detach ? MNT_DETACH : 0).catch((e: unknown) => { throw fromNative(e); });
    else await run('umount', detach ? ['-l', target] : [target]).catch((e: unknown) => { throw spawnFailure(e); });
    return true;
  } catch (e) {
    if (e instanceof MountError && (e.code === 'EINVAL' || e.code === 'ENOENT')) return false;
    throw e;
  }
}

/**
 * Whether a filesystem is mounted on `dir`: its device then differs from its
 * parent's (a stat each, not a read of the whole mount table). False when
 * `dir` does not exist.
 */
export function isMountPoint(dir: string): boolean {
  try {
    return statSync(dir).dev !== statSync(dirname(dir)).dev;
  } catch {
    return false;
  }
}
