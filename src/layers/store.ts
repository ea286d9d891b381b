import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { InvalidParameterError, NotFoundError, SystemError } from '../core/errors.ts';
import type { ExtractedLayer, LayerFiles } from '../core/layers/types.ts';
import type { FileFeed } from '../core/layers/file-feed.ts';
import { ExtractPool } from './extract-pool.ts';
import { extractLayer, TAR_SPLIT, TAR_SPLIT_UNUSABLE } from './extract.ts';
import { replayTar } from './replay.ts';

const CACHE_ID = /^[0-9a-f]{64}$/;
const SHORT_ID = /^[A-Z0-9]{26}$/;
const LINKS = 'l';
const SHORT_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function checkId(cacheId: string): void {
  if (!CACHE_ID.test(cacheId)) throw new InvalidParameterError(`invalid layer cache id ${JSON.stringify(cacheId)}`);
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** A 26-character short id for `l/` links, like Docker's overlay2. */
export function newShortId(): string {
  let s = '';
  for (let i = 0; i < 26; i++) s += SHORT_CHARS[randomInt(SHORT_CHARS.length)];
  return s;
}

/**
 * Layer directories laid out like Docker's overlay2 under `root`:
 *   <root>/<cacheId>/diff/       the layer's files (whiteouts in overlayfs form)
 *   <root>/<cacheId>/link        its short id
 *   <root>/<cacheId>/lower       "l/<short>:l/<short>..." of its parents, topmost first
 *   <root>/<cacheId>/tar-split   how to rebuild the original tar from diff/
 *   <root>/l/<short>             symlink to ../<cacheId>/diff
 * A directory without `link` is staged (unpacked, not committed).
 */
export class OverlayLayerFiles implements LayerFiles {
  readonly root: string;
  /** cacheIds being unpacked right now: cleanup() leaves them alone. */
  private readonly busy = new Set<string>();
  private pool: ExtractPool | null = null;
  /** lowerDirs() of committed layers: a layer's chain never changes once committed. */
  private readonly lowers = new Map<string, string>();

  constructor(root: string) {
    this.root = root;
  }

  /** Create the root and its `l/` folder. */
  async init(): Promise<void> {
    await mkdir(join(this.root, LINKS), { recursive: true, mode: 0o700 });
  }

  unpack(input: Readable, opts?: { signal?: AbortSignal }): Promise<ExtractedLayer> {
    return this.staged((dir) => extractLayer(dir, input, opts?.signal), () => input.destroy());
  }

  unpackFile(feed: FileFeed, opts?: { signal?: AbortSignal }): Promise<ExtractedLayer> {
    this.pool ??= new ExtractPool();
    const pool = this.pool;
    return this.staged((dir) => pool.extract(dir, feed, opts?.signal));
  }

  /** A fresh staged directory for `fill`, removed again when it fails. */
  private async staged(fill: (dir: string) => Promise<Omit<ExtractedLayer, 'cacheId'>>, onError?: () => void): Promise<ExtractedLayer> {
    await this.init();
    const cacheId = randomBytes(32).toString('hex');
    const dir = join(this.root, cacheId);
    this.busy.add(cacheId);
    try {
      await mkdir(dir, { mode: 0o700 });
      const r = await fill(dir);
      return { cacheId, ...r };
    } catch (e) {
      onError?.();
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw e;
    } finally {
      this.busy.delete(cacheId);
    }
  }

  async commit(cacheId: string, parentCacheId: string | null): Promise<void> {
    checkId(cacheId);
    const dir = join(this.root, cacheId);
    await this.mustExist(cacheId);
    if (await this.readLink(cacheId)) return; // already committed
    let lower = '';
    if (parentCacheId !== null) {
      checkId(parentCacheId);
      const parentShort = await this.readLink(parentCacheId);
      if (!parentShort) throw new NotFoundError(`parent layer ${parentCacheId} is not committed`);
      const parentLower = await readFile(join(this.root, parentCacheId, 'lower'), 'utf8').catch((e: unknown) => {
        if (isNotFound(e)) return '';
        throw e;
      });
      lower = `${LINKS}/${parentShort}${parentLower ? `:${parentLower}` : ''}`;
    }
    if (lower) await writeAtomic(join(dir, 'lower'), lower);
    const short = newShortId();
    await mkdir(join(this.root, LINKS), { recursive: true, mode: 0o700 });
    await symlink(`../${cacheId}/diff`, join(this.root, LINKS, short));
    await writeAtomic(join(dir, 'link'), short);
  }

  async remove(cacheId: string): Promise<void> {
    checkId(cacheId);
    this.lowers.clear(); // this layer's entry, and any of a child that named it
    const short = await this.readLink(cacheId);
    if (short) await this.unlinkShort(short, cacheId);
    await rm(join(this.root, cacheId), { recursive: true, force: true });
  }

  tarStream(cacheId: string): Readable {
    checkId(cacheId);
    const dir = join(this.root, cacheId);
    const out = new PassThrough({ highWaterMark: 256 * 1024 });
    stat(join(dir, TAR_SPLIT)).then(
      () => {
        const src = replayTar(join(dir, TAR_SPLIT), join(dir, 'diff'));
        src.on('error', (e) => out.destroy(e));
        out.on('close', () => src.destroy());
        src.pipe(out);
      },
      async (e: unknown) => {
        if (!isNotFound(e)) return out.destroy(e as Error);
        const unusable = await stat(join(dir, TAR_SPLIT_UNUSABLE)).then(() => true, () => false);
        out.destroy(unusable
          ? new SystemError(`layer ${cacheId}: its original tar cannot be rebuilt (the tar overwrote its own files)`)
          : new NotFoundError(`layer ${cacheId} not found`));
      },
    );
    return out;
  }

  async cleanup(keep: Set<string>): Promise<string[]> {
    this.lowers.clear();
    const removed: string[] = [];
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      if (isNotFound(e)) return removed;
      throw e;
    }
    for (const name of names) {
      if (name === LINKS || keep.has(name) || this.busy.has(name)) continue;
      await rm(join(this.root, name), { recursive: true, force: true });
      removed.push(name);
    }
    const links = await readdir(join(this.root, LINKS)).catch((e: unknown) => {
      if (isNotFound(e)) return [] as string[];
      throw e;
    });
    for (const short of links) {
      const target = await readlink(join(this.root, LINKS, short)).catch(() => '');
      const m = /^\.\.\/([0-9a-f]{64})\/diff$/.exec(target);
      let alive = m !== null && (await stat(join(this.root, m[1], 'diff')).then(() => true, () => false));
      if (alive && m) {
        // a link left by an interrupted commit that since got another short id
        const own = await this.readLink(m[1]).catch(() => null);
        alive = own === null || own === short;
      }
      if (!alive) await unlink(join(this.root, LINKS, short)).catch(() => {});
    }
    return removed;
  }

  async lowerDirs(cacheId: string): Promise<string> {
    checkId(cacheId);
    const known = this.lowers.get(cacheId);
    if (known !== undefined) return known;
    const short = await this.readLink(cacheId);
    if (!short) throw new NotFoundError(`layer ${cacheId} is not committed`);
    const lower = await readFile(join(this.root, cacheId, 'lower'), 'utf8').catch((e: unknown) => {
      if (isNotFound(e)) return '';
      throw e;
    });
    const dirs = lower ? `${LINKS}/${short}:${lower}` : `${LINKS}/${short}`;
    this.lowers.set(cacheId, dirs);
    return dirs;
  }

  diffDir(cacheId: string): string {
    checkId(cacheId);
    return join(this.root, cacheId, 'diff');
  }

  /** The short id of a committed layer, or null when staged or missing. */
  private async readLink(cacheId: string): Promise<string | null> {
    try {
      const s = (await readFile(join(this.root, cacheId, 'link'), 'utf8')).trim();
      if (!SHORT_ID.test(s)) throw new SystemError(`layer ${cacheId} has a corrupt link file`);
      return s;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  private async mustExist(cacheId: string): Promise<void> {
    try {
      await stat(join(this.root, cacheId, 'diff'));
    } catch (e) {
      if (isNotFound(e)) throw new NotFoundError(`layer ${cacheId} not found`);
      throw e;
    }
  }

  private async unlinkShort(short: string, cacheId: string): Promise<void> {
    const p = join(this.root, LINKS, short);
    const target = await readlink(p).catch(() => null);
    if (target === `../${cacheId}/diff`) await unlink(p).catch(() => {});
  }
}

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, file);
}
