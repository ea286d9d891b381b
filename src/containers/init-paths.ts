/*
 * dockerd's init files (init-layer.ts) and the mount targets the runtime
 * makes, both in a container's upper dir. dockerd keeps its init files in a
 * separate "init" layer, so they are never part of `docker diff` or of a
 * committed layer; Berth has no init layer, so it leaves them out of both.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { INIT_LAYER } from './init-layer.ts';

/** The init paths (relative) and what dockerd's init layer has there. */
const INIT_PATHS = new Map(INIT_LAYER.map(([p, kind]) => [p.slice(1), kind]));
/** Directories holding init paths. */
const INIT_PARENTS = new Set(['dev', 'etc']);

export type ExcludeFn = (rel: Buffer, st: Stats) => Promise<boolean>;

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch {
    return null;
  }
}

/**
 * A predicate for paths of `upper` (relative, as bytes) that are init-layer
 * artifacts: an init path as the init layer makes it (an empty file, a
 * directory holding nothing else, the /etc/mtab link to /proc/mounts) -
 * whatever the image has there, as dockerd's init layer replaces it - or
 * /dev or /etc whose only entries in `upper` are such artifacts (made or
 * copied up for them).
 */
export function runtimeArtifacts(upper: string): ExcludeFn {
  const isArtifact = async (rel: string, st: Stats): Promise<boolean> => {
    const kind = INIT_PATHS.get(rel);
    if (kind === 'file') return st.isFile() && st.size === 0;
    if (kind === 'dir' || INIT_PARENTS.has(rel)) return st.isDirectory() && onlyArtifacts(rel);
    if (kind) return st.isSymbolicLink() && (await readlink(join(upper, rel)).catch(() => '')) === kind.link;
    return false;
  };
  const onlyArtifacts = async (rel: string): Promise<boolean> => {
    const names = await readdir(join(upper, rel)).catch(() => [] as string[]);
    for (const n of names) {
      const child = `${rel}/${n}`;
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
