import type { EngineEvent, EventSink, EventSource } from '../core/events/types.ts';

/**
 * The smallest integer >= v that a double represents exactly: at ~1.7e18
 * doubles are 256 apart, so Number(v) alone would round neighbours together.
 */
export function exactDoubleAtLeast(v: bigint): bigint {
  const bits = v.toString(2).length;
  if (bits <= 53) return v;
  const ulp = 1n << BigInt(bits - 53);
  return ((v + ulp - 1n) / ulp) * ulp;
}

/**
 * In-memory event log (the last `capacity` events, as dockerd keeps) plus
 * live subscribers.
 */
export class EventBus implements EventSink, EventSource {
  private readonly log: EngineEvent[] = [];
  private readonly subscribers = new Set<(e: EngineEvent) => void>();
  private internal = 0;
  private readonly capacity: number;
  private lastNano = 0n;

  constructor(capacity = 1024) {
    this.capacity = capacity;
  }

  publish(type: EngineEvent['Type'], action: string, actorId: string, attributes: Record<string, string> = {}): void {
    // Nanosecond timestamps are strictly increasing so `since` is exact, and
    // each is a value a double holds exactly (timeNano is a number).
    let nano = BigInt(Date.now()) * 1_000_000n;
    if (nano <= this.lastNano) nano = this.lastNano + 1n;
    nano = exactDoubleAtLeast(nano);
    this.lastNano = nano;
    const e: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: actorId, Attributes: attributes },
      scope: 'local',
      time: Number(nano / 1_000_000_000n),
      timeNano: Number(nano),
    };
    if (type === 'container' || type === 'image') {
      e.status = action;
      e.id = actorId;
      if (attributes.image) e.from = attributes.image;
    }
    this.log.push(e);
    if (this.log.length > this.capacity) this.log.splice(0, this.log.length - this.capacity);
    for (const s of this.subscribers) s(e);
  }

  listeners(): number {
    return this.subscribers.size - this.internal;
  }

  /** A subscription of the daemon's own, which listeners() does not count. */
  subscribeInternal(onEvent: (e: EngineEvent) => void): void {
    this.internal++;
    this.subscribers.add(onEvent);
  }

  subscribe(opts: { since?: number; until?: number }, onEvent: (e: EngineEvent) => void): { past: EngineEvent[]; close(): void } {
    const inRange = (e: EngineEvent): boolean => {
      const ms = e.timeNano / 1e6;
      return (opts.since === undefined || ms >= opts.since) && (opts.until === undefined || ms <= opts.until);
    };
    // Like dockerd's loadBufferedEvents: replay the log when since or until is given.
    const past = opts.since === undefined && opts.until === undefined ? [] : this.log.filter(inRange);
    const live = (e: EngineEvent): void => {
      if (inRange(e)) onEvent(e);
    };
    this.subscribers.add(live);
    return { past, close: () => this.subscribers.delete(live) };
  }
}
