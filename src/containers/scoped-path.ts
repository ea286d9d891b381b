/*
 * Paths inside a container's root filesystem, resolved as if the daemon were
 * chrooted there (moby's symlink.FollowSymlinkInScope): ".." stops at the
 * root, absolute symlinks start again from the root, so no result ever
 * leaves it. Missing components are kept as given.
 */
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { InvalidParameterError } from '../core/errors.ts';

const MAX_LINKS = 255;

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Follow every symlink of `path` (a path inside the container, absolute or
 * not) within `root`; returns the container path ("/" + components, no
 * trailing slash) that the kernel would reach from inside a chroot.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const todo = path.split('/').reverse();
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const part = todo.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = `/${[...done, part].join('/')}`;
    let isLink = false;
    try {
      isLink = (await lstat(root + candidate)).isSymbolicLink();
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new InvalidParameterError(`too many links in ${JSON.stringify(path)}`);
    const target = await readlink(root + candidate);
    if (target.startsWith('/')) done.length = 0;
    todo.push(...target.split('/').reverse());
  }
  return `/${done.join('/')}`;
}

/** The host path of a container path that resolveInRoot returned. */
export function hostPath(root: string, containerPath: string): string {
  return containerPath === '/' ? root : root + containerPath;
}

/**
 * docker's absolute form of a user path: joined to "/" and cleaned, keeping
 * a trailing "/" or "/." (they mean "the directory itself / its contents").
 */
export function absContainerPath(path: string): string {
  const clean = posix.join('/', path);
  const cleaned = clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
  if (cleaned === '/') return '/';
  if (path.endsWith('/.') || path === '.') return `${cleaned}/.`;
  if (path.endsWith('/')) return `${cleaned}/`;
  return cleaned;
}

/** Go's filepath.Base: the last element, trailing slashes ignored; "/" for the root. */
export function goBase(p: string): string {
  const t = p.replace(/\/+$/, '');
  if (t === '') return p.startsWith('/') ? '/' : '.';
  return t.slice(t.lastIndexOf('/') + 1);
}

/**
 * moby's container.ResolvePath: the directory part resolved in scope, the
 * last element kept (so a symlink there is itself what is stat'ed or
 * archived). Returns the resolved container path and the absolute path.
 */
export async function resolvePath(root: string, path: string): Promise<{ resolved: string; abs: string }> {
  const abs = absContainerPath(path);
  const slash = abs.lastIndexOf('/');
  const dir = abs.slice(0, slash + 1);
  const base = abs.slice(slash + 1);
  const rdir = await resolveInRoot(root, dir);
  if (base === '' || base === '.') return { resolved: rdir, abs };
  return { resolved: rdir === '/' ? `/${base}` : `${rdir}/${base}`, abs };
}

/** lstat that answers null for a missing path (ENOENT/ENOTDIR). */
export async function lstatOrNull(p: Buffer | string): Promise<import('node:fs').Stats | null> {
  try {
    return await lstat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}
