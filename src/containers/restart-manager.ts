/*
 * Restart policies (dockerd's restartmanager): whether an exit is followed
 * by a restart, the back-off before it (100 ms, doubled up to a minute, back
 * to 100 ms after a run of 10 s or more), and the pending restarts that a
 * stop, kill, rm -f or restart cancels.
 */
import { ConflictError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';

export function nextBackoff(previousMs: number, ranMs: number): number {
  const prev = ranMs >= 10_000 ? 0 : previousMs;
  return prev === 0 ? 100 : Math.min(prev * 2, 60_000);
}

/** dockerd's errContainerIsRestarting. */
export function restartingError(c: ContainerRecord): ConflictError {
  return new ConflictError(`Container ${c.id} is restarting, wait until the container is running`);
}

/** Whether the policy restarts the container after an exit with this code. */
export function shouldRestart(c: ContainerRecord, exitCode: number): boolean {
  const rp = c.hostConfig.RestartPolicy ?? { Name: 'no' };
  if (c.hasBeenManuallyStopped) return false;
  if (rp.Name === 'always' || rp.Name === 'unless-stopped') return true;
  if (rp.Name === 'on-failure') return exitCode !== 0 && (!rp.MaximumRetryCount || c.restartCount < rp.MaximumRetryCount);
  return false;
}

export interface RestartHooks {
  /** Still a container of this daemon (not removed meanwhile). */
  exists(id: string): boolean;
  /** The record changed. */
  save(c: ContainerRecord): void;
  /** The policy's start. */
  start(c: ContainerRecord): Promise<void>;
  /** The restart will not happen: the container stays down with its last exit. */
  stopped(c: ContainerRecord): void;
  warn(msg: string): void;
}

export class RestartManager {
  private readonly h: RestartHooks;
  /** Restarts scheduled: the back-off timer, then the start it runs. */
  private readonly pending = new Map<string, { timer?: NodeJS.Timeout; starting?: Promise<void> }>();
  /** The back-off before each container's next restart (ms). */
  private readonly backoff = new Map<string, number>();

  constructor(hooks: RestartHooks) {
    this.h = hooks;
  }

  /** A start not made by the policy, or a removal: the back-off begins again (dockerd's resetRestartManager). */
  reset(id: string): void {
    this.backoff.delete(id);
  }

  /**
   * dockerd's SetRestarting: a container waiting out its back-off counts as running (Running and
   * Restarting, Pid 0), so stop, kill, rm -f and restart see it; their "exit on next" cancels the restart.
   */
  schedule(c: ContainerRecord, ranMs: number): void {
    c.restartCount++;
    Object.assign(c.state, { Running: true, Restarting: true, Status: 'restarting' });
    this.h.save(c);
    const delay = nextBackoff(this.backoff.get(c.id) ?? 0, ranMs);
    this.backoff.set(c.id, delay);
    const entry: { timer?: NodeJS.Timeout; starting?: Promise<void> } = {};
    this.pending.set(c.id, entry);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (!this.h.exists(c.id) || c.hasBeenManuallyStopped) {
        this.pending.delete(c.id);
        this.h.stopped(c);
        return;
      }
      entry.starting = this.h.start(c).catch((e) => {
        this.h.stopped(c);
        this.h.warn(`restart of ${c.id} failed: ${(e as Error).message}`);
      }).finally(() => {
        if (this.pending.get(c.id) === entry) this.pending.delete(c.id);
      });
    }, delay).unref();
  }

  /**
   * Cancel a pending restart (dockerd's ExitOnNext on a restarting container). True when the
   * container was waiting out its back-off and is now stopped; false when it was not restarting or
   * its restart had already begun (awaited here, so the caller then sees it running or stopped).
   */
  async cancel(c: ContainerRecord): Promise<boolean> {
    const entry = this.pending.get(c.id);
    if (entry?.timer) {
      clearTimeout(entry.timer);
      this.pending.delete(c.id);
      this.h.stopped(c);
      return true;
    }
    if (entry?.starting) {
      await entry.starting;
      return false;
    }
    // a restarting record with no restart behind it (one the daemon did not schedule) stops too
    if (!c.state.Restarting) return false;
    this.h.stopped(c);
    return true;
  }
}
