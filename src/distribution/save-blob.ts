/**
 * Write a download into a growing file, announcing on the feed how much is
 * safely written so that a reader (the layer extraction worker) can follow
 * right behind. The feed ends when every byte is written, or fails with the
 * download's error.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { FileFeed } from '../core/layers/file-feed.ts';
import { drainedOrClosed } from '../core/streams.ts';

export async function saveBlob(src: AsyncIterable<Buffer>, feed: FileFeed): Promise<number> {
  const out = createWriteStream(feed.path, { highWaterMark: 4 << 20 });
  let queued = 0;
  let error: Error | null = null;
  out.on('error', (e) => { error ??= e; });
  try {
    for await (const chunk of src) {
      if (error) throw error;
      queued += chunk.length;
      const upto = queued;
      if (!out.write(chunk, (e) => { if (!e) feed.grow(upto); })) await drainedOrClosed(out);
    }
    out.end();
    await once(out, 'finish');
    if (error) throw error;
    feed.grow(queued);
    feed.end();
    return queued;
  } catch (e) {
    out.destroy();
    feed.fail(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
}

