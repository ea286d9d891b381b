/*
 * COPY and ADD sources with Docker's rules: paths cleaned inside the
 * context ("forbidden path outside the build context"), globs, a directory
 * source copies its contents, several sources need a destination ending in
 * "/", a file onto a path ending in "/" (or an existing directory) keeps its
 * name. The content hash for the cache covers names, types, modes, sizes,
 * link targets and bytes (never times). The copy itself is a tar stream
 * whose names are relative to the extraction directory.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { encodeHeader, padding, TAR_TRAILER } from '../layers/tar-writer.ts';

export interface Source {
  /** Host path of the source (top-level symlinks resolved inside the root). */
  host: string;
  /** The path as it matched, relative to the root (for messages and hashing). */
  rel: string;
  st: Stats;
}

export interface CopyEntry { host: string; name: string; st: Stats }

const GLOB = /[*?[\\]/;

function globToRegex(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) throw new InvalidParameterError(`syntax error in pattern`);
      let cls = seg.slice(i + 1, end);
      if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < seg.length) re += seg[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** A source path made relative to the root; refuses paths that climb out. */
export function cleanSource(src: string, cmd = 'COPY'): string {
  const rel = posix.normalize(`/${src}`).slice(1);
  if (posix.normalize(src).startsWith('../') || posix.normalize(src) === '..') {
    throw new InvalidParameterError(`${cmd} failed: forbidden path outside the build context: ${src} ()`);
  }
  return rel.replace(/\/+$/, '');
}

/** Resolve a path inside root, symlinks followed but kept inside (FollowSymlinkInScope). */
async function inScope(root: string, rel: string): Promise<string> {
  const full = rel ? `${root}/${rel}` : root;
  const real = await realpath(full).catch(() => full);
  const realRoot = await realpath(root);
  if (real === realRoot || real.startsWith(`${realRoot}/`)) return real;
  // a link pointing outside: resolved as if the root were "/"
  const target = posix.normalize(`/${posix.relative(realRoot, real)}`).replace(/^(\/\.\.)+/, '');
  return `${realRoot}${target === '/' ? '' : target}`;
}

async function expandGlob(root: string, pattern: string): Promise<string[]> {
  const segs = pattern.split('/');
  let cur = [''];
  for (const seg of segs) {
    const next: string[] = [];
    for (const base of cur) {
      if (!GLOB.test(seg)) {
        next.push(base ? `${base}/${seg}` : seg);
        continue;
      }
      const re = globToRegex(seg);
      const names = await readdir(base ? `${root}/${base}` : root).catch(() => [] as string[]);
      for (const n of names.sort()) if (re.test(n)) next.push(base ? `${base}/${n}` : n);
    }
    cur = next;
  }
  const out: string[] = [];
  for (const p of cur) if (await lstat(`${root}/${p}`).then(() => true, () => false)) out.push(p);
  return out;
}

async function hasIncluded(dir: string, rel: string, excluded: (rel: string) => boolean): Promise<boolean> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const r = `${rel}/${name}`;
    if (!excluded(r)) return true;
    if ((await lstat(`${dir}/${name}`)).isDirectory() && (await hasIncluded(`${dir}/${name}`, r, excluded))) return true;
  }
  return false;
}

/** Sources of a COPY/ADD in `root` (the context or a stage's rootfs). */
export async function resolveSources(root: string, srcs: string[], cmd: string, excluded?: (rel: string) => boolean): Promise<Source[]> {
  const out: Source[] = [];
  for (const src of srcs) {
    const rel = cleanSource(src, cmd);
    const matches = GLOB.test(rel) ? await expandGlob(root, rel) : [rel];
    // an excluded directory still counts when something below it is not excluded (a ! exception)
    const kept: { m: string; host: string; st: Stats }[] = [];
    for (const m of matches) {
      const host = await inScope(root, m);
      const st = await stat(host).catch(() => null);
      if (!st && !GLOB.test(rel)) throw new NotFoundError(`${cmd} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
      if (!st) continue;
      if (excluded?.(m) && !(st.isDirectory() && (await hasIncluded(host, m, excluded)))) continue;
      kept.push({ m, host, st });
    }
    if (!GLOB.test(rel) && !kept.length) throw new NotFoundError(`${cmd} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
    if (GLOB.test(rel) && !kept.length) throw new NotFoundError(`${cmd} failed: no source files were specified`);
    for (const k of kept) out.push({ host: k.host, rel: k.m || '.', st: k.st });
  }
  return out;
}

async function walk(dir: string, prefix: string, out: CopyEntry[], excluded?: (rel: string) => boolean, relBase = ''): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const rel = relBase ? `${relBase}/${name}` : name;
    const host = `${dir}/${name}`;
    const st = await lstat(host);
    const n = prefix ? `${prefix}/${name}` : name;
    if (excluded?.(rel)) {
      // an excluded directory can still hold files that an exception (!pattern) brings back
      if (!st.isDirectory()) continue;
      const inner: CopyEntry[] = [];
      await walk(host, n, inner, excluded, rel);
      if (inner.length) out.push({ host, name: n, st }, ...inner);
      continue;
    }
    out.push({ host, name: n, st });
    if (st.isDirectory()) await walk(host, n, out, excluded, rel);
  }
}

/**
 * What lands where: the extraction directory (container path) and the
 * entries with names relative to it.
 */
