/*
 * Spawning conmon, the per-container monitor (DESIGN.md section 3):
 * env _OCI_SYNCPIPE=3 _OCI_STARTPIPE=4 (and _OCI_ATTACHPIPE=5 for an attached
 * exec), cwd = the bundle; one byte on the start pipe lets it go on (after
 * the caller moved it into its cgroup); it daemonizes, runs `runc create` (or
 * `runc exec`) and answers {"data": PID} or {"data": -1, "message": ...} on
 * the sync pipe. An exec session later sends {"data": EXIT_CODE} there too.
 */
import type { Socket } from 'node:net';
import { SystemError } from '../core/errors.ts';
import { spawnHelper } from '../host/spawn.ts';
import { runcMessage } from './runc.ts';

export const CONMON_PATH = '/usr/bin/conmon';
const CONMON_ENV_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ConmonOptions {
  conmonPath?: string;
  runcPath: string;
  runcRoot: string;
  id: string;
  /** conmon's -u: the container id, or the exec id for an exec session. */
  uuid: string;
  name: string;
  /** -b: where conmon puts attach, ctl and winsz (the bundle, or the exec session's directory). */
  bundle: string;
  pidFile: string;
  conmonPidFile?: string;
  exitDir: string;
  persistDir?: string;
  /** k8s-file log path; omitted for exec sessions (their output is not logged). */
  logPath?: string;
  tty: boolean;
  stdin: boolean;
  /** runc manages the container's cgroup through systemd (cgroupsPath is slice:prefix:name). */
  systemdCgroup?: boolean;
  /** Keep the process's stdin open when an attached client leaves (--leave-stdin-open). */
  leaveStdinOpen?: boolean;
  exec?: { processSpec: string; attach: boolean };
  /** Called with conmon's pid before it may go on (to move it into its own cgroup). */
  beforeGo?: (pid: number) => Promise<void>;
  /** conmon goes on once this resolves (the bundle's config.json is written); its rejection is spawnConmon's. */
  ready?: Promise<unknown>;
  /** Attached exec: called once the attach socket exists, before runc exec runs. */
  onAttachReady?: () => Promise<void>;
  timeoutMs?: number;
}

export interface SyncMessage { data: number; message?: string }

/** A running conmon's sync pipe, delivering its messages in order. */
export class SyncPipe {
  private readonly sock: Socket;
  private buf = '';
  private readonly queue: SyncMessage[] = [];
  private waiters: { resolve: (m: SyncMessage | null) => void }[] = [];
  private ended = false;

  constructor(sock: Socket) {
    this.sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        try {
          this.push(JSON.parse(line) as SyncMessage);
        } catch {
          this.push({ data: -1, message: `conmon sent an unreadable message: ${line}` });
        }
      }
    });
    const end = (): void => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w.resolve(null);
    };
    sock.on('end', end);
    sock.on('close', end);
    sock.on('error', end);
  }

  private push(m: SyncMessage): void {
    const w = this.waiters.shift();
    if (w) w.resolve(m);
    else this.queue.push(m);
  }

  /** The next message, or null when conmon closed the pipe first. */
  next(): Promise<SyncMessage | null> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push({ resolve }));
  }

  close(): void {
    this.sock.destroy();
  }
}

function conmonArgs(o: ConmonOptions): string[] {
  const a = ['--api-version', '1', '-c', o.id, '-u', o.uuid, '-n', o.name, '-r', o.runcPath,
    '--runtime-arg', '--root', '--runtime-arg', o.runcRoot, '-b', o.bundle, '-p', o.pidFile,
    '--exit-dir', o.exitDir, '--full-attach', '--log-level', 'error'];
  if (o.systemdCgroup) a.push('--systemd-cgroup', '--runtime-arg', '--systemd-cgroup');
  if (o.conmonPidFile) a.push('-P', o.conmonPidFile);
  if (o.persistDir) a.push('--persist-dir', o.persistDir);
  a.push('-l', o.logPath ? `k8s-file:${o.logPath}` : 'none');
  if (o.tty) a.push('-t');
  if (o.stdin) a.push('-i');
  if (o.stdin && o.leaveStdinOpen) a.push('--leave-stdin-open');
  if (o.exec) {
    a.push('-e', '--exec-process-spec', o.exec.processSpec);
    if (o.exec.attach) a.push('--exec-attach');
  }
  return a;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SystemError(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Spawn conmon and wait until the container (or exec) process exists.
 * Returns its pid and the sync pipe (an exec session's exit code comes there).
 */
/* dockerd's (containerd's) wording around runc's own message, which the docker CLI reads for run's exit code */
const CREATE_FAILED = 'failed to create task for container: failed to create shim task: OCI runtime create failed';
const EXEC_FAILED = 'OCI runtime exec failed';

export async function spawnConmon(o: ConmonOptions): Promise<{ pid: number; sync: SyncPipe }> {
  const attach = Boolean(o.exec?.attach);
  const env: Record<string, string> = { PATH: CONMON_ENV_PATH, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' };
  if (attach) env._OCI_ATTACHPIPE = '5';
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'];
  if (attach) stdio.push('pipe');
  // posix_spawn through the addon when built: no fork() of the daemon on the start path
  const child = spawnHelper(o.conmonPath ?? CONMON_PATH, conmonArgs(o), { cwd: o.bundle, env, stdio });
  const spawnError = new Promise<never>((_, reject) => child.once('error', (e: Error) => reject(new SystemError(`cannot run conmon: ${e.message}`, { cause: e }))));
  spawnError.catch(() => undefined);
  if (child.pid === undefined) await spawnError;
  const fds = child.stdio as Socket[];
  let output = '';
  fds[1].on('data', (d: Buffer) => { output += d.toString(); });
  fds[2].on('data', (d: Buffer) => { output += d.toString(); });
  const sync = new SyncPipe(fds[3]);
  const start = fds[4];
  const attachPipe = attach ? new SyncPipe(fds[5]) : null;
  const cleanup = (): void => {
    start.destroy();
    attachPipe?.close();
    fds[1].destroy();
    fds[2].destroy();
  };
  const failed = async (what: string, m: SyncMessage | null): Promise<never> => {
    // conmon's own complaints (bad options) arrive on its stdout/stderr before it exits
    if (!m && child.exitCode === null && child.signalCode === null) await new Promise((r) => { child.once('exit', r); setTimeout(r, 1000); });
    const detail = m?.message ? runcMessage(m.message) || m.message : output.trim() || 'conmon exited without an answer';
    sync.close();
    throw new SystemError(`${what}: ${detail}: unknown`);
  };
  try {
    const go = async (): Promise<{ pid: number; sync: SyncPipe }> => {
      await Promise.all([o.beforeGo?.(child.pid!), o.ready]);
      start.write('0');
      if (attachPipe) {
        const ready = await attachPipe.next();
        if (!ready || ready.data < 0) return failed(EXEC_FAILED, ready);
        await o.onAttachReady?.();
        start.write('1');
      }
      const m = await sync.next();
      if (!m || m.data <= 0) return failed(o.exec ? EXEC_FAILED : CREATE_FAILED, m);
      return { pid: m.data, sync };
    };
    return await withTimeout(Promise.race([go(), spawnError]), o.timeoutMs ?? 60_000, 'conmon');
  } catch (e) {
    sync.close();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw e;
  } finally {
    cleanup();
  }
}
