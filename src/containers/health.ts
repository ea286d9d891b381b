import { randomBytes } from 'node:crypto';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { ContainerService } from './service.ts';
import { resolveUser } from './users.ts';
import { execEnv } from './exec-env.ts';
import { linkSetup } from './links.ts';
import { goDurationString } from '../core/duration.ts';
import { nowRfc3339Nano } from '../core/time.ts';

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

const MAX_OUTPUT = 4096;

function durationMs(ns: number | undefined, dflt: number): number {
  return ns && ns > 0 ? ns / 1e6 : dflt;
}

/**
 * dockerd's (25+) probe interval: the start interval (5 s unless set) while the container is
 * starting within its start period, else the interval (30 s unless set).
 */
export function healthInterval(hc: { Interval?: number; StartInterval?: number; StartPeriod?: number } | undefined, status: HealthState['Status'], elapsedMs: number): number {
  if (status === 'starting' && elapsedMs < durationMs(hc?.StartPeriod, 0)) return durationMs(hc?.StartInterval, 5_000);
  return durationMs(hc?.Interval, 30_000);
}

/** Runs a container's HEALTHCHECK as dockerd does, while the container runs. */
export class HealthMonitor {
  private readonly svc: ContainerService;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(svc: ContainerService) {
    this.svc = svc;
  }

  start(c: ContainerRecord): void {
    const hc = c.config.Healthcheck;
    const test = hc?.Test ?? [];
    if (!test.length || test[0] === 'NONE') return;
    // as dockerd's initHealthMonitor: starting again, the log of earlier runs kept
    const old = (c.state as unknown as { Health?: HealthState }).Health;
    const health: HealthState = { Status: 'starting', FailingStreak: 0, Log: old?.Log ?? [] };
    (c.state as unknown as { Health?: HealthState }).Health = health;
    this.svc.d.db.save(c);
    const startedAt = Date.now();
    const next = (): number => healthInterval(hc, health.Status, Date.now() - startedAt);
    const tick = async (): Promise<void> => {
      if (!c.state.Running || c.state.Restarting || !this.svc.d.db.byId(c.id)) return this.stop(c.id);
      if (!c.state.Paused) await this.probe(c, health, startedAt);
      this.timers.set(c.id, setTimeout(() => void tick(), next()).unref());
    };
    this.timers.set(c.id, setTimeout(() => void tick(), next()).unref());
  }

  stop(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  private async probe(c: ContainerRecord, h: HealthState, startedAt: number): Promise<void> {
    const hc = c.config.Healthcheck!;
    const test = hc.Test!;
    // dockerd's cmdProbe: CMD-SHELL runs the container's Shell (default /bin/sh -c) with the rest as its arguments
    const own = (c.config as { Shell?: string[] }).Shell;
    const shell = own?.length ? own : ['/bin/sh', '-c'];
    const args = test[0] === 'CMD-SHELL' ? [...shell, ...test.slice(1)] : test.slice(1);
    const timeout = durationMs(hc.Timeout, 30_000);
    const retries = hc.Retries && hc.Retries > 0 ? hc.Retries : 3;
    const start = nowRfc3339Nano();
    let exitCode = -1;
    let output = '';
    try {
      const user = await resolveUser(`${c.rwDir}/merged`, c.config.User);
      // a probe is an exec as any other for dockerd: exec_create, exec_start and exec_die events with its execID
      const execId = randomBytes(32).toString('hex');
      const action = `${args[0]} ${args.slice(1).join(' ')}`;
      const attrs = (): Record<string, string> => ({ ...this.svc.life.attrs(this.svc.d.db.byId(c.id) ?? c), execID: execId });
      this.svc.d.events.publish('container', `exec_create: ${action}`, c.id, attrs());
      const handle = await this.svc.d.runtime.exec({
        id: c.id, execId, args, env: execEnv(c, user, false, [], linkSetup(this.svc.d.db, this.svc.d.network, c).env), cwd: c.config.WorkingDir || '/',
        user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids }, tty: false, openStdin: false, privileged: false,
      }, c.bundle, true);
      this.svc.d.events.publish('container', `exec_start: ${action}`, c.id, attrs());
      const exited = handle.wait().then((st) => {
        this.svc.d.events.publish('container', 'exec_die', c.id, { ...attrs(), exitCode: String(st.exitCode) });
        return st;
      });
      // dockerd keeps the first 4096 bytes and marks a cut with "..."
      handle.streams?.onOutput((_s, d) => { if (output.length <= MAX_OUTPUT) output += d.toString('utf8'); });
      const res = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), timeout).unref())]);
      if (res === null) {
        // as dockerd: the probe that ran too long is killed, and waited for
        try {
          process.kill(handle.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited.catch(() => undefined);
        output = `Health check exceeded timeout (${goDurationString(timeout * 1e6)})`;
      } else exitCode = res.exitCode;
    } catch (e) {
      output = (e as Error).message;
    }
    h.Log.push({ Start: start, End: nowRfc3339Nano(), ExitCode: exitCode, Output: output.length > MAX_OUTPUT ? `${output.slice(0, MAX_OUTPUT)}...` : output });
    if (h.Log.length > 5) h.Log.shift();
    const before = h.Status;
    // failures in the start period do not count while the container has never been healthy
    const inStartPeriod = h.Status === 'starting' && Date.parse(start) - startedAt < durationMs(hc.StartPeriod, 0);
    if (exitCode === 0) {
      h.FailingStreak = 0;
      h.Status = 'healthy';
    } else if (!inStartPeriod) {
      h.FailingStreak++;
      if (h.FailingStreak >= retries) h.Status = 'unhealthy';
    }
    this.svc.d.db.save(c);
    if (h.Status !== before) {
      this.svc.d.events.publish('container', `health_status: ${h.Status}`, c.id, this.svc.life.attrs(c));
    }
  }
}
