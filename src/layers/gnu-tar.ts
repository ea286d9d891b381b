import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { drainedOrClosed } from '../core/streams.ts';

/**
 * GNU tar flags for layer extraction: numeric ids, exact modes (setuid
 * included: no --no-same-permissions), ownership, every xattr namespace
 * (security.capability, trusted.*, user.*), reading a pipe as full records.
 * Never -P/--absolute-names: tar then strips leading "/" and "../",
 * refuses hard links that climb out, and creates symlinks that point
 * outside (absolute or with "..") only after everything else is written.
 */
export const TAR_EXTRACT_FLAGS = [
  '-x', '-f', '-', '--numeric-owner', '-p', '--same-owner', '--xattrs', '--xattrs-include=*', '-B', '-b', '2048',
] as const;

export interface TarExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error: Error | null;
  stderr: string;
}

/** A running `tar -x` fed through stdin. */
export class TarExtractor {
  readonly exited: Promise<TarExit>;
  /** Set once kill() stopped a running tar. */
  killed = false;
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private stdinError: Error | null = null;

  constructor(dir: string) {
    this.child = spawn('tar', [...TAR_EXTRACT_FLAGS, '-C', dir], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    this.child.stdout.resume();
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-4096);
    });
    this.child.stdin.on('error', (e) => { this.stdinError ??= e; });
    this.exited = new Promise((resolve) => {
      let error: Error | null = null;
      this.child.on('error', (e) => { error = e; });
      this.child.on('close', (code, signal) => resolve({ code, signal, error, stderr: this.stderr.trim() }));
    });
  }

  /** Write to tar's stdin, waiting while the pipe is full. */
  async write(buf: Buffer): Promise<void> {
    const stdin = this.child.stdin;
    if (this.stdinError || stdin.destroyed) throw this.stopped();
    if (stdin.write(buf)) return;
    await drainedOrClosed(stdin).catch(() => undefined); // 'error' on stdin: reported below
    if (this.stdinError || stdin.destroyed) throw this.stopped();
  }

  end(): void {
    this.child.stdin.end();
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.killed = true;
      this.child.kill('SIGKILL');
    }
  }

  private stopped(): Error {
    return new Error(`tar stopped reading the layer${this.stdinError ? `: ${this.stdinError.message}` : ''}`);
  }
}
