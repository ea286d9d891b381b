/* The size of a directory tree, as dockerd's directory.Size counts it. */
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';

const SLASH = Buffer.from('/');

/**
 * Bytes in a directory tree, like dockerd's directory.Size: every non-directory
 * entry's lstat size (a symlink's is its target's length), hard links once.
 * Paths are handled as bytes, so names that are not UTF-8 count too.
 * `exclude` (given the path relative to `dir`) leaves entries, and what is
 * below them, uncounted.
 */
export async function directorySize(dir: string, exclude?: (rel: Buffer, st: Stats) => Promise<boolean>): Promise<number> {
  const root = Buffer.from(dir);
  const excluded = async (p: Buffer): Promise<boolean> => {
    if (!exclude) return false;
    const st = await lstat(p).catch(() => null);
    return !st || exclude(p.subarray(root.length + 1), st);
  };
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: Buffer): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = Buffer.concat([d, SLASH, e.name]);
      if (e.isDirectory()) {
        if (!(await excluded(p))) await walk(p);
        continue;
      }
      const st = await lstat(p).catch(() => null);
      if (!st || (exclude && (await exclude(p.subarray(root.length + 1), st)))) continue;
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  await walk(root);
  return total;
}
