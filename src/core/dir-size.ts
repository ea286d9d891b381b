/* The size of a directory tree, as dockerd's directory.Size counts it. */
import { lstat, readdir } from 'node:fs/promises';

const SLASH = Buffer.from('/');

/**
 * Bytes in a directory tree, like dockerd's directory.Size: every non-directory
 * entry's lstat size (a symlink's is its target's length), hard links once.
 * Paths are handled as bytes, so names that are not UTF-8 count too.
 */
export async function directorySize(dir: string): Promise<number> {
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
        await walk(p);
        continue;
      }
      const st = await lstat(p).catch(() => null);
      if (!st) continue;
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  await walk(Buffer.from(dir));
  return total;
}
