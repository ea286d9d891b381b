/*
 * A container user ("name", "uid", "name:group", "uid:gid") as numeric ids,
 * looked up in the container's own /etc/passwd and /etc/group, read as from
 * inside the container: symlinks resolve within its root, and only regular
 * files of a sane size are read (a FIFO there must not hang the daemon).
 */
import { lstatSync, openSync, closeSync, readSync, fstatSync, constants } from 'node:fs';
import { InvalidParameterError } from '../core/errors.ts';
import { hostPath, resolveInRoot } from './scoped-path.ts';

/** Larger passwd or group files are not read (as if absent). */
const MAX_BYTES = 4 << 20;

const NUMERIC = /^\d+$/;

type Entries = string[][];

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A regular file's text (O_NOFOLLOW: the path was resolved already), or '' when it is anything else. */
function readRegular(p: string): string {
  let fd: number;
  try {
    fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return '';
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_BYTES) return '';
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The entries of /etc/passwd or /etc/group under `root`. On the start path:
 * when neither /etc nor the file is a symlink (the usual case) the file is
 * read at once, else the path is resolved within the root first.
 */
async function readEntries(root: string, file: 'passwd' | 'group'): Promise<Entries> {
  let p = `${root}/etc/${file}`;
  if (isLink(`${root}/etc`) || isLink(p)) p = hostPath(root, await resolveInRoot(root, `/etc/${file}`));
  return readRegular(p).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

function findGroup(groups: Entries, group: string): number {
  const g = groups.find((e) => e[0] === group) ?? (NUMERIC.test(group) ? groups.find((e) => e[2] === group) : undefined);
  if (g) return Number(g[2]);
  if (NUMERIC.test(group)) return Number(group);
  throw new InvalidParameterError(`unable to find group ${group}: no matching entries in group file`);
}

function findUser(passwd: Entries, user: string): string[] | undefined {
  return passwd.find((e) => e[0] === user) ?? (NUMERIC.test(user) ? passwd.find((e) => e[2] === user) : undefined);
}

/** Owner for `docker cp -a` and COPY --chown: a bare unknown uid also gives the gid. */
export async function lookupUser(root: string, spec: string): Promise<{ uid: number; gid: number }> {
  const [user, group] = spec.split(':', 2);
  const pw = findUser(await readEntries(root, 'passwd'), user);
  let uid: number;
  let gid: number;
  if (pw) {
    uid = Number(pw[2]);
    gid = Number(pw[3]);
  } else if (NUMERIC.test(user)) {
    uid = Number(user);
    gid = uid;
  } else {
    throw new InvalidParameterError(`unable to find user ${user}: no matching entries in passwd file`);
  }
  if (group !== undefined && group !== '') gid = findGroup(await readEntries(root, 'group'), group);
  return { uid, gid };
}

/** A process's user for `--user` (run, exec, health checks): ids, supplementary groups and home. */
export async function resolveUser(root: string, spec: string, groupAdd: string[] = []): Promise<{ uid: number; gid: number; additionalGids: number[]; home: string }> {
  const passwd = await readEntries(root, 'passwd');
  const groups = await readEntries(root, 'group');
  const [userPart, groupPart] = (spec || '0').split(':');
  let uid: number;
  let gid = 0;
  let home = '/';
  let userName = '';
  const entry = findUser(passwd, userPart);
  if (entry) {
    uid = Number(entry[2]);
    gid = Number(entry[3]);
    home = entry[5] || '/';
    userName = entry[0];
  } else if (NUMERIC.test(userPart)) {
    uid = Number(userPart);
  } else {
    throw new InvalidParameterError(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (groupPart !== undefined && groupPart !== '') gid = findGroup(groups, groupPart);
  // the primary group first, as dockerd (since 20.10.22) always lists it among the supplementary ones
  const additional = new Set<number>([gid]);
  if (userName) for (const g of groups) if ((g[3] ?? '').split(',').includes(userName)) additional.add(Number(g[2]));
  for (const g of groupAdd) {
    const found = groups.find((x) => x[0] === g);
    if (found) additional.add(Number(found[2]));
    else if (NUMERIC.test(g)) additional.add(Number(g));
    else throw new InvalidParameterError(`Unable to find group ${g}: no matching entries in group file`);
  }
  if (uid === 0 && !entry) home = '/root';
  return { uid, gid, additionalGids: [...additional], home };
}
