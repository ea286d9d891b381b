/**
 * SHA-256/512 of a stream computed on a worker thread, so that hashing the
 * bytes of a pull (the blob's digest and the layer's diffID: two passes over
 * every byte) does not sit on the event loop next to decompression and the
 * pipes to tar. Chunks are copied into 1 MiB batches whose memory is handed
 * to the worker (transferred, not copied again); `digest()` resolves once the
 * worker has seen every batch. One worker serves the whole process; it is
 * started on first use, keeps the process alive only while a digest is owed,
 * and stops after a while with no hash open.
 */
import { createHash, type Hash } from 'node:crypto';
import { isMainThread, Worker } from 'node:worker_threads';

const BATCH = 1 << 20;

/** Runs in the worker: one hash per stream id. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'init') hashes.set(m.id, createHash(m.alg));
  else if (m.op === 'update') hashes.get(m.id).update(new Uint8Array(m.buf, 0, m.len));
  else if (m.op === 'digest') {
    const h = hashes.get(m.id);
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: h.digest('hex') });
  } else if (m.op === 'drop') hashes.delete(m.id);
});
`;

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, (hex: string) => void>();
/** Hashes begun and not yet finished or discarded; the worker stops after a while at zero. */
let open = 0;
let idleTimer: NodeJS.Timeout | null = null;
const IDLE_MS = 3_000;

function opened(): void {
  open++;
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
}

function closed(): void {
  if (--open > 0) return;
  idleTimer = setTimeout(() => {
    const w = worker;
    worker = null;
    idleTimer = null;
    void w?.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

function sharedWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.unref();
  w.on('message', (m: { id: number; hex: string }) => {
    const done = waiting.get(m.id);
    waiting.delete(m.id);
    if (waiting.size === 0) w.unref();
    done?.(m.hex);
  });
  w.on('error', (e) => fail(w, e));
  w.on('exit', () => fail(w, new Error('the hashing worker exited')));
  worker = w;
  return w;
}

function fail(w: Worker, e: Error): void {
  if (worker === w) worker = null;
  for (const [id, done] of waiting) {
    waiting.delete(id);
    done(`error:${e.message}`);
  }
}

export type HashAlgorithm = 'sha256' | 'sha512';

/** An incremental hash whose work happens on the shared worker thread. */
export class OffThreadHash implements AsyncHash {
  private readonly id = nextId++;
  private readonly w: Worker;
  private batch: Buffer | null = null;
  private used = 0;
  private finished = false;

  constructor(alg: HashAlgorithm = 'sha256') {
    this.w = sharedWorker();
    opened();
    this.w.postMessage({ op: 'init', id: this.id, alg });
  }

  update(chunk: Uint8Array): this {
    if (this.finished) throw new Error('hash already finished');
    let off = 0;
    while (off < chunk.length) {
      if (!this.batch) {
        this.batch = Buffer.allocUnsafeSlow(BATCH);
        this.used = 0;
      }
      const n = Math.min(chunk.length - off, BATCH - this.used);
      this.batch.set(chunk.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if (this.used === BATCH) this.flush();
    }
    return this;
  }

  /** The hex digest of everything passed to update(). */
  digest(): Promise<string> {
    if (this.finished) throw new Error('hash already finished');
    this.flush();
    this.finished = true;
    return new Promise((resolve, reject) => {
      waiting.set(this.id, (hex) => {
        closed();
        if (hex.startsWith('error:')) reject(new Error(hex.slice(6)));
        else resolve(hex);
      });
      this.w.ref(); // an answer is owed: keep the process up until it comes
      this.w.postMessage({ op: 'digest', id: this.id });
    });
  }

  /** Forget a hash that will not be finished (a failed or aborted stream). */
  discard(): void {
    if (this.finished) return;
    this.finished = true;
    this.batch = null;
    this.w.postMessage({ op: 'drop', id: this.id });
    closed();
  }

  private flush(): void {
    if (!this.batch || this.used === 0) return;
    const buf = this.batch.buffer as ArrayBuffer;
    this.w.postMessage({ op: 'update', id: this.id, buf, len: this.used }, [buf]);
    this.batch = null;
    this.used = 0;
  }
}

/** The incremental hash both kinds share. */
export interface AsyncHash {
  update(chunk: Uint8Array): unknown;
  digest(): Promise<string>;
  discard(): void;
}

class LocalHash implements AsyncHash {
  private readonly h: Hash;
  constructor(alg: HashAlgorithm) { this.h = createHash(alg); }
  update(chunk: Uint8Array): this { this.h.update(chunk); return this; }
  digest(): Promise<string> { return Promise.resolve(this.h.digest('hex')); }
  discard(): void { /* nothing held */ }
}

/**
 * A hash for bulk bytes: off the event loop on the main thread; in place on
 * a worker thread (which is already off the event loop).
 */
export function bulkHash(alg: HashAlgorithm = 'sha256'): AsyncHash {
  return isMainThread ? new OffThreadHash(alg) : new LocalHash(alg);
}
