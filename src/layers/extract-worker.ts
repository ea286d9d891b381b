/**
 * Worker thread entry: unpacks layers from files that the main thread is
 * still writing (a pull writes and verifies the blob while this thread reads
 * it behind, decompresses, hashes the tar and feeds it to tar), so the event
 * loop only moves and checks the bytes from the socket. Protocol (all messages carry the job id):
 *   in:  extract {layerDir, path} · grow {written, ended} · abort {error}
 *   out: done {result} · failed {error}
 */
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

async function run(id: number, layerDir: string, path: string): Promise<void> {
  const job: Job = { written: 0, ended: false, wake: null, ac: new AbortController() };
  jobs.set(id, job);
  try {
    const input = Readable.from(tail(path, job), { objectMode: false, highWaterMark: READ });
    const result = await extractLayer(layerDir, input, job.ac.signal, { hashCompressed: false });
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
    void run(m.id, m.layerDir, m.path);
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
