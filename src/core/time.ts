/*
 * Times as dockerd writes them: Go's time.RFC3339Nano in UTC, nine fraction
 * digits at most with the trailing zeros dropped ("…:05.1234Z", "…:05Z"),
 * and Docker's fixed form with always nine digits (log and event lines).
 */

let hrBase = process.hrtime.bigint();
let wallBase = BigInt(Date.now()) * 1_000_000n;
const DRIFT_NS = 2_000_000n;

/**
 * Now, in nanoseconds since the epoch: the wall clock at a base moment plus
 * the monotonic clock since, taken again as base whenever the wall clock has
 * moved away from it (by more than 2 ms: a clock step, or slow drift).
 */
export function nowNs(): bigint {
  const hr = process.hrtime.bigint();
  const t = wallBase + (hr - hrBase);
  const wall = BigInt(Date.now()) * 1_000_000n;
  if (t - wall > DRIFT_NS || wall - t > DRIFT_NS) {
    hrBase = hr;
    wallBase = wall;
    return wall;
  }
  return t;
}

function parts(ns: bigint): { base: string; frac: string } {
  let sec = ns / 1_000_000_000n;
  let rem = ns % 1_000_000_000n;
  if (rem < 0n) { rem += 1_000_000_000n; sec -= 1n; }
  return { base: new Date(Number(sec) * 1000).toISOString().slice(0, 19), frac: rem.toString().padStart(9, '0') };
}

/** Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped, with its dot when none is left. */
export function rfc3339Nano(ns: bigint): string {
  const { base, frac } = parts(ns);
  const f = frac.replace(/0+$/, '');
  return f ? `${base}.${f}Z` : `${base}Z`;
}

/** Docker's RFC3339NanoFixed in UTC: always nine fraction digits. */
export function rfc3339NanoFixed(ns: bigint): string {
  const { base, frac } = parts(ns);
  return `${base}.${frac}Z`;
}

/** The present moment as dockerd records it (Created, StartedAt, health log, …). */
export function nowRfc3339Nano(): string {
  return rfc3339Nano(nowNs());
}

/**
 * Nanoseconds since the epoch of an RFC3339 time with any number of fraction
 * digits (and a zone); null when it is not one. The order of times written
 * with different numbers of digits is not the order of their strings.
 */
export function timeNs(iso: string): bigint | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(iso);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
}

/**
 * A since/until query value in nanoseconds: "SECONDS[.FRACTION]" exactly as
 * dockerd's ParseTimestamps reads it (the fraction scaled to nine digits),
 * an RFC3339 time to the nanosecond, else `fallbackMs` (durations and the
 * like, in milliseconds) for the rest.
 */
export function timestampNs(value: string, fallbackMs: (v: string) => number): bigint {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (m) {
    const frac = m[2] ?? '';
    const nsec = frac.length <= 9 ? BigInt(frac.padEnd(9, '0') || '0') : BigInt(frac) / 10n ** BigInt(frac.length - 9);
    return BigInt(m[1]) * 1_000_000_000n + nsec;
  }
  return timeNs(value) ?? BigInt(Math.round(fallbackMs(value) * 1e6));
}
