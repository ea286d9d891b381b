import { errorMessage, InvalidParameterError } from '../../core/errors.ts';
import type { ExecBackend } from '../../core/containers/types.ts';
import { frame, hijack, isUpgrade, upgradeBody } from '../hijack.ts';
import { qInt, readJson, sendJson, type Req } from '../http.ts';
import type { Route } from '../router.ts';
import { detachKeys } from './containers-attach.ts';

/** Exec start's options: after the headers on the raw socket when the request is upgraded. */
async function startBody(r: Req): Promise<Record<string, unknown> | undefined> {
  if (!isUpgrade(r.raw)) return readJson<Record<string, unknown>>(r.raw);
  const body = await upgradeBody(r.raw);
  if (!body.length) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new InvalidParameterError(`invalid JSON: ${(e as Error).message}`);
  }
}

/** POST /containers/{id}/exec, /exec/{id}/start|resize|json. */
export function execRoutes(x: ExecBackend): Route[] {
  const start = async (r: Req): Promise<void> => {
    const body = (await startBody(r)) ?? {};
    const detach = !!body.Detach;
    const rec = x.get(r.params[0]);
    const tty = body.Tty === undefined ? rec.tty : !!body.Tty;
    const size = Array.isArray(body.ConsoleSize) && body.ConsoleSize.length === 2 ? body.ConsoleSize as [number, number] : undefined;
    if (detach) {
      await x.start(r.params[0], { detach, tty, consoleSize: size });
      sendJson(r.res, 200, {});
      return;
    }
    // as dockerd: the connection is taken over first, and a process that cannot
    // start is reported in the stream (the exec's exit code is then 126)
    const h = hijack(r, tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
    // the client's end of input can come while the process starts (stdin at EOF already): note it now
    let inputEnded = !!h.in?.readableEnded;
    h.in?.once('end', () => { inputEnded = true; });
    let res: Awaited<ReturnType<ExecBackend['start']>>;
    try {
      res = await x.start(r.params[0], { detach, tty, consoleSize: size });
    } catch (e) {
      const text = Buffer.from(`${errorMessage(e)}\r\n`);
      h.write(tty ? text : frame(1, text));
      h.close();
      return;
    }
    const s = res.streams;
    if (!s) {
      await res.done.catch(() => undefined);
      h.close();
      return;
    }
    const keys = detachKeys(rec.detachKeys || null);
    let matched = 0;
    s.onOutput((stream, data) => {
      if ((stream === 1 && !rec.attachStdout) || (stream === 2 && !rec.attachStderr)) return;
      h.write(tty ? data : frame(stream, data));
    });
    if (rec.attachStdin && h.in) {
      h.in.on('data', (d: Buffer) => {
        for (let i = 0; i < d.length; i++) {
          matched = d[i] === keys[matched] ? matched + 1 : d[i] === keys[0] ? 1 : 0;
          if (matched === keys.length) { s.close(); h.close(); return; }
        }
        s.writeStdin(d);
      });
      // as dockerd (an exec's stdin always closes with the client's): EOF to the process, or with a TTY the end of the stream
      const inputEnd = (): void => { if (tty) { s.close(); h.close(); } else s.closeStdin(); };
      if (inputEnded) inputEnd();
      else h.in.on('end', inputEnd);
      h.in.resume();
    }
    h.out.on('close', () => s.close());
    h.in?.resume();
    await res.done.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    h.close();
  };

  const inspect = (r: Req): void => {
    const e = x.get(r.params[0]);
    sendJson(r.res, 200, {
      // ExitCode is null until the process ended; user is left out when empty (omitempty), as dockerd sends them
      CanRemove: false, ContainerID: e.containerId, DetachKeys: e.detachKeys, ExitCode: e.exitCode, ID: e.id,
      OpenStderr: e.attachStderr, OpenStdin: e.attachStdin, OpenStdout: e.attachStdout, Running: e.running, Pid: e.pid,
      ProcessConfig: { arguments: e.cmd.slice(1), entrypoint: e.cmd[0], privileged: e.privileged, tty: e.tty, ...(e.user ? { user: e.user } : {}) },
    });
  };

  return [
    { method: 'POST', path: '/containers/{id*}/exec', handler: async (r) => sendJson(r.res, 201, { Id: await x.create(r.params[0], (await readJson(r.raw)) ?? {}) }) },
    { method: 'POST', path: '/exec/{id}/start', handler: start },
    { method: 'POST', path: '/exec/{id}/resize', handler: async (r) => { await x.resize(r.params[0], qInt(r.query, 'h', 0), qInt(r.query, 'w', 0)); sendJson(r.res, 200, {}); } },
    { method: 'GET', path: '/exec/{id}/json', handler: inspect },
  ];
}
