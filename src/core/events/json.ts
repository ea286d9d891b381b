import type { EngineEvent } from './types.ts';

/**
 * The event's timeNano as an exact integer. EventBus only hands out values a
 * double holds exactly, so this is lossless for them.
 */
export function eventTimeNano(e: EngineEvent): bigint {
  return BigInt(Math.trunc(e.timeNano));
}

/**
 * One event as dockerd writes it on /events. JSON.stringify would print a
 * ~1.7e18 timeNano in its shortest round-trip form (e.g. 1700000000000000300
 * for 1700000000000000256); this writes the exact integer.
 */
export function eventToJson(e: EngineEvent): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${k === 'timeNano' ? eventTimeNano(e).toString() : JSON.stringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}
