/** Small stream helpers shared by the services. */
import { once } from 'node:events';

/**
 * Resolve when `stream` emits 'drain' or any of `stream` and `others` closes,
 * whichever comes first; listeners are removed either way. An 'error' event
 * rejects (callers that report errors elsewhere catch it).
 */
export async function drainedOrClosed(stream: NodeJS.EventEmitter, ...others: NodeJS.EventEmitter[]): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([
      once(stream, 'drain', { signal: ac.signal }),
      ...[stream, ...others].map((s) => once(s, 'close', { signal: ac.signal })),
    ]);
  } finally {
    ac.abort();
  }
}
