/* The native addon (native/*.c, built by scripts/build-native.sh), loaded once; null when it was not built. */
import { createRequire } from 'node:module';

export interface BerthSys {
  /** mount(2) on the calling thread (with a cwd: on a thread of its own, joined at once). */
  mountSync(source: string, target: string, fstype: string, flags: number, data: string | null, cwd: string | null): void;
  umount2(target: string, flags: number): Promise<void>;
  /** An AF_UNIX stream socket pair, both ends close-on-exec. */
  socketpair?(): [number, number];
  /** posix_spawn with fds[i] as the child's fd i (-1: /dev/null); onExit(code, signal) once it ends. */
  spawn?(file: string, argv: string[], env: string[], cwd: string, fds: number[], onExit: (code: number, signal: number) => void): number;
}

let loaded: BerthSys | null | undefined;

/** Tests: force the spawn fallback (false) or the addon (true, when built). */
export function preferNative(on: boolean): void {
  loaded = on ? undefined : null;
}

/** The addon, or null when it was not built (or BERTH_NO_NATIVE is set). */
export function nativeSys(): BerthSys | null {
  if (loaded === undefined) {
    loaded = null;
    if (!process.env.BERTH_NO_NATIVE) {
      try {
        loaded = createRequire(import.meta.url)('../native/berth_sys.node') as BerthSys;
      } catch { /* not built: spawn mount(8) and umount(8) */ }
    }
  }
  return loaded;
}

