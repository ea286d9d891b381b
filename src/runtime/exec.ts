/*
 * Exec sessions: conmon -e --exec-process-spec with the session's own
 * directory (-b, where its attach socket and ctl fifo appear) and exit
 * directory. An attached session adds --exec-attach: conmon reports on
 * _OCI_ATTACHPIPE when its attach socket is up and waits for a second start
 * byte, so no output is lost. Exit codes come on the sync pipe.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import type { AttachStreams, ExecOptions, ExitStatus } from '../core/runtime/types.ts';
import { connectAttach, resizeTerminal } from './attach.ts';
import { spawnConmon } from './conmon.ts';
import { readExitFile } from './exit.ts';
import { nowNs, rfc3339Nano } from '../core/time.ts';
import type { HostFacts } from './host.ts';
import { specJson, type OciProcess, type OciSpec } from './oci-types.ts';
import { containerCapabilities } from './spec.ts';

export interface ExecContext {
  runcPath: string;
  runcRoot: string;
  conmonPath?: string;
  /** Parent of the sessions' directories. */
  sessionsDir: string;
  host: HostFacts;
  beforeGo?: (pid: number) => Promise<void>;
}

export interface ExecHandle {
  pid: number;
  streams?: AttachStreams;
  wait(): Promise<ExitStatus>;
  resize?(rows: number, cols: number): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** How long wait() lets the attach stream drain after the exit code arrived. */
const DRAIN_MS = 2000;

/** The exec process spec: the container's process with the exec's command, env (whole, as the caller built it), cwd, user and tty. */
export function execProcess(base: OciProcess, opts: ExecOptions, host: HostFacts): OciProcess {
  const p: OciProcess = {
    ...base,
    args: [...opts.args],
    env: [...opts.env],
    cwd: opts.cwd || base.cwd || '/',
    user: { uid: opts.user.uid, gid: opts.user.gid, additionalGids: [...opts.user.additionalGids] },
    terminal: opts.tty,
  };
  delete p.consoleSize;
  if (opts.privileged) {
    const caps = containerCapabilities({ privileged: true, capAdd: [], capDrop: [] }, host);
    p.capabilities = { bounding: caps, effective: [...caps], permitted: [...caps] };
  }
  return p;
}

export async function startExec(ctx: ExecContext, opts: ExecOptions, bundle: string, attach: boolean): Promise<ExecHandle> {
  if (!SAFE_ID.test(opts.execId)) throw new InvalidParameterError(`invalid exec id ${JSON.stringify(opts.execId)}`);
  if (!opts.args.length) throw new InvalidParameterError('No exec command specified');
  let spec: OciSpec;
  try {
    spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as OciSpec;
  } catch (e) {
    throw new NotFoundError(`container ${opts.id} has no runtime spec: ${(e as Error).message}`, { cause: e });
  }
  const dir = join(ctx.sessionsDir, opts.execId);
  const exitDir = join(dir, 'exits');
  await rm(dir, { recursive: true, force: true });
  await mkdir(exitDir, { recursive: true, mode: 0o700 });
  const processFile = join(dir, 'process.json');
  await writeFile(processFile, specJson(execProcess(spec.process, opts, ctx.host)));
  let streams: AttachStreams | undefined;
  let started;
  try {
    started = await spawnConmon({
      conmonPath: ctx.conmonPath, runcPath: ctx.runcPath, runcRoot: ctx.runcRoot,
      id: opts.id, uuid: opts.execId, name: opts.execId, bundle: dir, pidFile: join(dir, 'pid'),
      exitDir, tty: opts.tty, stdin: attach && opts.openStdin,
      exec: { processSpec: processFile, attach },
      beforeGo: ctx.beforeGo,
      onAttachReady: async () => { streams = await connectAttach(dir); },
    });
  } catch (e) {
    streams?.close();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const { pid, sync } = started;
  const closed = new Promise<void>((resolve) => (streams ? streams.onClose(resolve) : resolve()));
  const exited = (async (): Promise<ExitStatus> => {
    const m = await sync.next();
    sync.close();
    let exitCode = m && m.data >= 0 ? m.data : null;
    let finishedNs = nowNs();
    if (exitCode === null) {
      const rec = await readExitFile(join(exitDir, opts.id)).catch(() => null);
      exitCode = rec?.exitCode ?? 255;
      if (rec) finishedNs = rec.finishedNs;
    }
    await Promise.race([closed, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    return { exitCode, oomKilled: false, finishedAt: rfc3339Nano(finishedNs) };
  })();
  exited.catch(() => undefined);
  const handle: ExecHandle = { pid, wait: () => exited };
  if (streams) handle.streams = streams;
  if (opts.tty) handle.resize = (rows, cols) => resizeTerminal(dir, rows, cols);
  return handle;
}
