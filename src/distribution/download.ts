/**
 * A blob download that resumes with `Range` after a dropped connection or a
 * truncated body, and that fails instead of ending when the bytes do not
 * match the descriptor's size and digest (so whatever consumes it never sees
 * a clean end of bad data).
 */
import { createHash, type Hash } from 'node:crypto';
import { InvalidParameterError } from '../core/errors.ts';
import type { Descriptor } from '../core/distribution/types.ts';
import { isTransportError } from './http.ts';
import { RETRIES, type Repository } from './registry.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The blob's bytes, checked against the descriptor's size and digest: the
 * generator returns only when they match and throws otherwise, so a consumer
 * treats the bytes as complete only once it has returned.
 */
export async function* blobBytes(repo: Repository, desc: Descriptor, signal: AbortSignal | undefined, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const alg = desc.digest.split(':')[0];
  const hash: Hash = createHash(alg === 'sha512' ? 'sha512' : 'sha256');
  let got = 0;
  let failures = 0;
  const retry = async (e: unknown) => {
    if (signal?.aborted) throw signal.reason;
    if (failures++ >= RETRIES) throw e;
    await sleep(Math.min(100 * 2 ** failures, 1000));
  };
  for (;;) {
    let res;
    try {
      res = await repo.blob(desc.digest, got, signal);
    } catch (e) {
      if (!isTransportError(e)) throw e;
      await retry(e);
      continue;
    }
    let skip = 0;
    if (got > 0 && res.status === 200) skip = got; // the server ignored Range
    else if (got > 0) {
      const m = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      if (!m || Number(m[1]) !== got) { res.discard(); throw new Error(`blob ${desc.digest}: the registry answered a range request with the wrong range`); }
    }
    try {
      for await (const c of res.body) {
        let chunk = c as Buffer;
        if (skip > 0) {
          if (chunk.length <= skip) { skip -= chunk.length; continue; }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        hash.update(chunk);
        got += chunk.length;
        if (desc.size > 0 && got > desc.size) {
          res.body.destroy();
          throw new InvalidParameterError(`filesystem layer verification failed for digest ${desc.digest}: more bytes than the ${desc.size} expected`);
        }
        onBytes(got);
        yield chunk;
      }
    } catch (e) {
      if (e instanceof InvalidParameterError) throw e;
      await retry(e);
      continue;
    }
    if (desc.size > 0 && got < desc.size) {
      await retry(new Error(`blob ${desc.digest}: unexpected EOF after ${got} of ${desc.size} bytes`));
      continue;
    }
    break;
  }
  if (`${alg}:${hash.digest('hex')}` !== desc.digest) {
    throw new InvalidParameterError(`filesystem layer verification failed for digest ${desc.digest}`);
  }
}
