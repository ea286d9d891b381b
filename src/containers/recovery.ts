import type { ContainerRecord } from '../core/containers/types.ts';
import type { ContainerService } from './service.ts';
import { nowRfc3339Nano } from '../core/time.ts';

/**
 * dockerd's restore: a stopped container that has run before starts again when a fresh restart
 * manager would restart it. A manual stop holds back unless-stopped only (always comes back, as
 * Docker documents); on-failure by its last exit code and the restarts it has had.
 */
export function restartsAtDaemonStart(c: ContainerRecord): boolean {
  if (c.state.Running || !c.hasBeenStarted) return false;
  const rp = c.hostConfig.RestartPolicy ?? { Name: 'no' };
  if (rp.Name === 'always') return true;
  if (rp.Name === 'unless-stopped') return !c.hasBeenManuallyStopped;
  if (rp.Name === 'on-failure') return c.state.ExitCode !== 0 && (!rp.MaximumRetryCount || c.restartCount < rp.MaximumRetryCount);
  return false;
}

/**
 * Daemon start: adopt containers that kept running (live restore), record
 * exits that happened while the daemon was down, apply restart policies.
 */
export async function recoverContainers(svc: ContainerService): Promise<void> {
  const { db, runtime, log } = svc.d;
  for (const c of db.all()) {
    if (!c.state.Running && !c.state.Restarting) continue;
    const exit = await runtime.exitStatus(c.id, c.bundle).catch(() => null);
    const st = exit ? null : await runtime.state(c.id).catch(() => null);
    if (st && (st.status === 'running' || st.status === 'paused')) {
      log.info(`container ${c.id.slice(0, 12)} still running: adopted`);
      svc.life.watch(c);
      svc.monitor(c);
      continue;
    }
    await svc.life.onExit(c, exit ?? { exitCode: 255, oomKilled: false, finishedAt: nowRfc3339Nano() });
  }
  for (const c of db.all()) {
    if (restartsAtDaemonStart(c)) {
      await svc.life.start(c).catch((e) => log.warn(`restart of ${c.id.slice(0, 12)} at start-up failed: ${(e as Error).message}`));
    }
  }
}

/** Daemon stop without live-restore: stop every running container as dockerd does. */
export async function stopAllContainers(svc: ContainerService): Promise<void> {
  const running = svc.d.db.all().filter((c) => c.state.Running);
  await Promise.all(running.map(async (c) => {
    const keep = c.hasBeenManuallyStopped;
    await svc.life.stop(c, c.config.StopTimeout ?? 10, c.config.StopSignal || 'SIGTERM').catch(() => undefined);
    // A daemon shutdown is not a manual stop: restart policies apply at the next start.
    c.hasBeenManuallyStopped = keep;
    svc.d.db.save(c);
  }));
}
