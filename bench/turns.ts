/**
 * Two daemons measured side by side, taking turns: a drift of the machine's
 * speed (±15 % within minutes has been seen here) then weighs on both
 * alike, where one daemon after the other would give it all to one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER, type Engine, sh, shQuiet, type ShResult, sleep } from './lib.ts';

export type Docker = (args: string[], input?: Buffer) => ShResult;

/** An engine with its docker CLI runners and the figures measured so far. */
export interface Side<F> { e: Engine; docker: Docker; quiet: (args: string[]) => ShResult; env: NodeJS.ProcessEnv; f: Partial<F> }

export function side<F>(e: Engine, work: string): Side<F> {
  const env = { DOCKER_HOST: `unix://${e.sock}`, DOCKER_CONFIG: join(work, 'docker-config') };
  return { e, env, f: {}, docker: (args, input) => sh(DOCKER, args, env, input), quiet: (args) => shQuiet(DOCKER, args, env) };
}

/** The order of a round: who goes first alternates. */
function turns<S>(sides: S[], round: number): S[] {
  return round % 2 === 0 ? sides : [...sides].reverse();
}

/** CPU time (clock ticks) the engines' processes have used so far. */
function cpuTicks(sides: Side<unknown>[]): number {
  let sum = 0;
  for (const pid of sides.flatMap((s) => s.e.pids())) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      sum += Number(f[11]) + Number(f[12]); // utime, stime
    } catch { /* gone */ }
  }
  return sum;
}

/**
 * Before a turn: wait until neither daemon burns CPU (a garbage collection
 * or clean-up after the other's turn would otherwise run during this one's
 * measurement on a 2-core machine); at most 3 s.
 */
async function quiesce(sides: Side<unknown>[]): Promise<void> {
  const deadline = Date.now() + 3000;
  let last = cpuTicks(sides);
  while (Date.now() < deadline) {
    await sleep(60);
    const now = cpuTicks(sides);
    if (now === last) return;
    last = now;
  }
}

/**
 * `count` calls of `one` for each engine, in blocks of `block` that take
 * turns, the first engine alternating; both daemons are left to go idle
 * before each block (not within one: a daemon's own deferred work stays in
 * its figures, as when it runs alone).
 */
export async function inTurns<S extends Side<unknown>>(sides: S[], count: number, block: number, one: (s: S, i: number) => Promise<void> | void): Promise<void> {
  for (let done = 0, round = 0; done < count; done += block, round++) {
    for (const s of turns(sides, round)) {
      await quiesce(sides);
      for (let i = done; i < Math.min(count, done + block); i++) await one(s, i);
    }
  }
}

/** An empty list per engine. */
export const perSide = <T, S>(sides: S[]): Map<S, T[]> => new Map(sides.map((s) => [s, [] as T[]]));

