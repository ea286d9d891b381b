/**
 * Layers made here (builds, commits, imports) stored compressed ahead of a
 * push: the gzip of each layer of an image that has no compressed blob yet
 * goes to the content store and the blob metadata, where push finds it and
 * sends it as it is.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MEDIA } from '../core/distribution/types.ts';
import { adaptiveGzip } from './compress.ts';
import type { DistributionContext } from './context.ts';

/** Compress the image's layers that have no stored blob; answers how many were compressed. */
export async function storeCompressed(ctx: DistributionContext, imageId: string, signal?: AbortSignal): Promise<number> {
  const { db, content, layers } = ctx.images.deps;
  const row = db.get(imageId);
  if (!row) return 0;
  let made = 0;
  for (const l of db.chain(row.topChain)) {
    let stored = false;
    for (const b of ctx.meta.forDiffId(l.diffId)) if (await content.has(b.digest)) stored = true;
    if (stored) continue;
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({ transform(c: Buffer, _e, cb) { hash.update(c); size += c.length; cb(null, c); } });
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const [, written] = await Promise.all([
      pipeline(layers.tarStream(l.cacheId), adaptiveGzip(), tap, out, { signal }),
      content.write(out, undefined, { signal, sync: false }),
    ]);
    const digest = `sha256:${hash.digest('hex')}`;
    if (written.digest !== digest) throw new Error(`compressed layer ${l.diffId}: stored ${written.digest}, hashed ${digest}`);
    await ctx.meta.set({ digest, mediaType: MEDIA.dockerLayer, size, diffId: l.diffId, repos: [] });
    made++;
  }
  return made;
}
