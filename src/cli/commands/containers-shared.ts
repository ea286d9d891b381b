/**
 * Helpers shared by the container commands: the inspect shape they read,
 * waiting for exit codes, docker's `docker: ...` error report with its
 * usage hint, the 125/126/127 start-failure codes, and per-container loops.
 */
import type { IncomingMessage } from 'node:http';
import { parseFilterArg } from '../client/filters.ts';
import { describeError, StatusError } from '../framework/errors.ts';
import type { CommandContext } from '../framework/command.ts';
import { isTerminal, pathEscape, readCliConfig, rfc3339 } from './shared.ts';

/** The parts of GET /containers/{id}/json the CLI reads. */
export interface ContainerJson {
  Id: string;
  Name?: string;
  Config?: { Tty?: boolean; OpenStdin?: boolean; Image?: string };
  State?: { Running?: boolean; Paused?: boolean; Restarting?: boolean; Status?: string };
  HostConfig?: { AutoRemove?: boolean };
  NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
}

export function containerPath(id: string, tail = ''): string {
  return `/containers/${pathEscape(id)}${tail}`;
}

export function inspectContainer(ctx: CommandContext, ref: string): Promise<ContainerJson> {
  return ctx.client.json<ContainerJson>('GET', containerPath(ref, '/json'));
}

/** docker's reportError: "berth: MSG\n\nRun 'berth NAME --help' for more information" as a status-125 error. */
export function reportedError(ctx: CommandContext, e: unknown, status = 125): StatusError {
  const name = ctx.commandPath.split(' ').slice(1).join(' ');
  const cmd = name.startsWith('container ') ? name.slice('container '.length) : name;
  return new StatusError(status, `${ctx.prog}: ${describeError(e)}\n\nRun '${ctx.prog} ${cmd} --help' for more information`);
}

/** runStartContainerErr: 127 for a missing executable, 126 for one that cannot be run, else 125. */
export function startFailureStatus(e: unknown): number {
  const msg = describeError(e).replace(/^Error response from daemon: /, '');
  if (msg.includes('executable file not found') || msg.includes('no such file or directory') || msg.includes('system cannot find the file specified')) return 127;
  if (msg.includes('permission denied') || msg.includes('is a directory')) return 126;
  return 125;
}

/** The detach keys: the flag, else the config file's detachKeys. */
export function detachKeysFor(ctx: CommandContext, flag: string): string {
  if (flag !== '') return flag;
  const configured = readCliConfig(ctx.configDir).detachKeys;
  return typeof configured === 'string' ? configured : '';
}

/** In.CheckTty: a TTY on stdin is needed to attach stdin to a container TTY. */
export function checkTty(ctx: CommandContext, attachStdin: boolean, tty: boolean): void {
  if (tty && attachStdin && !isTerminal(ctx.stdin)) throw new Error('the input device is not a TTY');
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

export interface WaitResult { status: number; error?: string }

/**
 * Sends POST /containers/{id}/wait and resolves once the daemon answered
 * with its headers (so a following start cannot be missed); `result` then
 * settles with the exit status. Request failures become { status: 125, error }.
 */
export async function beginWait(ctx: CommandContext, id: string, condition?: string): Promise<{ result: Promise<WaitResult> }> {
  let res: IncomingMessage;
  try {
    res = await ctx.client.stream('POST', containerPath(id, '/wait'), { query: { condition } });
  } catch (e) {
    return { result: Promise.resolve({ status: 125, error: describeError(e) }) };
  }
  const result = readBody(res).then((text): WaitResult => {
    const body = JSON.parse(text) as { StatusCode?: number; Error?: { Message?: string } | null };
    if (body.Error?.Message) return { status: 125, error: body.Error.Message };
    return { status: body.StatusCode ?? 0 };
  }, (e: unknown): WaitResult => ({ status: 125, error: describeError(e) }));
  return { result };
}

/** waitExitOrRemoved's status, logging a wait failure like docker does. */
export async function exitStatus(ctx: CommandContext, wait: { result: Promise<WaitResult> }): Promise<number> {
  const r = await wait.result;
  if (r.error !== undefined) ctx.stderr.write(logrusError(ctx, `Error waiting for container: ${r.error}`));
  return r.status;
}

/** --filter values ordered like Go's json.Marshal of the filter map (keys, then values, sorted). */
export function sortedFilterArgs(args: readonly string[]): string[] {
  const keyed = args.filter((a) => a !== '').map((a) => ({ a, kv: parseFilterArg(a) }));
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return keyed.sort((x, y) => cmp(x.kv[0], y.kv[0]) || cmp(x.kv[1], y.kv[1])).map((k) => k.a);
}

const started = Date.now();

/** A logrus error line as the docker CLI prints it: "ERRO[0000] msg" on a terminal, else time="..." level=error msg="...". */
export function logrusError(ctx: CommandContext, msg: string): string {
  if (isTerminal(ctx.stderr)) return `ERRO[${String(Math.floor((Date.now() - started) / 1000)).padStart(4, '0')}] ${msg}\n`;
  return `time="${rfc3339(Math.floor(Date.now() / 1000))}" level=error msg=${JSON.stringify(msg)}\n`;
}

/**
 * Runs `op` for every container at once (docker's parallel operations),
 * prints each name that worked in argument order as results come in, and
 * fails at the end with every error, one per line.
 */
export async function forEachContainer(
  ctx: CommandContext, names: readonly string[], op: (name: string) => Promise<string | void>,
  opts: { sequential?: boolean; forgive?: (e: unknown) => boolean } = {},
): Promise<void> {
  const errors: string[] = [];
  const handle = async (name: string): Promise<void> => {
    try {
      const out = await op(name);
      ctx.stdout.write(`${out ?? name}\n`);
    } catch (e) {
      if (opts.forgive?.(e)) {
        ctx.stderr.write(describeError(e) + '\n');
        return;
      }
      errors.push(describeError(e));
    }
  };
  if (opts.sequential) for (const n of names) await handle(n);
  else await Promise.all(names.map(handle));
  if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
}
