/** A counting semaphore whose limit is read at every acquire (daemon reloads change it). */
export class Limiter {
  private readonly limit: () => number;
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(limit: () => number) {
    this.limit = limit;
  }

  /** True when a slot is free right now (the caller may show "Waiting" otherwise). */
  get free(): boolean {
    return this.active < Math.max(1, this.limit());
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    while (!this.free) {
      await new Promise<void>((resolve, reject) => {
        const w = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
        const onAbort = () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(w);
      });
    }
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiters.shift()?.();
    };
  }
}
