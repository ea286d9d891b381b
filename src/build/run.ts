/*
 * Build containers: created from a step's image through the container
 * service (so they show in `ps -a` and events, as dockerd's), run with
 * their output streamed to the build, killed when the client goes away,
 * removed afterwards.
 */
import type { ContainerConfig, ContainerRecord, HostConfig } from '../core/containers/types.ts';
import type { ContainerService } from '../containers/service.ts';

export class BuildContainers {
  readonly svc: ContainerService;
  private readonly live = new Set<string>();

  constructor(svc: ContainerService) {
    this.svc = svc;
  }

  async create(config: Partial<ContainerConfig>, host: HostConfig): Promise<ContainerRecord> {
    const { id } = await this.svc.create(undefined, config, host);
    this.live.add(id);
    return this.svc.get(id);
  }

  /** Start, stream output, wait; answers the exit code. */
  async run(c: ContainerRecord, out: (data: Buffer) => void, signal: AbortSignal): Promise<number> {
    const ac = new AbortController();
    const onAbort = (): void => { ac.abort(); void this.svc.kill(c.id, 'SIGKILL').catch(() => undefined); };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const { streams } = await this.svc.attach(c.id, ac.signal);
      const exited = this.svc.wait(c.id, 'next-exit', ac.signal);
      exited.catch(() => undefined);
      let closed: Promise<void> = Promise.resolve();
      const attached = streams.then((s) => {
        closed = new Promise<void>((resolve) => s.onClose(resolve));
        s.onOutput((_k, d) => out(d));
        return s;
      });
      attached.catch(() => undefined);
      await this.svc.start(c.id);
      const s = await attached;
      const { StatusCode } = await exited;
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
      s.close();
      if (signal.aborted) throw new Error('Build cancelled');
      return StatusCode;
    } finally {
      signal.removeEventListener('abort', onAbort);
      ac.abort(); // drops the attach and wait registrations (a start that failed leaves them pending)
    }
  }

  async remove(id: string): Promise<void> {
    this.live.delete(id);
    await this.svc.remove(id, { force: true, volumes: true }).catch(() => undefined);
  }

  /** Remove every container this build still holds. */
  async removeAll(): Promise<void> {
    for (const id of [...this.live]) await this.remove(id);
  }

  /** Forget a container (kept after a failure, as dockerd without --force-rm). */
  keep(id: string): void {
    this.live.delete(id);
  }
}
