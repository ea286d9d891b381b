/*
 * `docker diff`: the changes of a container's upper directory against its
 * image's layers, computed the way dockerd's overlay driver does
 * (pkg/archive OverlayChanges): a lexical walk of the upper dir where a
 * whiteout (char device 0/0) is a deletion, a path that exists in a
 * lower layer is a change and anything else an addition; a directory that
 * only holds changes is listed (as changed) before its first added or
 * deleted child, and one whose metadata equals the lower one is not listed
 * itself. An opaque directory (deleted and made again) is compared as
 * dockerd's naive diff does: the image's entries it no longer has are
 * deletions, the others are compared one by one.
 */
import type { Stats } from 'node:fs';
import type { ContainerChange } from '../core/containers/files-types.ts';
import { readOverlayXattrs } from '../layers/overlay-xattrs.ts';
import { isWhiteout, sortedNames } from '../layers/pack.ts';
import type { ExcludeFn } from './init-paths.ts';
import { lstatOrNull } from './scoped-path.ts';

const MODIFY = 0;
const ADD = 1;
const DELETE = 2;
const SLASH = Buffer.from('/');


/**
 * `rel` in one layer, never following a symlink on the way (an image's
 * `/etc -> /tmp` must not send a lookup to the host's /tmp): 'absent' when
 * the layer lacks a parent, 'masked' when a parent there is a whiteout or not
 * a directory (it hides the layers below), else the entry's stats (or null).
 */
async function inLayer(layer: Buffer, rel: Buffer): Promise<Stats | null | 'absent' | 'masked'> {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= rel.length; i++) {
    if (i === rel.length || rel[i] === 0x2f) {
      if (i > start) parts.push(rel.subarray(start, i));
      start = i + 1;
    }
  }
  let dir = layer;
  for (let i = 0; i < parts.length - 1; i++) {
    dir = Buffer.concat([dir, SLASH, parts[i]]);
    const st = await lstatOrNull(dir);
    if (!st) return 'absent';
    if (isWhiteout(st) || !st.isDirectory()) return 'masked';
  }
  return lstatOrNull(Buffer.concat([layer, SLASH, rel]));
}

/** The path in the topmost lower layer that has it, unless a whiteout or a non-directory parent above hides it. */
async function lowerStat(lowers: Buffer[], rel: Buffer): Promise<Stats | null> {
  for (const layer of lowers) {
    const st = await inLayer(layer, rel);
    if (st === 'absent' || st === null) continue;
    if (st === 'masked') return null;
    return isWhiteout(st) ? null : st;
  }
  return null;
}

function sameDir(a: Stats, b: Stats): boolean {
  return a.size === b.size && a.mode === b.mode && Math.floor(a.mtimeMs) === Math.floor(b.mtimeMs);
}

/** Names the image has in directory `rel` (whiteouts of higher layers hide lower names). */
async function lowerNames(lowers: Buffer[], rel: Buffer): Promise<Set<string>> {
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const layer of lowers) {
    const dir = Buffer.concat([layer, SLASH, rel]);
    const st = await inLayer(layer, rel);
    if (st === 'absent' || st === null) continue;
    if (st === 'masked' || !st.isDirectory()) break;
    for (const n of await sortedNames(dir)) {
      const k = n.toString('latin1');
      if (seen.has(k)) continue;
      seen.add(k);
      const child = await lstatOrNull(Buffer.concat([dir, SLASH, n]));
      if (child && !isWhiteout(child)) names.add(k);
    }
  }
  return names;
}

/**
 * Changes of `upper` against `lowers` (the image's layer directories,
 * topmost first). Paths are decoded as UTF-8 as docker's JSON does.
 * `exclude` leaves entries (and what is below them) out.
 */
export async function containerChanges(upper: string, lowers: string[], exclude?: ExcludeFn): Promise<ContainerChange[]> {
  const root = Buffer.from(upper.replace(/\/+$/, ''));
  const lowerBufs = lowers.map((l) => Buffer.from(l.replace(/\/+$/, '')));
  const xattrs = await readOverlayXattrs(upper);
  const changes: ContainerChange[] = [];
  const changedDirs = new Set<string>();

  const record = (path: string, kind: 0 | 1 | 2, isDir: boolean): void => {
    if (isDir) changedDirs.add(path);
    if (kind !== MODIFY) {
      const slash = path.lastIndexOf('/');
      const parent = slash <= 0 ? '/' : path.slice(0, slash);
      if (parent !== '/' && !changedDirs.has(parent)) {
        changes.push({ Path: parent, Kind: MODIFY });
        changedDirs.add(parent);
      }
    }
    changes.push({ Path: path, Kind: kind });
  };

  const visit = async (rel: Buffer, st: Stats): Promise<void> => {
    const path = `/${rel.toString('utf8')}`;
    const below = await lowerStat(lowerBufs, rel);
    if (isWhiteout(st)) return record(path, DELETE, false);
    if (!below) return record(path, ADD, st.isDirectory());
    if (below.isDirectory() && st.isDirectory()) {
      if (xattrs.get(rel.toString('latin1'))?.opaque) {
        // deleted and made again: a change when its owner or mode differ (its old entries are listed as deleted)
        if (st.mode === below.mode && st.uid === below.uid && st.gid === below.gid) return;
      } else if (sameDir(st, below)) {
        return;
      }
    }
    record(path, MODIFY, st.isDirectory());
  };

  /** Walk `rel`; under a re-made (opaque) directory the image's entries that are gone are deletions. */
  const walk = async (rel: Buffer, hidden: boolean): Promise<void> => {
    const dir = rel.length ? Buffer.concat([root, SLASH, rel]) : root;
    let names: Buffer[];
    try {
      names = await sortedNames(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const gone = new Set(hidden ? await lowerNames(lowerBufs, rel) : []);
    for (const n of names) gone.delete(n.toString('latin1'));
    const all = gone.size ? [...names, ...[...gone].map((k) => Buffer.from(k, 'latin1'))].sort(Buffer.compare) : names;
    for (const name of all) {
      const child = rel.length ? Buffer.concat([rel, SLASH, name]) : name;
      if (gone.has(name.toString('latin1'))) {
        record(`/${child.toString('utf8')}`, DELETE, false);
        continue;
      }
      const st = await lstatOrNull(Buffer.concat([root, SLASH, child]));
      if (!st || (exclude && (await exclude(child, st)))) continue;
      await visit(child, st);
      if (st.isDirectory()) await walk(child, hidden || xattrs.get(child.toString('latin1'))?.opaque === true);
    }
  };

  await walk(Buffer.alloc(0), false);
  return changes;
}
