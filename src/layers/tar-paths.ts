import { InvalidParameterError } from '../core/errors.ts';

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * Normalise a tar member name the way it lands under the extraction
 * directory: leading slashes dropped, empty and "." components removed.
 * Names with a ".." component or a NUL byte are rejected outright (Docker
 * rejects names that climb out; GNU tar and Go's archive/tar disagree on
 * where "a/b/../c" lands, so no such name can be replayed reliably).
 * Returns null for a name that is the root itself ("", ".", "/", "./").
 */
export function normalizeMemberPath(name: Buffer, what = 'member name'): Buffer | null {
  if (name.includes(0)) throw new InvalidParameterError(`invalid tar ${what}: contains a NUL byte`);
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name[i] !== SLASH) continue;
    const len = i - start;
    if (len === 2 && name[start] === DOT && name[start + 1] === DOT) {
      throw new InvalidParameterError(`invalid tar ${what} ${JSON.stringify(name.toString('utf8'))}: contains ".."`);
    }
    if (len > 0 && !(len === 1 && name[start] === DOT)) parts.push(name.subarray(start, i));
    start = i + 1;
  }
  if (parts.length === 0) return null;
  if (parts.length === 1) return Buffer.from(parts[0]);
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + p.length + 1, -1));
  let off = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[off++] = SLASH;
    off += parts[i].copy(out, off);
  }
  return out;
}

/** True for a path already in normalised form: relative, no "", ".", ".." components, no NUL. */
export function isSafeRelativePath(p: Buffer): boolean {
  if (p.length === 0 || p.includes(0)) return false;
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i < p.length && p[i] !== SLASH) continue;
    const len = i - start;
    if (len === 0) return false;
    if (p[start] === DOT && (len === 1 || (len === 2 && p[start + 1] === DOT))) return false;
    start = i + 1;
  }
  return true;
}

/** Directory part of a normalised path ("" for a top-level name). */
export function parentOf(p: Buffer): Buffer {
  const i = p.lastIndexOf(SLASH);
  return i < 0 ? Buffer.alloc(0) : p.subarray(0, i);
}

/** Last component of a normalised path. */
export function baseOf(p: Buffer): Buffer {
  return p.subarray(p.lastIndexOf(SLASH) + 1);
}

/** Join a parent ("" for the top) and a name. */
export function joinRel(parent: Buffer, name: Buffer): Buffer {
  return parent.length === 0 ? Buffer.from(name) : Buffer.concat([parent, Buffer.from('/'), name]);
}
