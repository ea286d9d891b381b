/** A Docker event as sent on /events. */
export interface EngineEvent {
  Type: 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'service' | 'node' | 'secret' | 'config' | 'builder';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local' | 'swarm';
  time: number;
  timeNano: number;
  /** Deprecated fields still sent by dockerd for container/image events. */
  status?: string;
  id?: string;
  from?: string;
}

export interface EventSink {
  publish(type: EngineEvent['Type'], action: string, actorId: string, attributes?: Record<string, string>): void;
}

export interface EventSource {
  /** Events with time in [since, until] (ms) from the in-memory log, then live ones until `until` or close. */
  subscribe(opts: { since?: number; until?: number }, onEvent: (e: EngineEvent) => void): { past: EngineEvent[]; close(): void };
  /** How many subscriptions are open (dockerd's NEventsListener). */
  listeners(): number;
}
