/*
 * The files of dockerd's "init layer" (moby daemon/initlayer): /.dockerenv,
 * /etc/mtab -> /proc/mounts and the mount targets /dev/console, /dev/pts,
 * /dev/shm, /proc, /sys, /etc/hosts, /etc/hostname and /etc/resolv.conf.
 * dockerd makes them in a layer of their own between the image and the
 * container's layer; Berth writes them once into the container's upper dir
 * (through its mounted root filesystem) and leaves them out of `docker diff`
 * and of committed layers (init-paths.ts).
 *
 * As dockerd does, whatever the image has at one of these paths or on the
 * way to it that is not a directory (a file, a device, a symlink) is
 * removed and replaced: an image's /etc -> /tmp or /etc/mtab -> /host/path
 * is never followed, so nothing is written outside the root filesystem.
 */
import { chmodSync, closeSync, existsSync, fchmodSync, lstatSync, mkdirSync, openSync, symlinkSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { hostPath } from './scoped-path.ts';

type Kind = 'dir' | 'file' | { link: string };

/** moby's initlayer.Setup table. */
export const INIT_LAYER: ReadonlyArray<readonly [string, Kind]> = [
  ['/dev/pts', 'dir'],
  ['/dev/shm', 'dir'],
  ['/proc', 'dir'],
  ['/sys', 'dir'],
  ['/.dockerenv', 'file'],
  ['/etc/resolv.conf', 'file'],
  ['/etc/hosts', 'file'],
  ['/etc/hostname', 'file'],
  ['/dev/console', 'file'],
  ['/etc/mtab', { link: '/proc/mounts' }],
];

/** Where the marker of a container whose init files are in place lives (outside its rootfs). */
const MARKER = 'init-layer';

function isCode(e: unknown, ...codes: string[]): boolean {
  return codes.includes((e as NodeJS.ErrnoException).code ?? '');
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if (isCode(e, 'ENOENT')) return null;
    throw e;
  }
}

/** A directory at `p` (0755, as dockerd's MkdirAllAndChownNew); an existing one is kept as it is. */
function ensureDir(p: string): void {
  try {
    mkdirSync(p, { mode: 0o755 });
  } catch (e) {
    if (isCode(e, 'EEXIST') && lstatSync(p).isDirectory()) return;
    throw e;
  }
  chmodSync(p, 0o755); // past the umask
}

function create(p: string, kind: Kind): void {
  if (kind === 'dir') return ensureDir(p);
  if (kind === 'file') {
    // O_CREAT|O_EXCL: fails on anything there, a symlink included, rather than follow it
    const fd = openSync(p, 'wx', 0o755);
    try {
      fchmodSync(fd, 0o755);
    } finally {
      closeSync(fd);
    }
    return;
  }
  symlinkSync(kind.link, p);
}

/**
 * Lay out one init path below `root` (a mounted root filesystem): each
 * component that is not a directory is unlinked, missing parents are made,
 * then the entry itself unless a directory is there already (dockerd keeps
 * an image's directory even where it wants a file).
 */
function setupPath(root: string, path: string, kind: Kind): void {
  const parts = path.split('/').filter(Boolean);
  let rel = '';
  for (let i = 0; i < parts.length; i++) {
    rel = `${rel}/${parts[i]}`;
    const p = hostPath(root, rel);
    // every parent of `p` was checked to be a directory (not a symlink) before
    const st = lstatOrNull(p);
    const last = i === parts.length - 1;
    if (st?.isDirectory()) continue;
    if (st) unlinkSync(p);
    create(p, last ? kind : 'dir');
  }
}

/**
 * Write the init files into the root filesystem mounted at `root`. With
 * synchronous calls (about 1 ms through overlayfs, against 2.5–5 ms for the
 * same calls queued on libuv's pool): a container start waits for this.
 */
export function setupInitLayer(root: string): void {
  for (const [path, kind] of INIT_LAYER) setupPath(root, path, kind);
}

/**
 * Once per container (its rwDir keeps a marker): the init files, before the
 * first start or the first look at its files. Later starts leave them as the
 * container left them (a file it removed stays removed, as over dockerd's
 * init layer). Synchronous, so two first uses at once cannot interleave.
 */
export async function ensureInitLayer(rwDir: string, root: string): Promise<void> {
  const marker = join(rwDir, MARKER);
  if (existsSync(marker)) return;
  setupInitLayer(root);
  writeFileSync(marker, '');
}
