/*
 * A container user ("name", "uid", "name:group", "uid:gid") as numeric ids,
 * looked up in the container's own /etc/passwd and /etc/group.
 */
import { readFile } from 'node:fs/promises';
import { InvalidParameterError } from '../core/errors.ts';
import { hostPath, resolveInRoot } from './scoped-path.ts';

async function readInRoot(root: string, path: string): Promise<string> {
  try {
    return await readFile(hostPath(root, await resolveInRoot(root, path)), 'utf8');
  } catch {
    return '';
  }
}

function entries(text: string): string[][] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

const NUMERIC = /^\d+$/;

export async function lookupUser(root: string, spec: string): Promise<{ uid: number; gid: number }> {
  const [user, group] = spec.split(':', 2);
  const passwd = entries(await readInRoot(root, '/etc/passwd'));
  const pw = passwd.find((e) => e[0] === user || (NUMERIC.test(user) && e[2] === user));
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
  if (group !== undefined && group !== '') {
    const gr = entries(await readInRoot(root, '/etc/group')).find((e) => e[0] === group || (NUMERIC.test(group) && e[2] === group));
    if (gr) gid = Number(gr[2]);
    else if (NUMERIC.test(group)) gid = Number(group);
    else throw new InvalidParameterError(`unable to find group ${group}: no matching entries in group file`);
  }
  return { uid, gid };
}