/** `excluded` gets the context-relative path and, inside a directory source, the path relative to that source. */
export async function planCopy(sources: Source[], dest: string, destIsDir: (p: string) => Promise<boolean>, cmd: string, excluded?: (rel: string, srcRel?: string) => boolean,
  parents = false): Promise<{ dir: string; entries: CopyEntry[]; mkdirs: string[] }> {
  const endsSlash = dest.endsWith('/') || dest.endsWith('/.') || dest === '.';
  if (parents) return planParents(sources, dest, excluded);
  const cleanDest = posix.normalize(dest).replace(/\/+$/, '') || '/';
  if (sources.length > 1 && !endsSlash) {
    throw new InvalidParameterError(`When using ${cmd} with more than one source file, the destination must be a directory and end with a /`);
  }
  const entries: CopyEntry[] = [];
  const intoDir = endsSlash || sources.length > 1 || sources.some((s) => s.st.isDirectory()) || (await destIsDir(cleanDest));
  if (!intoDir) {
    const s = sources[0];
    return { dir: posix.dirname(cleanDest), entries: [{ host: s.host, name: posix.basename(cleanDest), st: await lstat(s.host).then((l) => (l.isSymbolicLink() ? s.st : l)) }], mkdirs: [posix.dirname(cleanDest)] };
  }
  for (const s of sources) {
    if (s.st.isDirectory()) {
      await walk(s.host, '', entries, excluded && (s.rel !== '.' ? (r) => excluded(`${s.rel}/${r}`, r) : (r) => excluded(r, r)));
    } else {
      entries.push({ host: s.host, name: posix.basename(s.rel), st: s.st });
    }
  }
  return { dir: cleanDest, entries, mkdirs: [cleanDest] };
}

/**
 * COPY --parents: each source keeps its path below the context, its
 * parent directories included (the `/./` pivot form is not supported).
 */
async function planParents(sources: Source[], dest: string, excluded?: (rel: string, srcRel?: string) => boolean): Promise<{ dir: string; entries: CopyEntry[]; mkdirs: string[] }> {
  const cleanDest = posix.normalize(dest).replace(/\/+$/, '') || '/';
  const entries: CopyEntry[] = [];
  const seen = new Set<string>();
  for (const s of sources) {
    const keep = s.rel === '.' ? '' : s.rel;
    for (let p = posix.dirname(keep), parts: string[] = []; p !== '.' && p !== ''; p = posix.dirname(p)) {
      parts.unshift(p);
      if (posix.dirname(p) === '.') {
        for (const dir of parts) {
          if (seen.has(dir)) continue;
          seen.add(dir);
          entries.push({ host: s.host.slice(0, s.host.length - keep.length) + dir, name: dir, st: await lstat(s.host.slice(0, s.host.length - keep.length) + dir) });
        }
      }
    }
    if (s.st.isDirectory()) {
      if (keep && !seen.has(keep)) {
        seen.add(keep);
        entries.push({ host: s.host, name: keep, st: s.st });
      }
      await walk(s.host, keep, entries, excluded && (keep ? (r) => excluded(`${keep}/${r}`, r) : (r) => excluded(r, r)));
    } else {
      entries.push({ host: s.host, name: keep, st: s.st });
    }
  }
  return { dir: cleanDest, entries, mkdirs: [cleanDest] };
}

async function fileHash(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    for await (const c of fh.createReadStream()) h.update(c as Buffer);
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.digest('hex');
}

/** `file:<hex>`, `dir:<hex>` or `multi:<hex>` over names, types, modes, sizes, link targets and contents. */
export async function contentHash(sources: Source[], entries: CopyEntry[]): Promise<string> {
  const h = createHash('sha256');
  for (const e of entries) {
    const st = e.st;
    const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
    h.update(`${e.name}\0${kind}\0${(st.mode & 0o7777).toString(8)}\0${st.isFile() ? st.size : 0}\0`);
    if (kind === 'f') h.update(await fileHash(e.host));
    if (kind === 'l') h.update(await readlink(e.host));
    h.update('\n');
  }
  const hex = h.digest('hex');
  if (sources.length > 1) return `multi:${hex}`;
  return sources[0]?.st.isDirectory() ? `dir:${hex}` : `file:${hex}`;
}

export interface TarOptions { uid?: number; gid?: number; chmod?: number; clampMtime?: number }

/** The entries as a tar stream (regular files, directories, symlinks). */
export function copyTar(entries: CopyEntry[], o: TarOptions): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const e of entries) {
      const st = e.st;
      let mtime = Math.floor(st.mtimeMs / 1000);
      if (o.clampMtime !== undefined && mtime > o.clampMtime) mtime = o.clampMtime;
      const common = { mode: o.chmod ?? (st.mode & 0o7777), uid: o.uid ?? 0, gid: o.gid ?? 0, mtime, size: 0 };
      if (st.isDirectory()) {
        yield encodeHeader({ ...common, name: Buffer.from(`${e.name}/`), type: '5' });
      } else if (st.isSymbolicLink()) {
        yield encodeHeader({ ...common, mode: 0o777, name: Buffer.from(e.name), type: '2', linkname: Buffer.from(await readlink(e.host)) });
      } else if (st.isFile()) {
        const fh = await open(e.host, 'r');
        try {
          const size = (await fh.stat()).size;
          yield encodeHeader({ ...common, name: Buffer.from(e.name), type: '0', size });
          let left = size;
          while (left > 0) {
            const buf = Buffer.allocUnsafe(Math.min(1 << 20, left));
            const { bytesRead } = await fh.read(buf, 0, buf.length, null);
            if (!bytesRead) break;
            left -= bytesRead;
            yield buf.subarray(0, bytesRead);
          }
          if (left > 0) yield Buffer.alloc(left);
          yield padding(size);
        } finally {
          await fh.close();
        }
      }
    }
    yield TAR_TRAILER;
  }
  return Readable.from(gen(), { objectMode: false });
}
