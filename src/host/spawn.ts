/*
 * Spawning a helper program (conmon) without fork(): through the native
 * addon's posix_spawn (vfork-style, no copy of the daemon's page tables)
 * when it is built, else child_process.spawn. Either way the caller gets
 * the part of ChildProcess it uses: pid, stdio sockets, exitCode,
 * signalCode, kill() and the 'spawn', 'error' and 'exit' events.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { nativeSys } from './native.ts';

export interface Spawned extends EventEmitter {
  readonly pid: number | undefined;
  /** A socket for each 'pipe' slot, null for 'ignore'. */
  readonly stdio: (Socket | null)[];
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals | number): boolean;
}

export interface HelperOptions {
  cwd: string;
  env: Record<string, string>;
  /** One entry per child fd from 0 (at least 3). */
  stdio: ('ignore' | 'pipe')[];
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

class NativeChild extends EventEmitter implements Spawned {
  pid: number | undefined;
  stdio: (Socket | null)[] = [];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.pid === undefined || this.exitCode !== null || this.signalCode !== null) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}


export function spawnHelper(file: string, args: string[], opts: HelperOptions): Spawned {
  const sys = nativeSys();
  if (!sys?.spawn || !sys.socketpair) return nodeSpawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: opts.stdio }) as unknown as Spawned;
  const child = new NativeChild();
  const pairs = opts.stdio.map((s) => (s === 'pipe' ? sys.socketpair!() : null));
  const childFds = pairs.map((p) => (p ? p[1] : -1));
  const env = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  try {
    child.pid = sys.spawn(file, [file, ...args], env, opts.cwd, childFds, (code, signal) => {
      if (signal) child.signalCode = signalNames.get(signal) ?? null;
      else child.exitCode = code;
      child.emit('exit', child.exitCode, child.signalCode);
    });
  } catch (e) {
    for (const p of pairs) if (p) { closeSync(p[0]); closeSync(p[1]); }
    child.stdio = opts.stdio.map(() => null);
    process.nextTick(() => child.emit('error', e));
    return child;
  }
  for (const p of pairs) if (p) closeSync(p[1]);
  child.stdio = pairs.map((p) => (p ? new Socket({ fd: p[0], readable: true, writable: true }) : null));
  process.nextTick(() => child.emit('spawn'));
  return child;
}
