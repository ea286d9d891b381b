/**
 * A readers–writer lock inside one process: pushes (manifest links, blob
 * commits) hold it shared; the garbage collector holds it exclusively while
 * it re-checks and deletes, so a push never links a blob that GC is removing.
 */
export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: { write: boolean; go: () => void }[] = [];

  async read<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try { return await fn(); } finally { this.release(false); }
  }

  async write<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try { return await fn(); } finally { this.release(true); }
  }

  private acquire(write: boolean): Promise<void> {
    const free = write ? !this.writer && this.readers === 0 : !this.writer && !this.waiting.some((w) => w.write);
    if (free && this.waiting.length === 0) {
      if (write) this.writer = true; else this.readers++;
      return Promise.resolve();
    }
    return new Promise((go) => { this.waiting.push({ write, go }); });
  }

  private release(write: boolean): void {
    if (write) this.writer = false; else this.readers--;
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      if (next.write) {
        if (this.readers > 0 || this.writer) return;
        this.waiting.shift();
        this.writer = true;
        next.go();
        return;
      }
      if (this.writer) return;
      this.waiting.shift();
      this.readers++;
      next.go();
    }
  }
}
