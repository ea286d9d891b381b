import { InvalidParameterError } from '../core/errors.ts';

/* Field decoding for tar headers (ustar, GNU and PAX). */

const BLOCK = 512;
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');

/** A NUL-terminated field. */
export function cstr(buf: Buffer, start: number, len: number): Buffer {
  const field = buf.subarray(start, start + len);
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

/** The member name of a ustar/GNU/v7 header (prefix joined only for POSIX ustar). */
export function ustarName(block: Buffer): Buffer {
  const name = cstr(block, 0, 100);
  if (!block.subarray(257, 263).equals(USTAR_MAGIC)) return name;
  const prefix = cstr(block, 345, 155);
  return prefix.length === 0 ? name : Buffer.concat([prefix, Buffer.from('/'), name]);
}

/** Octal (space/NUL terminated) or GNU base-256 numeric field. */
export function parseNumber(field: Buffer, what: string): number {
  if (field[0] & 0x80) {
    if (field[0] === 0xff) throw new InvalidParameterError(`invalid tar header: negative ${what}`);
    let v = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i];
    if (!Number.isSafeInteger(v)) throw new InvalidParameterError(`invalid tar header: ${what} too large`);
    return v;
  }
  let i = 0;
  while (i < field.length && (field[i] === 0x20 || field[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < field.length; i++) {
    const c = field[i];
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw new InvalidParameterError(`invalid tar header: bad ${what} field`);
    v = v * 8 + (c - 0x30);
    digits++;
  }
  for (; i < field.length; i++) {
    if (field[i] !== 0x20 && field[i] !== 0) throw new InvalidParameterError(`invalid tar header: bad ${what} field`);
  }
  if (digits === 0 && what === 'checksum') throw new InvalidParameterError('invalid tar header: empty checksum');
  return v;
}

export function parseDecimal(v: Buffer, what: string): number {
  const s = v.toString('latin1');
  if (!/^[0-9]{1,16}$/.test(s)) throw new InvalidParameterError(`invalid ${what} ${JSON.stringify(s)}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new InvalidParameterError(`invalid ${what} ${s}`);
  return n;
}

export function verifyChecksum(block: Buffer, at: number): void {
  const want = parseNumber(block.subarray(148, 156), 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (want !== unsigned && want !== signed) {
    throw new InvalidParameterError(`invalid tar header checksum at byte ${at} (corrupt or not a tar archive)`);
  }
}

/** Parse PAX records ("<len> <key>=<value>\n") into `into`. */
export function parsePax(data: Buffer, into: Map<string, Buffer>): void {
  let i = 0;
  while (i < data.length) {
    if (data[i] === 0) break; // some writers NUL-pad the record block
    const sp = data.indexOf(0x20, i);
    const lenStr = sp < 0 ? '' : data.toString('latin1', i, sp);
    const len = /^[0-9]{1,8}$/.test(lenStr) ? Number(lenStr) : NaN;
    if (!(len > 0) || i + len > data.length || data[i + len - 1] !== 0x0a) {
      throw new InvalidParameterError('invalid PAX extended header record');
    }
    const rec = data.subarray(sp + 1, i + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new InvalidParameterError('invalid PAX extended header record');
    into.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    i += len;
  }
}
