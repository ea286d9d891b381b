import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ConflictError, errorMessage, InvalidParameterError, NotFoundError, SystemError } from '../core/errors.ts';
import { detachKeyBytes } from '../core/containers/detach-keys.ts';
import type { AttachStreams, ContainerRuntime } from '../core/runtime/types.ts';
import type { ExecBackend, ExecRecord } from '../core/containers/types.ts';
import type { ContainerService } from './service.ts';
import { resolveUser } from './users.ts';
import { execEnv } from './exec-env.ts';
import { linkSetup } from './links.ts';
import { restartingError } from './restart-manager.ts';

/** Exec sessions of running containers (kept in memory, as dockerd does). */
/** dockerd's action text: the entrypoint, a space, the arguments ("true " for a bare command). */
const execAction = (cmd: string[]): string => `${cmd[0]} ${cmd.slice(1).join(' ')}`;

export class ExecManager implements ExecBackend {
  private readonly svc: ContainerService;
  private readonly execs = new Map<string, ExecRecord>();
  private readonly resizers = new Map<string, (rows: number, cols: number) => Promise<void>>();

  constructor(svc: ContainerService) {
    this.svc = svc;
  }

  async create(container: string, body: Parameters<ExecBackend['create']>[1]): Promise<string> {
    const c = this.svc.d.db.resolve(container);
    if (!c.state.Running) throw new ConflictError(`Container ${c.id} is not running`);
    if (c.state.Paused) throw new ConflictError(`Container ${container} is paused, unpause the container before exec`);
    if (c.state.Restarting) throw restartingError(c);
    if (!body.Cmd || body.Cmd.length === 0) throw new InvalidParameterError('No exec command specified');
    // dockerd 28.2+: a user that the container does not know fails the create, not the start
    if (body.User) {
      try {
        await resolveUser(join(c.rwDir, 'merged'), body.User);
      } catch (e) {
        throw new InvalidParameterError(errorMessage(e));
      }
    }
    if (body.DetachKeys && !detachKeyBytes(body.DetachKeys)) throw new SystemError(`Invalid escape keys (${body.DetachKeys}) provided`);
    linkSetup(this.svc.d.db, this.svc.d.network, c); // as dockerd: an exec needs the legacy links' targets running too
    const id = randomBytes(32).toString('hex');
    const rec: ExecRecord = {
      id, containerId: c.id, cmd: body.Cmd, tty: !!body.Tty, attachStdin: !!body.AttachStdin, attachStdout: !!body.AttachStdout,
      attachStderr: !!body.AttachStderr, env: body.Env ?? [], user: body.User || c.config.User, workingDir: body.WorkingDir || c.config.WorkingDir || '/',
      privileged: !!body.Privileged, detachKeys: body.DetachKeys ?? '', running: false, exitCode: null, pid: 0,
    };
    this.sweep();
    this.execs.set(id, rec);
    this.svc.d.runtime.expectStart?.(); // its start comes next
    this.svc.d.events.publish('container', `exec_create: ${execAction(rec.cmd)}`, c.id, { ...this.svc.life.attrs(c), execID: id });
    return id;
  }

  get(execId: string): ExecRecord {
    const e = this.execs.get(execId);
    if (!e) throw new NotFoundError(`No such exec instance: ${execId}`);
    return e;
  }

  async start(execId: string, opts: { detach: boolean; tty?: boolean; consoleSize?: [number, number] }): Promise<{ record: ExecRecord; streams?: AttachStreams; done: Promise<number> }> {
    const rec = this.get(execId);
    if (rec.running || rec.exitCode !== null) throw new ConflictError(`Error: Exec command ${execId} has already run`);
    const c = this.svc.d.db.resolve(rec.containerId);
    if (!c.state.Running) throw new ConflictError(`Container ${c.id} is not running`);
    if (c.state.Restarting) throw restartingError(c);
    const attach = !opts.detach && (rec.attachStdin || rec.attachStdout || rec.attachStderr);
    let handle: Awaited<ReturnType<ContainerRuntime['exec']>>;
    try {
      const user = await resolveUser(join(c.rwDir, 'merged'), rec.user);
      const env = execEnv(c, user, opts.tty ?? rec.tty, rec.env, linkSetup(this.svc.d.db, this.svc.d.network, c).env);
      handle = await this.svc.d.runtime.exec({
        id: c.id, execId, args: rec.cmd, env, cwd: rec.workingDir, user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
        tty: opts.tty ?? rec.tty, openStdin: rec.attachStdin, privileged: rec.privileged,
      }, c.bundle, attach);
    } catch (e) {
      rec.exitCode = 126; // dockerd's code for an exec that could not start
      throw e;
    }
    rec.running = true;
    rec.pid = handle.pid;
    if (handle.resize) this.resizers.set(execId, handle.resize);
    if (opts.consoleSize && handle.resize) await handle.resize(opts.consoleSize[0], opts.consoleSize[1]).catch(() => undefined);
    const attrs = { ...this.svc.life.attrs(c), execID: execId };
    this.svc.d.events.publish('container', `exec_start: ${execAction(rec.cmd)}`, c.id, attrs);
    const done = handle.wait().then((st) => {
      rec.running = false;
      rec.exitCode = st.exitCode;
      this.resizers.delete(execId);
      // attributes as they are now: the container may have been renamed meanwhile
      const now = this.svc.d.db.byId(c.id) ?? c;
      this.svc.d.events.publish('container', 'exec_die', c.id, { ...this.svc.life.attrs(now), execID: execId, exitCode: String(st.exitCode) });
      return st.exitCode;
    });
    return { record: rec, streams: handle.streams, done };
  }

  async resize(execId: string, rows: number, cols: number): Promise<void> {
    this.get(execId);
    const r = this.resizers.get(execId);
    if (r) await r(rows, cols);
  }

  /** Forget the sessions of a removed container. */
  forget(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId && !e.running) this.execs.delete(id);
  }

  /** A container's exec sessions that have not ended (created or running): dockerd's ExecIDs. */
  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId && e.exitCode === null).map((e) => e.id);
  }

  /** Ended sessions stay inspectable while their container exists (as in dockerd); those of removed containers go. */
  private sweep(): void {
    for (const [id, e] of this.execs) if (!e.running && !this.svc.d.db.byId(e.containerId)) this.execs.delete(id);
  }
}
