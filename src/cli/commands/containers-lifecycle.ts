/** `start`, `stop`, `restart`, `kill`, `rm`, `pause`, `unpause`, `rename` and `wait`. */
import { ApiError } from '../client/errors.ts';
import { hijack } from '../client/hijack.ts';
import { describeError, StatusError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import {
  beginWait, containerPath, detachKeysFor, exitStatus, forEachContainer, inspectContainer,
} from './containers-shared.ts';
import { EscapeError, forwardSignals, monitorTtySize, streamHijacked } from './containers-stream.ts';
import { isTerminal } from './shared.ts';

// ---- start ----

/** start -a/-i: attach, wait, start, stream; exits with the container's status. */
async function startAttached(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  if (p.args.length > 1) throw new Error('you cannot start and attach multiple containers at once');
  const c = await inspectContainer(ctx, p.args[0]);
  const tty = c.Config?.Tty === true;
  const undoSignals = tty ? () => undefined : forwardSignals((signal) => ctx.client.request('POST', containerPath(c.Id, '/kill'), { query: { signal } }));
  let undoResize = (): void => undefined;
  try {
    const detachKeys = detachKeysFor(ctx, p.flags['detach-keys'] as string);
    const stdin = p.flags.interactive === true && c.Config?.OpenStdin === true;
    const conn = await hijack(ctx.client, 'POST', containerPath(c.Id, '/attach'), {
      query: { stream: true, stdin: stdin || undefined, stdout: true, stderr: true, detachKeys: detachKeys || undefined },
    });
    const streamed = streamHijacked({
      conn, tty, detachKeys, warn: ctx.stderr, stdin: stdin ? ctx.stdin : undefined, stdout: ctx.stdout, stderr: ctx.stderr,
    });
    streamed.catch(() => undefined);
    const autoRemove = c.HostConfig?.AutoRemove === true;
    const wait = await beginWait(ctx, c.Id, autoRemove ? 'removed' : 'next-exit');
    try {
      await ctx.client.request('POST', containerPath(c.Id, '/start'));
    } catch (e) {
      conn.destroy();
      await streamed.catch(() => undefined);
      if (autoRemove) await wait.result;
      throw e;
    }
    if (tty && isTerminal(ctx.stdout)) {
      undoResize = monitorTtySize(ctx.stdout, ctx.stderr, (h, w) => ctx.client.request('POST', containerPath(c.Id, '/resize'), { query: { h, w } }));
    }
    try {
      await streamed;
    } catch (e) {
      if (e instanceof EscapeError) return 0;
      throw e;
    }
    return await exitStatus(ctx, wait);
  } finally {
    undoResize();
    undoSignals();
  }
}

async function runStart(ctx: CommandContext, p: ParsedArgs): Promise<number | void> {
  if (p.flags.attach === true || p.flags.interactive === true) return startAttached(ctx, p);
  const checkpoint = p.flags.checkpoint as string;
  const checkpointDir = p.flags['checkpoint-dir'] as string;
  for (const flag of ['checkpoint', 'checkpoint-dir']) {
    if (p.changed.has(flag) && !(await ctx.client.ping()).experimental) {
      throw new Error(`"--${flag}" is only supported on a Berth daemon with experimental features enabled`);
    }
  }
  if (checkpoint !== '') {
    if (p.args.length > 1) throw new Error('you cannot restore multiple containers at once');
    await ctx.client.request('POST', containerPath(p.args[0], '/start'), { query: { checkpoint, 'checkpoint-dir': checkpointDir || undefined } });
    return;
  }
  const failed: string[] = [];
  for (const name of p.args) {
    try {
      await ctx.client.request('POST', containerPath(name, '/start'));
      ctx.stdout.write(`${name}\n`);
    } catch (e) {
      ctx.stderr.write(describeError(e) + '\n');
      failed.push(name);
    }
  }
  if (failed.length > 0) throw new StatusError(1, `Error: failed to start containers: ${failed.join(', ')}`);
}

// ---- stop, restart, kill ----

function stopQuery(p: ParsedArgs): Record<string, string | number | undefined> {
  return {
    signal: (p.flags.signal as string) || undefined,
    t: p.changed.has('timeout') ? (p.flags.timeout as number) : undefined,
  };
}

async function runStop(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const query = stopQuery(p);
  await forEachContainer(ctx, p.args, (name) => ctx.client.request('POST', containerPath(name, '/stop'), { query }).then(() => undefined));
}

async function runRestart(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const query = stopQuery(p);
  await forEachContainer(ctx, p.args, (name) => ctx.client.request('POST', containerPath(name, '/restart'), { query }).then(() => undefined), { sequential: true });
}

async function runKill(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const signal = (p.flags.signal as string) || undefined;
  await forEachContainer(ctx, p.args, (name) => ctx.client.request('POST', containerPath(name, '/kill'), { query: { signal } }).then(() => undefined));
}

// ---- rm, pause, unpause ----

async function runRm(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const force = p.flags.force === true;
  const query = { force: force || undefined, link: p.flags.link === true || undefined, v: p.flags.volumes === true || undefined };
  await forEachContainer(ctx, p.args, async (raw) => {
    const name = raw.replace(/^\/+|\/+$/g, '');
    if (name === '') throw new Error('container name cannot be empty');
    await ctx.client.request('DELETE', containerPath(name), { query });
    return raw;
  }, { forgive: (e) => force && e instanceof ApiError && e.status === 404 });
}

function simple(action: 'pause' | 'unpause') {
  return async (ctx: CommandContext, p: ParsedArgs): Promise<void> => {
    await forEachContainer(ctx, p.args, (name) => ctx.client.request('POST', containerPath(name, `/${action}`)).then(() => undefined));
  };
}

// ---- rename, wait ----

async function runRename(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const oldName = p.args[0].trim();
  const newName = p.args[1].trim();
  if (oldName === '' || newName === '') throw new Error('Error: Neither old nor new names may be empty');
  try {
    await ctx.client.request('POST', containerPath(oldName, '/rename'), { query: { name: newName } });
  } catch (e) {
    ctx.stderr.write(describeError(e) + '\n');
    throw new Error(`Error: failed to rename container named ${oldName}`);
  }
}

async function runWait(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const errors: string[] = [];
  for (const name of p.args) {
    const wait = await beginWait(ctx, name);
    const r = await wait.result;
    if (r.error !== undefined) errors.push(r.error);
    else ctx.stdout.write(`${r.status}\n`);
  }
  if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
}

// ---- commands ----

const many = '[OPTIONS] CONTAINER [CONTAINER...]';
const SIGNAL = { name: 'signal', short: 's', kind: 'string', description: 'Signal to send to the container' } as const;
const TIMEOUT = { name: 'timeout', short: 't', kind: 'int', description: 'Seconds to wait before killing the container' } as const;
const DETACH_KEYS = { name: 'detach-keys', kind: 'string', description: 'Override the key sequence for detaching a container' } as const;

export function startCommand(): Command {
  return {
    name: 'start', usage: many, short: 'Start one or more stopped containers', aliasesHelp: ['container start', 'start'],
    args: { min: 1 }, run: runStart,
    flags: [
      { name: 'attach', short: 'a', kind: 'bool', description: 'Attach STDOUT/STDERR and forward signals' },
      { name: 'checkpoint', kind: 'string', description: 'Restore from this checkpoint' },
      { name: 'checkpoint-dir', kind: 'string', description: 'Use a custom checkpoint storage directory' },
      DETACH_KEYS,
      { name: 'interactive', short: 'i', kind: 'bool', description: "Attach container's STDIN" },
    ],
  };
}

export function stopCommand(): Command {
  return {
    name: 'stop', usage: many, short: 'Stop one or more running containers', aliasesHelp: ['container stop', 'stop'],
    args: { min: 1 }, flags: [SIGNAL, TIMEOUT], run: runStop,
  };
}

export function restartCommand(): Command {
  return {
    name: 'restart', usage: many, short: 'Restart one or more containers', aliasesHelp: ['container restart', 'restart'],
    args: { min: 1 }, flags: [SIGNAL, TIMEOUT], run: runRestart,
  };
}

export function killCommand(): Command {
  return {
    name: 'kill', usage: many, short: 'Kill one or more running containers', aliasesHelp: ['container kill', 'kill'],
    args: { min: 1 }, flags: [SIGNAL], run: runKill,
  };
}

/** `rm`; under `container` it also answers to `remove`. */
export function rmCommand(inContainer = false): Command {
  return {
    name: 'rm', aliases: inContainer ? ['remove'] : undefined, usage: many, short: 'Remove one or more containers',
    aliasesHelp: ['container rm', 'container remove', 'rm'], args: { min: 1 }, run: runRm,
    flags: [
      { name: 'force', short: 'f', kind: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
      { name: 'link', short: 'l', kind: 'bool', description: 'Remove the specified link' },
      { name: 'volumes', short: 'v', kind: 'bool', description: 'Remove anonymous volumes associated with the container' },
    ],
  };
}

export function pauseCommand(): Command {
  return {
    name: 'pause', usage: 'CONTAINER [CONTAINER...]', short: 'Pause all processes within one or more containers',
    aliasesHelp: ['container pause', 'pause'], args: { min: 1 }, run: simple('pause'),
  };
}

export function unpauseCommand(): Command {
  return {
    name: 'unpause', usage: 'CONTAINER [CONTAINER...]', short: 'Unpause all processes within one or more containers',
    aliasesHelp: ['container unpause', 'unpause'], args: { min: 1 }, run: simple('unpause'),
  };
}

export function renameCommand(): Command {
  return {
    name: 'rename', usage: 'CONTAINER NEW_NAME', short: 'Rename a container', aliasesHelp: ['container rename', 'rename'],
    args: { exact: 2 }, run: runRename,
  };
}

export function waitCommand(): Command {
  return {
    name: 'wait', usage: 'CONTAINER [CONTAINER...]', short: 'Block until one or more containers stop, then print their exit codes',
    aliasesHelp: ['container wait', 'wait'], args: { min: 1 }, run: runWait,
  };
}
