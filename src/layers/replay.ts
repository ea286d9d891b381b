import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SystemError } from '../core/errors.ts';
import { isSafeRelativePath, parentOf } from './tar-paths.ts';
import { readTarSplit } from './tar-split-file.ts';

const OUT_BATCH = 256 * 1024;
const READ_CHUNK = 1024 * 1024;

/**
 * The original tar stream of a layer, rebuilt from its tar-split file and
 * the files under diff/. Every recorded path is checked: relative, no "..",
 * its directory resolving inside diff/, the file itself opened without
 * following a symlink, and of exactly the recorded size.
 */
export function replayTar(splitFile: string, diff: string): Readable {
  return Readable.from(replay(splitFile, diff), { objectMode: false, highWaterMark: OUT_BATCH });
}

async function* replay(splitFile: string, diff: string): AsyncGenerator<Buffer> {
  const root = await realpath(diff, { encoding: 'buffer' });
  const rootSlash = Buffer.concat([root, Buffer.from('/')]);
  const dirs = new Map<string, Buffer>();
  let out: Buffer[] = [];
  let outLen = 0;
  const take = () => {
    const b = out.length === 1 ? out[0] : Buffer.concat(out, outLen);
    out = [];
    outLen = 0;
    return b;
  };

  const resolveDir = async (rel: Buffer): Promise<Buffer> => {
    const key = rel.toString('latin1');
    let abs = dirs.get(key);
    if (abs) return abs;
    abs = rel.length === 0 ? root : await realpath(Buffer.concat([rootSlash, rel]), { encoding: 'buffer' });
    if (!abs.equals(root) && !abs.subarray(0, rootSlash.length).equals(rootSlash)) {
      throw new SystemError(`layer file directory ${JSON.stringify(rel.toString())} resolves outside the layer`);
    }
    dirs.set(key, abs);
    return abs;
  };

  for await (const rec of readTarSplit(splitFile)) {
    if ('raw' in rec) {
      out.push(rec.raw);
      outLen += rec.raw.length;
      if (outLen >= OUT_BATCH) yield take();
      continue;
    }
    const { path, size } = rec;
    if (!isSafeRelativePath(path)) throw new SystemError(`unsafe path in tar-split: ${JSON.stringify(path.toString())}`);
    const slash = path.lastIndexOf(0x2f);
    const dir = await resolveDir(parentOf(path));
    const abs = Buffer.concat([dir, Buffer.from('/'), path.subarray(slash + 1)]);
    const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((e: unknown) => {
      throw new SystemError(`layer file ${JSON.stringify(path.toString())} cannot be opened: ${(e as Error).message}`, { cause: e });
    });
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.size !== size) {
        throw new SystemError(`layer file ${JSON.stringify(path.toString())} no longer matches the layer's tar (expected ${size} bytes)`);
      }
      let pos = 0;
      while (pos < size) {
        const want = Math.min(size - pos, size <= OUT_BATCH ? size : READ_CHUNK);
        const buf = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(buf, got, want - got, pos + got);
          if (bytesRead === 0) throw new SystemError(`layer file ${JSON.stringify(path.toString())} was truncated`);
          got += bytesRead;
        }
        pos += want;
        if (want >= OUT_BATCH && outLen > 0) yield take();
        out.push(buf);
        outLen += want;
        if (outLen >= OUT_BATCH) yield take();
      }
    } finally {
      await fh.close();
    }
  }
  if (outLen > 0) yield take();
}
