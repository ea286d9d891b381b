/*
 * Reading a container's files: `docker cp` from a container (a tar of one
 * path, its stat in X-Docker-Container-Path-Stat) and `docker export` (a tar
 * of the whole root filesystem). The tar is GNU tar's, run on a path
 * resolved inside the root filesystem (see scoped-path.ts).
 */
import { spawn } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ContainerPathStat } from '../core/containers/files-types.ts';
import { NotFoundError, SystemError } from '../core/errors.ts';
import { rfc3339Nano } from '../core/time.ts';
import { goBase, hostPath, resolveInRoot, resolvePath } from './scoped-path.ts';

// POSIX format for the xattrs, without GNU tar's atime/ctime/sub-second mtime records: one
// header per plain file, whole-second times, as dockerd's archives have
const TAR_CREATE_FLAGS = ['-c', '-f', '-', '--numeric-owner', '--xattrs', '--sort=name', '--pax-option=delete=atime,delete=ctime,delete=mtime'];
const EMPTY_TAR = Buffer.alloc(1024);

// Go's os.FileMode type bits
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_PIPE = 2 ** 25;
const MODE_SOCKET = 2 ** 24;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_CHAR = 2 ** 21;
const MODE_STICKY = 2 ** 20;

/** A stat mode as Go's os.FileMode (what docker puts in ContainerPathStat). */
export function goFileMode(mode: number): number {
  let m = mode & 0o777;
  const fmt = mode & 0o170000;
  if (fmt === 0o040000) m += MODE_DIR;
  else if (fmt === 0o120000) m += MODE_SYMLINK;
  else if (fmt === 0o060000) m += MODE_DEVICE;
  else if (fmt === 0o020000) m += MODE_DEVICE + MODE_CHAR;
  else if (fmt === 0o010000) m += MODE_PIPE;
  else if (fmt === 0o140000) m += MODE_SOCKET;
  if (mode & 0o4000) m += MODE_SETUID;
  if (mode & 0o2000) m += MODE_SETGID;
  if (mode & 0o1000) m += MODE_STICKY;
  return m;
}

export function fileNotFound(path: string, container: string): NotFoundError {
  return new NotFoundError(`Could not find the file ${path} in container ${container}`);
}

async function lstatBig(p: string): Promise<BigIntStats | null> {
  try {
    return await lstat(p, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export interface ResolvedStat {
  stat: ContainerPathStat;
  /** Container path with the directory part resolved (the last element as given). */
  resolved: string;
  abs: string;
}

/** moby's StatPath: lstat of the resolved path; a symlink's target fully resolved in scope. */
export async function statContainerPath(root: string, path: string, container: string): Promise<ResolvedStat> {
  const { resolved, abs } = await resolvePath(root, path);
  let st: BigIntStats | null;
  try {
    st = await lstatBig(hostPath(root, resolved));
  } catch (e) {
    // dockerd's lstat in the container's view: "file/x" is no missing file but a lookup through a file
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new SystemError(`lstat ${abs}: not a directory`);
    throw e;
  }
  if (!st) throw fileNotFound(path, container);
  // "file/" and "file/.": dockerd's lstat of the path as given fails
  if (/\/\.?$/.test(abs) && !st.isDirectory()) throw new SystemError(`lstat ${abs}: not a directory`);
  let linkTarget = '';
  if (st.isSymbolicLink()) linkTarget = await resolveInRoot(root, abs);
  const mtime = rfc3339Nano(st.mtimeNs);
  return { stat: { name: goBase(abs), size: Number(st.size), mode: goFileMode(Number(st.mode)), mtime, linkTarget }, resolved, abs };
}

/** A GNU tar --transform renaming the leading `from` into `to` (hard link targets too, symlink targets never). */
export function rebaseTransform(from: string, to: string): string | null {
  const delim = ['|', ',', '#', '@', '%', '!', '~'].find((d) => !from.includes(d) && !to.includes(d));
  if (!delim || /\n/.test(from + to)) return null;
  const re = from.replace(/[\\.*[\]^$]/g, '\\$&');
  const rep = to.replace(/[\\&]/g, '\\$&');
  return `--transform=flags=rh;s${delim}^${re}${delim}${rep}${delim}`;
}

/** Run GNU tar to write an archive to `out`; resolves when tar and the copy are done. */
export function runTarCreate(args: string[], out: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', [...TAR_CREATE_FLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => { if (stderr.length < 4096) stderr += s; });
    const stop = (): void => { child.kill('SIGKILL'); };
    signal.addEventListener('abort', stop, { once: true });
    out.on('error', stop);
    child.stdout.pipe(out, { end: false });
    child.on('error', (e) => reject(new SystemError(`cannot run tar: ${e.message}`, { cause: e })));
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', stop);
      out.off('error', stop);
      // 1: "file changed as we read it" (a running container) — the archive is still whole
      if (code === 0 || code === 1) resolve();
      else reject(new SystemError(signal.aborted ? 'client went away' : `tar failed: ${stderr.trim() || `exit ${code ?? sig}`}`));
    });
  });
}

/**
 * The tar of one container path, its entries named after the last element
 * of the requested path (moby's TarResourceRebase): "/etc/" gives "etc/...",
 * "/etc/." gives "./...", a symlink is archived as itself, "/" gives "/...".
 */
export async function archiveContainerPath(root: string, r: ResolvedStat, out: Writable, signal: AbortSignal): Promise<void> {
  const resolved = r.resolved;
  if (resolved === '/') {
    // dockerd rebases the root to "/": entries "/", "/bin/", ... (clients rebase on the leading "/")
    return runTarCreate(['-P', '-C', root, '--transform=flags=rh;s,^\\.,,', '.'], out, signal);
  }
  const slash = resolved.lastIndexOf('/');
  const sourceDir = hostPath(root, resolved.slice(0, slash) || '/');
  const sourceBase = resolved.slice(slash + 1);
  const rebase = goBase(r.abs);
  const args = ['-C', sourceDir];
  const transform = rebase !== sourceBase ? rebaseTransform(sourceBase, rebase) : null;
  if (transform) args.push(transform);
  return runTarCreate([...args, '--', sourceBase], out, signal);
}

/** `docker export`: the whole root filesystem, entries named without a leading "./". */
export async function exportRootfs(root: string, out: Writable, signal: AbortSignal): Promise<void> {
  const names = (await readdir(root)).sort();
  if (!names.length) { out.write(EMPTY_TAR); return; }
  // a stopped container's volumes may be mounted over the rootfs (docker cp): export leaves them out, as dockerd does
  return runTarCreate(['--one-file-system', '-C', root, '--', ...names], out, signal);
}
