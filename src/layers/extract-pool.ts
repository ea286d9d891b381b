/**
 * Worker threads that unpack layers from growing files (see
 * extract-worker.ts). Started on demand, at most one per CPU (capped at 4),
 * each taking several jobs at once; a worker with no job does not keep the
 * process alive and is stopped after a while idle.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { errorFromData, errorToData, type ErrorData } from '../core/errors.ts';
import type { FileFeed } from '../core/layers/file-feed.ts';
import type { ExtractedLayer } from '../core/layers/types.ts';

/** Growth smaller than this is not worth a message (the worker reads in 1 MiB steps). */
const GROW_STEP = 1 << 20;

type Result = Omit<ExtractedLayer, 'cacheId'>;
type OutMessage = { op: 'done'; id: number; result: Result } | { op: 'failed'; id: number; error: ErrorData };

interface Pending { resolve(r: Result): void; reject(e: Error): void }

class PoolWorker {
  readonly w: Worker;
  readonly pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly idleMs: number;
  private readonly onGone: (pw: PoolWorker) => void;
  dead = false;

  constructor(idleMs: number, onGone: (pw: PoolWorker) => void) {
    this.idleMs = idleMs;
    this.onGone = onGone;
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    this.w = new Worker(new URL(`./extract-worker${ext}`, import.meta.url));
    this.w.on('message', (m: OutMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.op === 'done') p.resolve(m.result);
      else p.reject(errorFromData(m.error));
      this.settle();
    });
    this.w.on('error', (e) => this.gone(e));
    this.w.on('exit', (code) => this.gone(new Error(`the layer extraction worker exited (${code})`)));
  }

  add(id: number, p: Pending): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.pending.set(id, p);
    this.w.ref();
  }

  private settle(): void {
    if (this.pending.size > 0 || this.dead) return;
    this.w.unref();
    this.idleTimer = setTimeout(() => {
      this.gone(new Error('idle'));
      void this.w.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private gone(e: Error): void {
    if (this.dead) return;
    this.dead = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.onGone(this);
  }
}

export class ExtractPool {
  private readonly workers: PoolWorker[] = [];
  private readonly max: number;
  private readonly idleMs: number;
  private nextId = 1;

  constructor(opts: { max?: number; idleMs?: number } = {}) {
    this.max = opts.max ?? Math.max(1, Math.min(4, availableParallelism()));
    this.idleMs = opts.idleMs ?? 3_000;
  }

  /** Unpack the file behind `feed` into `<layerDir>/diff` on a worker; the caller removes layerDir on failure. */
  extract(layerDir: string, feed: FileFeed, signal?: AbortSignal): Promise<Result> {
    signal?.throwIfAborted();
    const pw = this.pick();
    const id = this.nextId++;
    const post = (m: object) => { if (!pw.dead) pw.w.postMessage({ ...m, id }); };
    return new Promise<Result>((resolve, reject) => {
      let posted = -1;
      const update = () => {
        if (feed.failure) post({ op: 'abort', error: errorToData(feed.failure) });
        else if (feed.ended || feed.written - posted >= GROW_STEP || posted < 0) {
          posted = feed.written;
          post({ op: 'grow', written: feed.written, ended: feed.ended });
        }
      };
      const onAbort = () => post({ op: 'abort', error: errorToData(signal?.reason) });
      const unsubscribe = feed.subscribe(update);
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => { unsubscribe(); signal?.removeEventListener('abort', onAbort); };
      pw.add(id, { resolve: (r) => { cleanup(); resolve(r); }, reject: (e) => { cleanup(); reject(e); } });
      post({ op: 'extract', layerDir, path: feed.path });
      update();
    });
  }

  private pick(): PoolWorker {
    const least = this.workers.reduce<PoolWorker | null>((a, w) => (!a || w.pending.size < a.pending.size ? w : a), null);
    if (least && (least.pending.size === 0 || this.workers.length >= this.max)) return least;
    const pw = new PoolWorker(this.idleMs, (gone) => {
      const i = this.workers.indexOf(gone);
      if (i >= 0) this.workers.splice(i, 1);
    });
    this.workers.push(pw);
    return pw;
  }
}
