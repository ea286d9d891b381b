/**
 * `run`: create (pulling when needed), then — as the docker CLI does —
 * attach, wait (next-exit, or removed with --rm), start, resize, stream
 * until the container ends or the user detaches, and exit with its status.
 */
import type { Duplex } from 'node:stream';
import { hijack } from '../client/hijack.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { createContainer, parseCreate } from './containers-create.ts';
import { runFlags } from './containers-flags.ts';
import {
  beginWait, checkTty, containerPath, detachKeysFor, exitStatus, reportedError, startFailureStatus,
} from './containers-shared.ts';
import { EscapeError, forwardSignals, monitorTtySize, streamHijacked } from './containers-stream.ts';
import { isTerminal } from './shared.ts';

async function runRun(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const req = parseCreate(ctx, p);
  const body = req.body;
  const detach = p.flags.detach === true;
  const tty = body.Tty === true;
  if (!detach) {
    checkTty(ctx, body.AttachStdin === true, tty);
  } else {
    if (req.attachGiven) throw new Error('conflicting options: cannot specify both --attach and --detach');
    body.AttachStdin = false;
    body.AttachStdout = false;
    body.AttachStderr = false;
    body.StdinOnce = false;
  }
  let id: string;
  try {
    id = await createContainer(ctx, p, req);
  } catch (e) {
    throw reportedError(ctx, e, startFailureStatus(e));
  }
  const undoSignals = p.flags['sig-proxy'] === true && !tty
    ? forwardSignals((signal) => ctx.client.request('POST', containerPath(id, '/kill'), { query: { signal } }))
    : () => undefined;
  let undoResize = (): void => undefined;
  try {
    const attachOut = body.AttachStdout === true || body.AttachStderr === true;
    const attachIn = body.AttachStdin === true;
    const attach = attachIn || attachOut;
    if (!attach) ctx.stdout.write(`${id}\n`);
    let conn: Duplex | undefined;
    let streamed: Promise<void> | undefined;
    if (attach) {
      const detachKeys = detachKeysFor(ctx, p.flags['detach-keys'] as string);
      conn = await hijack(ctx.client, 'POST', containerPath(id, '/attach'), {
        query: {
          stream: true, stdin: attachIn || undefined, stdout: body.AttachStdout || undefined,
          stderr: body.AttachStderr || undefined, detachKeys: detachKeys || undefined,
        },
      });
      streamed = streamHijacked({
        conn, tty, detachKeys, warn: ctx.stderr,
        stdin: attachIn ? ctx.stdin : undefined,
        stdout: body.AttachStdout ? ctx.stdout : undefined,
        stderr: body.AttachStderr ? (tty ? ctx.stdout : ctx.stderr) : undefined,
      });
      streamed.catch(() => undefined);
    }
    const wait = await beginWait(ctx, id, req.autoRemove ? 'removed' : 'next-exit');
    try {
      await ctx.client.request('POST', containerPath(id, '/start'));
    } catch (e) {
      conn?.destroy();
      await streamed?.catch(() => undefined);
      const err = reportedError(ctx, e, startFailureStatus(e));
      if (req.autoRemove) await wait.result;
      throw err;
    }
    if (attach && tty && isTerminal(ctx.stdout)) {
      undoResize = monitorTtySize(ctx.stdout, ctx.stderr, (h, w) => ctx.client.request('POST', containerPath(id, '/resize'), { query: { h, w } }));
    }
    if (streamed) {
      try {
        await streamed;
      } catch (e) {
        if (e instanceof EscapeError) return 0;
        throw e;
      }
    }
    if (!attach) return 0;
    return await exitStatus(ctx, wait);
  } finally {
    undoResize();
    undoSignals();
  }
}

export function runCommand(): Command {
  return {
    name: 'run',
    usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
    short: 'Create and run a new container from an image',
    aliasesHelp: ['container run', 'run'],
    group: 'common',
    args: { min: 1 },
    interspersed: false,
    flags: runFlags(),
    run: runRun,
  };
}
