import { open, rename, rm } from 'node:fs/promises';

/**
 * Write `data` to `tmp`, fsync it, and rename it to `dst`: a crash never
 * leaves a partial `dst`. On failure the temporary file is removed.
 */
export async function writeFileAtomic(tmp: string, dst: string, data: Buffer): Promise<void> {
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dst);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
