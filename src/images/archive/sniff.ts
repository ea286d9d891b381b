/**
 * Content sniffing for entries of an image archive: is this a (possibly
 * compressed) tar stream, or a small JSON document?
 */

export type Compression = 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** Bytes of an entry to look at before deciding what it is. */
export const SNIFF_BYTES = 512;

/** The compression format announced by the first bytes, if any. */
export function detectCompression(head: Buffer): Compression | null {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
  if (head.length >= 4 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && head[3] >= 0x31 && head[3] <= 0x39) return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
  return null;
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/**
 * True when `head` (the first 512 bytes or fewer) starts a tar stream: a
 * ustar/GNU magic, a header whose checksum is right (old v7 tars), or an
 * all-zero block (an empty tar, end-of-archive only).
 */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length < 512) return false;
  const block = head.subarray(0, 512);
  if (block.subarray(257, 262).toString('latin1') === 'ustar') return true;
  if (block.every((b) => b === 0)) return true;
  return checksumMatches(block);
}

function checksumMatches(block: Buffer): boolean {
  const field = block.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]{1,8}$/.test(field)) return false;
  const want = parseInt(field, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum === want;
}

/** True when the stream could be a layer: a compressed stream or a tar. */
export function looksLikeLayer(head: Buffer): boolean {
  return detectCompression(head) !== null || looksLikeTar(head);
}

/** True when the first non-blank byte opens a JSON object or array. */
export function looksLikeJson(head: Buffer): boolean {
  for (const b of head) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b || b === 0x5b;
  }
  return false;
}
