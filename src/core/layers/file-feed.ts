/**
 * A file that one side is still writing while another reads it: the writer
 * announces how many bytes are safely written (`grow`) and when it is done
 * (`end`) or gave up (`fail`); readers never read past `written`.
 */
export class FileFeed {
  readonly path: string;
  written = 0;
  ended = false;
  failure: Error | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(path: string) {
    this.path = path;
  }

  grow(written: number): void {
    if (written <= this.written) return;
    this.written = written;
    this.emit();
  }

  end(): void {
    this.ended = true;
    this.emit();
  }

  fail(e: Error): void {
    if (this.ended || this.failure) return;
    this.failure = e;
    this.emit();
  }

  /** Call `cb` on every change; returns the unsubscribe function. */
  subscribe(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(): void {
    for (const cb of [...this.listeners]) cb();
  }
}
