import type { Socket } from 'node:net';
import { errorMessage, InvalidParameterError } from '../../core/errors.ts';
import type { ExecBackend } from '../../core/containers/types.ts';
import { frame, hijack } from '../hijack.ts';
import { qInt, readJson, sendJson, type Req } from '../http.ts';
import type { Route } from '../router.ts';
import { detachKeys } from './containers.ts';

/** The body of an upgraded request arrives on the raw socket after the headers. */
async function upgradeBody(r: Req): Promise<Record<string, unknown> | undefined> {
  const upgraded = !!r.raw.headers.upgrade;
  if (!upgraded) return readJson<Record<string, unknown>>(r.raw);
  const len = Number(r.raw.headers['content-length'] ?? 0);
  if (!len) return undefined;
  const socket = r.raw.socket as Socket;
  const chunks: Buffer[] = [];
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      const need = len - got;
      if (d.length > need) {
        socket.pause();
        socket.unshift(d.subarray(need));
        d = d.subarray(0, need);
      }
      chunks.push(d);
      got += d.length;
      if (got >= len) {
        // Hold client input until the exec's stdin is wired up.
        socket.pause();
        socket.off('data', onData);
        socket.off('error', reject);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new InvalidParameterError(`invalid JSON: ${(e as Error).message}`);
  }
}

/** POST /containers/{id}/exec, /exec/{id}/start|resize|json. */
export function execRoutes(x: ExecBackend): Route[] {
  const start = async (r: Req): Promise<void> => {
    const body = (await upgradeBody(r)) ?? {};
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
      if (inputEnded) s.closeStdin();
      else h.in.on('end', () => s.closeStdin());
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
    { method: 'POST', path: '/containers/{id}/exec', handler: async (r) => sendJson(r.res, 201, { Id: await x.create(r.params[0], (await readJson(r.raw)) ?? {}) }) },
    { method: 'POST', path: '/exec/{id}/start', handler: start },
    { method: 'POST', path: '/exec/{id}/resize', handler: async (r) => { await x.resize(r.params[0], qInt(r.query, 'h', 0), qInt(r.query, 'w', 0)); sendJson(r.res, 200, {}); } },
    { method: 'GET', path: '/exec/{id}/json', handler: inspect },
  ];
}
