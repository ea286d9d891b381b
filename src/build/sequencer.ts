/*
 * Stages that do not depend on each other build at the same time, but the
 * output stream stays the classic builder's: each stage's messages are
 * held until every stage before it (in Dockerfile order) has finished,
 * then they flow live.
 */
export type SeqMessage = { stream: string } | { aux: Record<string, unknown> };

export class OutputSequencer {
  private readonly emit: (m: SeqMessage) => void;
  private readonly held: SeqMessage[][];
  private readonly done: boolean[];
  private head = 0;

  constructor(stages: number, emit: (m: SeqMessage) => void) {
    this.emit = emit;
    this.held = Array.from({ length: stages }, () => []);
    this.done = Array.from({ length: stages }, () => false);
  }

  write(i: number, m: SeqMessage): void {
    if (i === this.head) this.emit(m);
    else this.held[i].push(m);
  }

  finish(i: number): void {
    this.done[i] = true;
    while (this.head < this.done.length && this.done[this.head]) {
      this.head++;
      if (this.head < this.held.length) {
        for (const m of this.held[this.head]) this.emit(m);
        this.held[this.head] = [];
      }
    }
  }

  /** After a failure: whatever is still held, in order. */
  flushAll(): void {
    for (let i = this.head; i < this.held.length; i++) {
      for (const m of this.held[i]) this.emit(m);
      this.held[i] = [];
    }
    this.head = this.held.length;
  }
}
