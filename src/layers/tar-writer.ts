/*
 * Tar header encoding for archives Berth writes itself (layers made from a
 * container's changes): ustar headers, names kept as raw bytes, a PAX
 * header only for names or link targets over 100 bytes and for xattrs,
 * GNU base-256 for numbers too large for their octal field.
 */

const BLOCK = 512;

export interface TarHeaderInput {
  /** Member name as bytes; directories end with '/'. */
  name: Buffer;
  /** '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device, '5' directory, '6' fifo. */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname?: Buffer;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written as SCHILY.xattr.<name> PAX records. */
  xattrs?: [string, Buffer][];
}

function numeric(h: Buffer, off: number, len: number, v: number): void {
  const n = Math.max(0, Math.floor(v));
  const oct = n.toString(8);
  if (oct.length <= len - 1) {
    h.write(`${oct.padStart(len - 1, '0')}\0`, off, len, 'latin1');
    return;
  }
  // GNU base-256: high bit set, big-endian
  let x = BigInt(n);
  for (let i = off + len - 1; i > off; i--) {
    h[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  h[off] = 0x80;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len++;
  return Buffer.concat([Buffer.from(String(len)), rest]);
}

function block(o: { name: Buffer; type: string; mode: number; uid: number; gid: number; size: number; mtime: number; linkname?: Buffer; devmajor?: number; devminor?: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  o.name.copy(h, 0, 0, Math.min(100, o.name.length));
  numeric(h, 100, 8, o.mode & 0o7777);
  numeric(h, 108, 8, o.uid);
  numeric(h, 116, 8, o.gid);
  numeric(h, 124, 12, o.size);
  numeric(h, 136, 12, o.mtime);
  h.write(o.type, 156, 1, 'latin1');
  if (o.linkname) o.linkname.copy(h, 157, 0, Math.min(100, o.linkname.length));
  h.write('ustar\x0000', 257, 8, 'latin1');
  numeric(h, 329, 8, o.devmajor ?? 0);
  numeric(h, 337, 8, o.devminor ?? 0);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

/** Zero padding after `size` payload bytes. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The header block(s) of one member: a PAX entry first when needed, then the ustar header. */
export function encodeHeader(e: TarHeaderInput): Buffer {
  const records: Buffer[] = [];
  if (e.name.length > 100) records.push(paxRecord('path', e.name));
  if (e.linkname && e.linkname.length > 100) records.push(paxRecord('linkpath', e.linkname));
  for (const [k, v] of e.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const main = block(e);
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  const trimmed = e.name.subarray(0, e.name.length - (e.name.at(-1) === 0x2f ? 1 : 0));
  const base = trimmed.subarray(trimmed.lastIndexOf(0x2f) + 1);
  const paxName = Buffer.concat([Buffer.from('PaxHeaders.0/'), base]).subarray(0, 100);
  const pax = block({ name: paxName, type: 'x', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: e.mtime });
  return Buffer.concat([pax, body, padding(body.length), main]);
}

/** The end-of-archive marker. */
export const TAR_TRAILER = Buffer.alloc(2 * BLOCK);
