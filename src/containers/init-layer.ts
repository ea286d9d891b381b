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
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, open, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostPath, lstatOrNull } from './scoped-path.ts';

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

/** A directory at `p` (0755, as dockerd's MkdirAllAndChownNew); an existing one is kept as it is. */
async function ensureDir(p: string): Promise<void> {
  try {
    await mkdir(p, { mode: 0o755 });
  } catch (e) {
    if (isCode(e, 'EEXIST') && (await lstat(p)).isDirectory()) return;
    throw e;
  }
  await chmod(p, 0o755); // past the umask
}

async function create(p: string, kind: Kind): Promise<void> {
  if (kind === 'dir') return ensureDir(p);
  if (kind === 'file') {
    // O_CREAT|O_EXCL: fails on anything there, a symlink included, rather than follow it
    const fh = await open(p, 'wx', 0o755);
    try {
      await fh.chmod(0o755);
    } finally {
      await fh.close();
    }
    return;
  }
  await symlink(kind.link, p);
}

/**
 * Lay out one init path below `root` (a mounted root filesystem): each
 * component that is not a directory is unlinked, missing parents are made,
 * then the entry itself unless a directory is there already (dockerd keeps
 * an image's directory even where it wants a file).
 */
async function setupPath(root: string, path: string, kind: Kind): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  let rel = '';
  for (let i = 0; i < parts.length; i++) {
    rel = `${rel}/${parts[i]}`;
    const p = hostPath(root, rel);
    // every parent of `p` was checked to be a directory (not a symlink) before
    const st = await lstatOrNull(p);
    const last = i === parts.length - 1;
    if (st?.isDirectory()) continue;
    if (st) await unlink(p);
    await create(p, last ? kind : 'dir');
  }
}

/** Write the init files into the root filesystem mounted at `root`. */
export async function setupInitLayer(root: string): Promise<void> {
  for (const [path, kind] of INIT_LAYER) await setupPath(root, path, kind);
}

/** Set-ups under way, by rwDir: a concurrent first use (start and export at once) waits for the one running. */
const pending = new Map<string, Promise<void>>();

/**
 * Once per container (its rwDir keeps a marker): the init files, before the
 * first start or the first look at its files. Later starts leave them as the
 * container left them (a file it removed stays removed, as over dockerd's
 * init layer).
 */
export function ensureInitLayer(rwDir: string, root: string): Promise<void> {
  const marker = join(rwDir, MARKER);
  if (existsSync(marker)) return Promise.resolve();
  let p = pending.get(rwDir);
  if (!p) {
    p = (async () => {
      await setupInitLayer(root);
      await writeFile(marker, '');
    })().finally(() => pending.delete(rwDir));
    pending.set(rwDir, p);
  }
  return p;
}
