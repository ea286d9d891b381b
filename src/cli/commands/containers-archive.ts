/**
 * The local half of `cp`, following moby's archive copy rules: tar a local
 * file or directory (TarResource), rename the top entry so it lands under
 * the wanted name (PrepareArchiveCopy/RebaseArchiveEntries), and extract a
 * container's tar into a local directory (CopyTo/Untar) without letting any
 * entry escape it.
 */
import { createReadStream, createWriteStream, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { link, lstat, lutimes, mkdir, readdir, readlink, rm, symlink, chmod, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { goPathError } from './images-transfer.ts';

export interface CopyInfo { path: string; exists: boolean; isDir: boolean; rebaseName: string }

/** filepath.Clean. */
export function clean(p: string): string {
  const n = posix.normalize(p === '' ? '.' : p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** filepath.Base: the last element after trailing slashes are dropped ("." for "", "/" for "///"). */
const base = (p: string): string => {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
};
const specifiesCurrentDir = (p: string): boolean => base(p) === '.';
const hasTrailingSeparator = (p: string): boolean => p.endsWith('/');
export const assertsDirectory = (p: string): boolean => hasTrailingSeparator(p) || specifiesCurrentDir(p);

/** archive.PreserveTrailingDotOrSeparator. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += '/';
  return out;
}

/** archive.SplitPathDirEntry: [dir, base], keeping a trailing "." as the base. */
export function splitPathDirEntry(p: string): [string, string] {
  let cleaned = clean(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return [posix.dirname(cleaned), posix.basename(cleaned) || '/'];
}

/** archive.GetRebaseName. */
export function getRebaseName(path: string, resolved: string): [string, string] {
  let out = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(out)) out += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(out)) out += '/';
  return [out, base(path) !== base(out) ? base(path) : ''];
}

function realpath(p: string): string {
  try {
    return realpathSync.native(p === '' ? '.' : p);
  } catch (e) {
    // filepath.EvalSymlinks reports a file used as a directory as a bare ENOTDIR.
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new Error('not a directory');
    throw goPathError('lstat', p, e);
  }
}

/** archive.CopyInfoSourcePath: a local source, symlinks before the last element resolved (all with -L). */
export function copyInfoSourcePath(path: string, followLink: boolean): CopyInfo {
  let resolved: string;
  let rebaseName = '';
  if (followLink) {
    [resolved, rebaseName] = getRebaseName(path, realpath(path));
  } else {
    const slash = path.lastIndexOf('/');
    const dir = path.slice(0, slash + 1);
    const name = path.slice(slash + 1);
    const resolvedDir = realpath(dir);
    resolved = (resolvedDir === '/' ? '' : resolvedDir) + '/' + name;
    if (hasTrailingSeparator(path) && base(path) !== base(resolved)) rebaseName = base(path);
  }
  let st: Stats;
  try {
    st = lstatSync(resolved);
  } catch (e) {
    throw goPathError('lstat', resolved, e);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

/** archive.CopyInfoDestinationPath: a local destination, symlinks followed; a missing one needs its parent. */
export function copyInfoDestinationPath(path: string): CopyInfo {
  let p = path;
  for (let n = 0; ; n++) {
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw goPathError('lstat', p, e);
      const [parent] = splitPathDirEntry(p);
      let ps: Stats;
      try {
        ps = statSync(parent);
      } catch (e2) {
        throw goPathError('stat', parent, e2);
      }
      if (!ps.isDirectory()) throw new Error('not a directory');
      return { path: p, exists: false, isDir: false, rebaseName: '' };
    }
    if (!st.isSymbolicLink()) return { path: p, exists: true, isDir: st.isDirectory(), rebaseName: '' };
    if (n >= 10) throw new Error(`too many symlinks in ${path}`);
    p = realpathTarget(p);
  }
}

function realpathTarget(p: string): string {
  const target = readlinkSync(p);
  return target.startsWith('/') ? target : posix.join(splitPathDirEntry(p)[0], target);
}

/** archive.RebaseArchiveEntries: the first occurrence of oldBase in each name (and hard link target) becomes newBase. */
export function rebaseArchiveEntries(src: NodeJS.ReadableStream, oldBase: string, newBase: string): Readable {
  const from = oldBase === '/' ? '' : oldBase;
  const extract = tar.extract();
  const pack = tar.pack();
  const replace = (s: string): string => s.replace(from, () => newBase);
  (async () => {
    for await (const entry of extract) {
      const h = { ...entry.header, name: replace(entry.header.name) };
      if (h.type === 'link' && h.linkname) h.linkname = replace(h.linkname);
      const sink = pack.entry(h);
      await pipeline(entry, sink);
    }
    pack.finalize();
  })().catch((e: Error) => pack.destroy(e));
  pipeline(src as Readable, extract).catch((e: Error) => pack.destroy(e));
  return pack;
}

/** archive.PrepareArchiveCopy: where to extract, and the archive renamed for the destination. */
export function prepareArchiveCopy(src: NodeJS.ReadableStream, srcInfo: CopyInfo, dstInfo: CopyInfo): { dstDir: string; content: NodeJS.ReadableStream } {
  const [dstDir, dstBase] = splitPathDirEntry(dstInfo.path);
  let [, srcBase] = splitPathDirEntry(srcInfo.path);
  if (dstInfo.exists && dstInfo.isDir) return { dstDir: dstInfo.path, content: src };
  if (dstInfo.exists && srcInfo.isDir) throw new Error('cannot copy directory');
  if (!dstInfo.exists && !srcInfo.isDir && assertsDirectory(dstInfo.path)) throw new Error('no such directory');
  if (srcInfo.rebaseName !== '') srcBase = srcInfo.rebaseName;
  return { dstDir, content: rebaseArchiveEntries(src, srcBase, dstBase) };
}

// ---- tar a local resource ----

async function* walk(dir: string, rel: string): AsyncGenerator<[string, string]> {
  yield [dir, rel];
  const st = await lstat(dir);
  if (!st.isDirectory()) return;
  // Entries below a "." source keep the "./" prefix, as docker's tar does.
  for (const name of (await readdir(dir)).sort()) yield* walk(posix.join(dir, name), `${rel}/${name}`);
}

const TYPES: [(s: Stats) => boolean, tar.Headers['type']][] = [
  [(s) => s.isDirectory(), 'directory'], [(s) => s.isSymbolicLink(), 'symlink'], [(s) => s.isCharacterDevice(), 'character-device'],
  [(s) => s.isBlockDevice(), 'block-device'], [(s) => s.isFIFO(), 'fifo'], [(s) => s.isFile(), 'file'],
];

/** archive.TarResource: `path` (file or directory) as a tar whose top entry is its base name (or `rebaseName`). */
export function tarResource(path: string, rebaseName = ''): Readable {
  const [dir, name] = splitPathDirEntry(path);
  const pack = tar.pack();
  const seen = new Map<string, string>();
  (async () => {
    for await (const [file, rel0] of walk(posix.join(dir, name), name)) {
      const rel = rebaseName ? rel0.replace(name, () => (rebaseName === '/' ? '' : rebaseName)) : rel0;
      const st = await lstat(file);
      if (st.isSocket()) continue;
      const type = TYPES.find(([test]) => test(st))?.[1] ?? 'file';
      const header: tar.Headers = {
        name: type === 'directory' ? `${rel}/` : rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid,
        mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000), type, size: 0,
      };
      if (type === 'symlink') header.linkname = await readlink(file);
      if (type === 'character-device' || type === 'block-device') {
        header.devmajor = Math.floor(st.rdev / 256);
        header.devminor = st.rdev % 256;
      }
      if (type === 'file' && st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const first = seen.get(key);
        if (first !== undefined) {
          await new Promise<void>((res, rej) => pack.entry({ ...header, type: 'link', linkname: first }, (e) => (e ? rej(e) : res())));
          continue;
        }
        seen.set(key, header.name);
      }
      if (type !== 'file') {
        await new Promise<void>((res, rej) => pack.entry(header, (e) => (e ? rej(e) : res())));
        continue;
      }
      await pipeline(createReadStream(file), pack.entry({ ...header, size: st.size }));
    }
    pack.finalize();
  })().catch((e: Error) => pack.destroy(e));
  return pack;
}

// ---- untar ----

function within(root: string, p: string): boolean {
  const rel = posix.relative(root, p);
  return rel === '' || (!rel.startsWith('../') && rel !== '..' && !posix.isAbsolute(rel));
}

async function noSymlinkParents(root: string, target: string): Promise<void> {
  const parts = posix.relative(root, posix.dirname(target)).split('/').filter((s) => s !== '' && s !== '.');
  let cur = root;
  for (const part of parts) {
    cur = posix.join(cur, part);
    const st = await lstat(cur).catch(() => undefined);
    if (!st) return;
    if (st.isSymbolicLink()) throw new Error(`${JSON.stringify(target)} is outside of ${JSON.stringify(root)}`);
  }
}

/** archive.Untar with NoLchown and NoOverwriteDirNonDir; resolves with the tar bytes consumed. */
export async function untar(src: NodeJS.ReadableStream, dest: string): Promise<number> {
  const extract = tar.extract();
  let consumed = 1024;
  const dirTimes: [string, Date][] = [];
  const feeding = pipeline(src as Readable, extract);
  feeding.catch(() => undefined);
  for await (const entry of extract) {
    const h = entry.header;
    consumed += 512 + Math.ceil((h.size ?? 0) / 512) * 512;
    const name = clean(h.name);
    const target = posix.join(dest, name);
    if (!within(dest, target)) throw new Error(`${JSON.stringify(h.name)} is outside of ${JSON.stringify(dest)}`);
    await mkdir(posix.dirname(target), { recursive: true, mode: 0o755 });
    await noSymlinkParents(dest, target);
    const isDir = h.type === 'directory';
    const existing = await lstat(target).catch(() => undefined);
    if (existing) {
      if (existing.isDirectory() && !isDir) throw new Error(`cannot overwrite directory ${JSON.stringify(target)} with non-directory ${JSON.stringify(dest)}`);
      if (!existing.isDirectory() && isDir) throw new Error(`cannot overwrite non-directory ${JSON.stringify(target)} with directory ${JSON.stringify(dest)}`);
      if (!(existing.isDirectory() && isDir)) await rm(target, { recursive: true, force: true });
    }
    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date();
    switch (h.type) {
      case 'directory':
        if (!existing) await mkdir(target, { mode });
        if (name !== '.') dirTimes.push([target, mtime]);
        break;
      case 'file': case 'contiguous-file': case undefined: case null:
        await pipeline(entry, createWriteStream(target, { mode }));
        break;
      case 'link': {
        const from = posix.join(dest, clean(h.linkname ?? ''));
        if (!within(dest, from)) throw new Error(`invalid hardlink ${JSON.stringify(target)} -> ${JSON.stringify(h.linkname)}`);
        await link(from, target);
        break;
      }
      case 'symlink':
        if (!within(dest, posix.join(posix.dirname(target), h.linkname ?? ''))) {
          throw new Error(`invalid symlink ${JSON.stringify(target)} -> ${JSON.stringify(h.linkname)}`);
        }
        await symlink(h.linkname ?? '', target);
        break;
      default:
        // Devices and FIFOs need mknod, which Node cannot do; docker skips what it cannot create as non-root too.
        entry.resume();
        continue;
    }
    entry.resume();
    if (h.type === 'symlink') {
      await lutimes(target, mtime, mtime).catch(() => undefined);
    } else {
      if (h.type !== 'link') await chmod(target, mode);
      if (h.type !== 'directory') await utimes(target, mtime, mtime);
    }
  }
  await feeding;
  for (const [dir, mtime] of dirTimes.reverse()) await utimes(dir, mtime, mtime).catch(() => undefined);
  return consumed;
}

/** A readable that counts the bytes passing through. */
export function counted(src: NodeJS.ReadableStream): { stream: Readable; bytes: () => number } {
  let n = 0;
  const through = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(null, chunk);
    },
  });
  pipeline(src as Readable, through).catch((e: Error) => through.destroy(e));
  return { stream: through, bytes: () => n };
}
