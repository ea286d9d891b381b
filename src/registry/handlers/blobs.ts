/** GET/HEAD/DELETE /v2/<name>/blobs/<digest>, with Range on GET (end-2, end-10). */
import { pipeline } from 'node:stream/promises';
import { RegistryError } from '../../core/registry/errors.ts';
import { checkDigest } from '../../core/registry/names.ts';
import { parseRange, sendEmpty } from '../http.ts';
import type { Ctx } from './context.ts';

export async function getBlob(c: Ctx): Promise<void> {
  const name = c.route.name as string;
  const { digest } = checkDigest(c.route.ref as string);
  let size: number;
  try {
    size = await c.reg.blobs.statLinked(name, digest);
  } catch (e) {
    if (!(e instanceof RegistryError) || e.code !== 'BLOB_UNKNOWN' || !c.reg.upstream) throw e;
    size = await c.reg.upstream.fetchBlob(c.reg, name, digest);
  }
  const headers: Record<string, string> = {
    'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes', 'Cache-Control': 'max-age=31536000',
  };
  if (c.head) {
    // A HEAD before a push says "skip this layer": keep the blob out of a running GC's reach.
    await c.reg.blobs.touch(name, digest);
    sendEmpty(c.res, 200, { ...headers, 'Content-Length': String(size) });
    return;
  }
  const range = parseRange(c.req.headers.range, size);
  if (range === 'invalid') {
    throw new RegistryError('SIZE_INVALID', { status: 416, message: 'requested range not satisfiable', headers: { 'Content-Range': `bytes */${size}` } });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const stream = size === 0 ? null : await c.reg.blobs.reader(digest, start, end);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  c.res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': String(size === 0 ? 0 : end - start + 1) });
  if (!stream) { c.res.end(); return; }
  await pipeline(stream, c.res);
}

export async function deleteBlob(c: Ctx): Promise<void> {
  if (!c.reg.config.deleteEnabled) throw new RegistryError('UNSUPPORTED', { message: 'The operation is unsupported.' });
  const { digest } = checkDigest(c.route.ref as string);
  await c.reg.blobs.unlink(c.route.name as string, digest);
  sendEmpty(c.res, 202, { 'Docker-Content-Digest': digest });
}
