/*
 * Files the runtime creates in a container's upper dir as mount targets
 * (/etc/hosts, /etc/hostname, /etc/resolv.conf, /proc, ... when the image
 * lacks them). dockerd keeps these in a separate "init" layer, so they are
 * never part of `docker diff` or of a committed layer; Berth has no init
 * layer, so it leaves them out of both.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** dockerd's init layer (daemon/initlayer) plus the parents it implies. */
const INIT_PATHS = new Set([
  'dev', 'dev/pts', 'dev/shm', 'dev/console', 'proc', 'sys', '.dockerenv',
  'etc/resolv.conf', 'etc/hosts', 'etc/hostname', 'etc/mtab',
]);
/** Directories holding init paths. */
const INIT_PARENTS = new Set(['', 'dev', 'etc']);

export type ExcludeFn = (rel: Buffer, st: Stats) => Promise<boolean>;

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch {
    return null;
  }
}

/**
 * A predicate for paths of `upper` (relative, as bytes) that are runtime
 * artifacts: an init path that is an empty file, an empty directory or the
 * /etc/mtab link and does not exist in the image (`lowers`, topmost first),
 * or a directory of the image whose only entries in `upper` are such
 * artifacts (its copy-up is the runtime's doing).
 */
export function runtimeArtifacts(upper: string, lowers: string[]): ExcludeFn {
  const inImage = async (rel: string): Promise<boolean> => {
    for (const l of lowers) if (await lstatOrNull(join(l, rel))) return true;
    return false;
  };
  const isArtifact = async (rel: string, st: Stats): Promise<boolean> => {
    if (INIT_PATHS.has(rel)) {
      const shape = (st.isFile() && st.size === 0) || st.isDirectory() || (rel === 'etc/mtab' && st.isSymbolicLink());
      if (shape && !(await inImage(rel)) && (!st.isDirectory() || (await onlyArtifacts(rel)))) return true;
    }
    if (st.isDirectory() && INIT_PARENTS.has(rel) && rel !== '' && (await inImage(rel))) return onlyArtifacts(rel);
    return false;
  };
  const onlyArtifacts = async (rel: string): Promise<boolean> => {
    const names = await readdir(join(upper, rel)).catch(() => [] as string[]);
    for (const n of names) {
      const child = rel ? `${rel}/${n}` : n;
      const st = await lstatOrNull(join(upper, child));
      if (st && !(await isArtifact(child, st))) return false;
    }
    return true;
  };
  return (rel, st) => {
    const key = rel.toString('utf8');
    if (!INIT_PATHS.has(key) && !INIT_PARENTS.has(key)) return Promise.resolve(false);
    return isArtifact(key, st);
  };
}
