/*
 * A layer tar from an overlay upper directory (a container's changes), the
 * way dockerd's overlay2 driver writes one: names relative to the upper dir
 * (directories with a trailing '/'), entries in lexical walk order (parents
 * first, names byte-sorted: the same tree always gives the same bytes),
 * whiteout character devices (0/0) as empty `.wh.<name>` files, opaque
 * directories followed by a `.wh..wh..opq` file, hard links within the
 * layer as link entries, file capabilities kept, sockets left out.
 */
import { open, lstat, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { readOverlayXattrs, CAPABILITY_XATTR, type OverlayXattrs } from './overlay-xattrs.ts';
import { encodeHeader, padding, TAR_TRAILER, type TarHeaderInput } from './tar-writer.ts';

const WH = Buffer.from('.wh.');
const OPAQUE = Buffer.from('.wh..wh..opq');
const SLASH = Buffer.from('/');
const CHUNK = 256 * 1024;

/** Linux dev_t → major/minor (glibc's gnu_dev_major/minor). */
export function devNumbers(rdev: number): { major: number; minor: number } {
  const r = BigInt(rdev);
  const major = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
  const minor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
  return { major, minor };
}

/** An overlay whiteout: a character device 0/0. */
export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function join(parent: Buffer, name: Buffer): Buffer {
  return parent.length ? Buffer.concat([parent, SLASH, name]) : Buffer.from(name);
}

/** Names of a directory, byte-sorted (Go's filepath.Walk order). */
export async function sortedNames(dir: Buffer): Promise<Buffer[]> {
  const names = await readdir(dir, { encoding: 'buffer' });
  return names.sort(Buffer.compare);
}

async function* fileContent(path: Buffer, size: number): AsyncGenerator<Buffer> {
  let left = size;
  const fh = await open(path, 'r').catch(() => null);
  try {
    while (fh && left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break; // shrank meanwhile: pad below
      left -= bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh?.close();
  }
  // a file that vanished or shrank while it was read keeps its announced size
  for (; left > 0; left -= Math.min(CHUNK, left)) yield Buffer.alloc(Math.min(CHUNK, left));
  yield padding(size);
}

export interface PackOptions {
  /** Leave an entry (and everything below it) out of the layer. */
  exclude?: (rel: Buffer, st: Stats) => Promise<boolean>;
  /** No entry gets a modification time later than this (seconds; SOURCE_DATE_EPOCH). */
  clampMtime?: number;
}

interface Walk extends PackOptions {
  root: Buffer;
  xattrs: Map<string, OverlayXattrs>;
  links: Map<string, Buffer>;
}

function base(w: Walk, st: Stats, name: Buffer, type: string, x?: OverlayXattrs): TarHeaderInput {
  const t = Math.floor(st.mtimeMs / 1000);
  const h: TarHeaderInput = { name, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: w.clampMtime !== undefined && t > w.clampMtime ? w.clampMtime : t };
  if (x?.capability) h.xattrs = [[CAPABILITY_XATTR, x.capability]];
  return h;
}

async function* entries(w: Walk, rel: Buffer): AsyncGenerator<Buffer> {
  let names: Buffer[];
  try {
    names = await sortedNames(rel.length ? Buffer.concat([w.root, SLASH, rel]) : w.root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // removed while walking
    throw e;
  }
  for (const name of names) {
    const child = join(rel, name);
    const path = Buffer.concat([w.root, SLASH, child]);
    let st: Stats;
    try {
      st = await lstat(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    if (w.exclude && (await w.exclude(child, st))) continue;
    const x = w.xattrs.get(child.toString('latin1'));
    if (isWhiteout(st)) {
      yield encodeHeader({ ...base(w, st, join(rel, Buffer.concat([WH, name])), '0'), mode: 0o600, xattrs: undefined });
    } else if (st.isDirectory()) {
      yield encodeHeader(base(w, st, Buffer.concat([child, SLASH]), '5', x));
      if (x?.opaque) {
        yield encodeHeader({ name: join(child, OPAQUE), type: '0', mode: st.mode & 0o777, uid: st.uid, gid: st.gid, size: 0, mtime: 0 });
      }
      yield* entries(w, child);
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? w.links.get(key) : undefined;
      if (first) {
        yield encodeHeader({ ...base(w, st, child, '1', x), linkname: first });
        continue;
      }
      if (st.nlink > 1) w.links.set(key, child);
      yield encodeHeader({ ...base(w, st, child, '0', x), size: st.size });
      yield* fileContent(path, st.size);
    } else if (st.isSymbolicLink()) {
      const target = await readlink(path, { encoding: 'buffer' }).catch(() => null);
      if (target) yield encodeHeader({ ...base(w, st, child, '2', x), linkname: target });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const { major, minor } = devNumbers(st.rdev);
      yield encodeHeader({ ...base(w, st, child, st.isCharacterDevice() ? '3' : '4', x), devmajor: major, devminor: minor });
    } else if (st.isFIFO()) {
      yield encodeHeader(base(w, st, child, '6', x));
    }
    // sockets cannot be archived (Go's archive/tar refuses them too)
  }
}

/** The layer tar of an overlay upper directory, as a stream. */
export function packUpperDir(dir: string, opts: PackOptions = {}): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    const w: Walk = { root: Buffer.from(dir.replace(/\/+$/, '')), xattrs: await readOverlayXattrs(dir), links: new Map(), exclude: opts.exclude, clampMtime: opts.clampMtime };
    yield* entries(w, Buffer.alloc(0));
    yield TAR_TRAILER;
  }
  return Readable.from(gen(), { objectMode: false, highWaterMark: CHUNK });
}
