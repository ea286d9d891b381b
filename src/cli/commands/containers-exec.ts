/** `attach` and `exec`: hijacked streams into a running container. */
import { DaemonConnectError } from '../client/errors.ts';
import { hijack } from '../client/hijack.ts';
import { StatusError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { readEnv, validateEnv } from './containers-parse.ts';
import {
  beginWait, checkTty, containerPath, detachKeysFor, inspectContainer, type ContainerJson,
} from './containers-shared.ts';
import { forwardSignals, monitorTtySize, streamHijacked, ttySize } from './containers-stream.ts';
import { isTerminal, pathEscape } from './shared.ts';

// ---- attach ----

function checkState(c: ContainerJson): void {
  if (c.State?.Running !== true) throw new Error('You cannot attach to a stopped container, start it first');
  if (c.State.Paused === true) throw new Error('You cannot attach to a paused container, unpause it first');
  if (c.State.Restarting === true) throw new Error('You cannot attach to a restarting container, wait until it is running');
}

async function runAttach(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const ref = p.args[0];
  const wait = await beginWait(ctx, ref);
  const c = await inspectContainer(ctx, ref);
  checkState(c);
  const tty = c.Config?.Tty === true;
  const noStdin = p.flags['no-stdin'] === true;
  checkTty(ctx, !noStdin, tty);
  const detachKeys = detachKeysFor(ctx, p.flags['detach-keys'] as string);
  const stdin = !noStdin && c.Config?.OpenStdin === true;
  const undoSignals = p.flags['sig-proxy'] === true && !tty
    ? forwardSignals((signal) => ctx.client.request('POST', containerPath(ref, '/kill'), { query: { signal } }))
    : () => undefined;
  let undoResize = (): void => undefined;
  try {
    const conn = await hijack(ctx.client, 'POST', containerPath(ref, '/attach'), {
      query: { stream: true, stdin: stdin || undefined, stdout: true, stderr: true, detachKeys: detachKeys || undefined },
    });
    try {
      checkState(await inspectContainer(ctx, ref));
    } catch (e) {
      conn.destroy();
      throw e;
    }
    if (tty && isTerminal(ctx.stdout)) {
      const resize = (h: number, w: number) => ctx.client.request('POST', containerPath(ref, '/resize'), { query: { h, w } });
      const [h, w] = ttySize(ctx.stdout);
      await resize(h + 1, w + 1).catch(() => undefined);
      undoResize = monitorTtySize(ctx.stdout, ctx.stderr, resize);
    }
    await streamHijacked({ conn, tty, detachKeys, warn: ctx.stderr, stdin: stdin ? ctx.stdin : undefined, stdout: ctx.stdout, stderr: ctx.stderr });
  } finally {
    undoResize();
    undoSignals();
  }
  const r = await wait.result;
  if (r.error !== undefined) throw new Error(r.error);
  return r.status;
}

export function attachCommand(): Command {
  return {
    name: 'attach', usage: '[OPTIONS] CONTAINER', short: 'Attach local standard input, output, and error streams to a running container',
    aliasesHelp: ['container attach', 'attach'], args: { exact: 1 }, run: runAttach,
    flags: [
      { name: 'detach-keys', kind: 'string', description: 'Override the key sequence for detaching a container' },
      { name: 'no-stdin', kind: 'bool', description: 'Do not attach STDIN' },
      { name: 'sig-proxy', kind: 'bool', default: true, description: 'Proxy all received signals to the process' },
    ],
  };
}

// ---- exec ----

/** parseExec: the body of POST /containers/{id}/exec, in the docker CLI's field order. */
export function execConfig(ctx: CommandContext, p: ParsedArgs): Record<string, unknown> {
  const detach = p.flags.detach === true;
  const tty = p.flags.tty === true;
  const env = readEnv(p.flags['env-file'] as string[], p.flags.env as string[], ctx.env);
  return {
    User: p.flags.user as string,
    Privileged: p.flags.privileged === true,
    Tty: tty,
    ...(tty ? { ConsoleSize: ttySize(ctx.stdout) } : {}),
    AttachStdin: !detach && p.flags.interactive === true,
    AttachStderr: !detach,
    AttachStdout: !detach,
    Detach: detach,
    DetachKeys: detachKeysFor(ctx, p.flags['detach-keys'] as string),
    Env: env.length > 0 ? env : null,
    WorkingDir: p.flags.workdir as string,
    Cmd: p.args.slice(1),
  };
}

async function runExec(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const container = p.args[0];
  const config = execConfig(ctx, p);
  await inspectContainer(ctx, container);
  const tty = config.Tty === true;
  if (config.Detach !== true) checkTty(ctx, config.AttachStdin === true, tty);
  const created = await ctx.client.json<{ Id?: string }>('POST', containerPath(container, '/exec'), { body: config });
  const execId = created?.Id ?? '';
  if (execId === '') throw new Error('exec ID empty');
  const startBody = { Detach: config.Detach, Tty: tty, ...(tty ? { ConsoleSize: config.ConsoleSize } : {}) };
  const execPath = `/exec/${pathEscape(execId)}`;
  if (config.Detach === true) {
    await ctx.client.request('POST', `${execPath}/start`, { body: startBody });
    return 0;
  }
  const conn = await hijack(ctx.client, 'POST', `${execPath}/start`, { body: startBody });
  const streamed = streamHijacked({
    conn, tty, detachKeys: String(config.DetachKeys), warn: ctx.stderr,
    stdin: config.AttachStdin === true ? ctx.stdin : undefined,
    stdout: ctx.stdout, stderr: tty ? ctx.stdout : ctx.stderr,
  });
  streamed.catch(() => undefined);
  let undoResize = (): void => undefined;
  if (tty && isTerminal(ctx.stdin)) {
    undoResize = monitorTtySize(ctx.stdout, ctx.stderr, (h, w) => ctx.client.request('POST', `${execPath}/resize`, { query: { h, w } }));
  }
  try {
    await streamed;
  } finally {
    undoResize();
  }
  try {
    const info = await ctx.client.json<{ ExitCode?: number | null }>('GET', `${execPath}/json`);
    return info?.ExitCode ?? 0;
  } catch (e) {
    // The daemon went away: docker exits with -1 (255).
    if (e instanceof DaemonConnectError) throw new StatusError(255);
    throw e;
  }
}

export function execCommand(): Command {
  return {
    name: 'exec', usage: '[OPTIONS] CONTAINER COMMAND [ARG...]', short: 'Execute a command in a running container',
    aliasesHelp: ['container exec', 'exec'], group: 'common', args: { min: 2 }, interspersed: false, run: runExec,
    flags: [
      { name: 'detach', short: 'd', kind: 'bool', description: 'Detached mode: run command in the background' },
      { name: 'detach-keys', kind: 'string', description: 'Override the key sequence for detaching a container' },
      { name: 'env', short: 'e', kind: 'list', description: 'Set environment variables', validate: validateEnv },
      { name: 'env-file', kind: 'list', description: 'Read in a file of environment variables' },
      { name: 'interactive', short: 'i', kind: 'bool', description: 'Keep STDIN open even if not attached' },
      { name: 'privileged', kind: 'bool', description: 'Give extended privileges to the command' },
      { name: 'tty', short: 't', kind: 'bool', description: 'Allocate a pseudo-TTY' },
      { name: 'user', short: 'u', kind: 'string', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
      { name: 'workdir', short: 'w', kind: 'string', description: 'Working directory inside the container' },
    ],
  };
}
