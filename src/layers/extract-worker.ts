/**
 * Worker thread entry: unpacks layers from files that the main thread is
 * still writing, and hashes such files (a pull writes the blob while one job
 * reads it behind to decompress it, hash the tar and feed tar, and another
 * computes the blob's digest), so the event loop only moves the bytes from
 * the socket to the file. Protocol (all messages carry the job id):
 *   in:  extract {layerDir, path} · hash {path, alg} · grow {written, ended} · abort {error}
 *   out: done {result} · failed {error}
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { errorFromData, errorToData, type ErrorData } from '../core/errors.ts';
import { extractLayer } from './extract.ts';

const READ = 1 << 20;

interface Job {
  written: number;
  ended: boolean;
  wake: (() => void) | null;
  ac: AbortController;
}

type InMessage =
  | { op: 'extract'; id: number; layerDir: string; path: string }
  | { op: 'hash'; id: number; path: string; alg: 'sha256' | 'sha512' }
  | { op: 'grow'; id: number; written: number; ended: boolean }
  | { op: 'abort'; id: number; error: ErrorData };

const jobs = new Map<number, Job>();

async function* tail(path: string, job: Job): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    let pos = 0;
    for (;;) {
      while (pos >= job.written && !job.ended) {
        job.ac.signal.throwIfAborted();
        await new Promise<void>((r) => { job.wake = r; });
      }
      job.ac.signal.throwIfAborted();
      if (pos >= job.written) return;
      const buf = Buffer.allocUnsafe(Math.min(job.written - pos, READ));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) throw new Error(`${path}: shorter than the ${job.written} bytes announced`);
      pos += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

async function run(id: number, work: (job: Job) => Promise<unknown>): Promise<void> {
  const job: Job = { written: 0, ended: false, wake: null, ac: new AbortController() };
  jobs.set(id, job);
  try {
    const result = await work(job);
    parentPort!.postMessage({ op: 'done', id, result });
  } catch (e) {
    const reason = job.ac.signal.aborted ? job.ac.signal.reason : e;
    parentPort!.postMessage({ op: 'failed', id, error: errorToData(reason) });
  } finally {
    jobs.delete(id);
  }
}

parentPort!.on('message', (m: InMessage) => {
  if (m.op === 'extract') {
    void run(m.id, (job) => extractLayer(m.layerDir, Readable.from(tail(m.path, job), { objectMode: false, highWaterMark: READ }),
      job.ac.signal, { hashCompressed: false }));
    return;
  }
  if (m.op === 'hash') {
    void run(m.id, async (job) => {
      const h = createHash(m.alg);
      for await (const chunk of tail(m.path, job)) h.update(chunk);
      return `${m.alg}:${h.digest('hex')}`;
    });
    return;
  }
  const job = jobs.get(m.id);
  if (!job) return;
  if (m.op === 'grow') {
    job.written = Math.max(job.written, m.written);
    job.ended ||= m.ended;
  } else {
    job.ac.abort(errorFromData(m.error));
  }
  job.wake?.();
  job.wake = null;
});
