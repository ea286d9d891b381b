/**
 * The command tree and its dispatcher: global flags, subcommand lookup, flag
 * and argument checks, help, and exit codes the way the docker CLI does them
 * (usage errors 125 for flags and 1 for arguments, daemon errors 1).
 */
import type { ApiClient } from '../client/client.ts';
import { describeError, StatusError } from './errors.ts';
import { FlagError, parseFlags, type FlagSpec, type ParsedArgs } from './flags.ts';
import { commandPath, renderHelp, useLine, type CommandRef } from './help.ts';
import { globalFlags, isLogLevel, resolveHost } from './globals.ts';

export interface CommandContext {
  client: ApiClient;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  /** The program name, e.g. 'berth'. */
  prog: string;
  /** The full command path, e.g. 'berth image ls' (for messages like "See 'berth run --help'"). */
  commandPath: string;
  env: Record<string, string | undefined>;
  debug: boolean;
  logLevel: string;
  /** The client configuration directory (--config, DOCKER_CONFIG, ~/.docker). */
  configDir: string;
  /** Columns of the terminal (80 when not a terminal). */
  columns: number;
}

export interface Command {
  name: string;
  aliases?: string[];
  /** Replaces the generated "Aliases:" line; entries are paths below the root, e.g. ['image ls', 'images']. */
  aliasesHelp?: string[];
  /** Text after the command path in usage lines, e.g. '[OPTIONS] IMAGE [IMAGE...]'. */
  usage: string;
  short: string;
  long?: string;
  flags?: FlagSpec[];
  args?: { min?: number; max?: number; exact?: number };
  /** False: the first positional argument ends flag parsing. Default true. */
  interspersed?: boolean;
  subcommands?: Command[];
  /** Section in the root help; default 'management' with subcommands, else 'commands'. */
  group?: 'common' | 'management' | 'commands';
  hidden?: boolean;
  /** A closing paragraph of the help text (the root's "For more help..." line). */
  footer?: string;
  run?(ctx: CommandContext, p: ParsedArgs): Promise<number | void>;
}

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

export interface RunCliOptions {
  version?: string;
  build?: string;
  /** Terminal width used to wrap help; docker uses 80 when not on a terminal. */
  columns?: number;
}

/** The hidden `-h, --help` every command has (its shorthand deprecated, as in docker 28). */
export const HELP_FLAG: FlagSpec = {
  name: 'help', short: 'h', kind: 'bool', description: 'Print usage', hidden: true, shorthandDeprecated: 'use --help',
};

/** A command that uses -h itself (create/run: --hostname) gets a visible --help without shorthand, as cobra does. */
function helpFlagFor(cmd: Command): FlagSpec {
  if (!(cmd.flags ?? []).some((f) => f.short === 'h')) return HELP_FLAG;
  return { name: 'help', kind: 'bool', description: 'Print usage' };
}

function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : text + '\n');
}

function findSub(cmd: Command, name: string): Command | undefined {
  return cmd.subcommands?.find((c) => c.name === name || (c.aliases?.includes(name) ?? false));
}

/** Walks `args` down the tree as far as names match; returns the command and the unused args. */
function descend(root: Command, args: string[]): { path: Command[]; rest: string[] } {
  const path = [root];
  let i = 0;
  for (; i < args.length; i++) {
    const sub = findSub(path[path.length - 1], args[i]);
    if (!sub) break;
    path.push(sub);
  }
  return { path, rest: args.slice(i) };
}

function refOf(chain: Command[], rootFlags: FlagSpec[]): CommandRef {
  const cmd = chain[chain.length - 1];
  return {
    cmd,
    path: chain.map((c) => c.name),
    flags: chain.length === 1 ? rootFlags : [...(cmd.flags ?? []), helpFlagFor(cmd)],
  };
}

/** docker's message for a wrong number of arguments, or undefined when the count is fine. */
export function checkArgCount(cmd: Command, path: string[], n: number): string | undefined {
  const spec = cmd.args;
  if (!spec) return undefined;
  const p = commandPath(path);
  const plural = (k: number) => (k === 1 ? 'argument' : 'arguments');
  const msg = (what: string, tail: string) =>
    `${path[0]}: '${p}' ${what}\n\nUsage:  ${useLine(cmd, path)}\n\n${tail} '${p} --help' for more information`;
  const none = (spec.exact === 0 || spec.max === 0) && n > 0;
  if (none) return msg('accepts no arguments', 'Run');
  if (spec.exact !== undefined) {
    return n === spec.exact ? undefined : msg(`requires ${spec.exact} ${plural(spec.exact)}`, 'Run');
  }
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) {
    return n < min || n > max ? msg(`requires at least ${min} and at most ${max} ${plural(max)}`, 'Run') : undefined;
  }
  if (min !== undefined && n < min) return msg(`requires at least ${min} ${plural(min)}`, 'See');
  // docker 28 really prints "SRun" here (a typo in its cli/required.go); kept for fidelity.
  if (max !== undefined && n > max) return msg(`requires at most ${max} ${plural(max)}`, 'SRun');
  return undefined;
}

function flagErrorText(err: FlagError, ref: CommandRef): string {
  const p = commandPath(ref.path);
  return `${err.message}\n\nUsage:  ${useLine(ref.cmd, ref.path)}\n\nRun '${p} --help' for more information`;
}

/** Runs the CLI once and returns the exit status. Never throws for command failures. */
export async function runCli(
  root: Command,
  argv: string[],
  io: CliIO,
  makeClient: (host: string) => ApiClient,
  options: RunCliOptions = {},
): Promise<number> {
  const prog = root.name;
  const columns = options.columns ?? 80;
  const rootFlags = [...globalFlags(io.env), ...(root.flags ?? []), HELP_FLAG];
  const help = helpCommand();
  const tree: Command = { ...root, subcommands: [...(root.subcommands ?? []), ...(findSub(root, 'help') ? [] : [help])] };
  const rootRef = refOf([tree], rootFlags);

  let globals: ParsedArgs;
  try {
    globals = parseFlags(rootFlags, argv, { interspersed: false });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    write(io.stderr, flagErrorText(e, rootRef));
    return 125;
  }
  for (const w of globals.warnings) write(io.stdout, w);
  if (globals.flags.version === true) {
    write(io.stdout, `Berth version ${options.version ?? 'unknown'}, build ${options.build ?? 'unknown'}`);
    return 0;
  }
  const logLevel = String(globals.flags['log-level']);
  if (!isLogLevel(logLevel)) {
    write(io.stderr, `Unable to parse logging level: ${logLevel}`);
    return 1;
  }
  if (globals.flags.help === true) {
    const { path } = descend(tree, globals.args);
    write(io.stdout, renderHelp(refOf(path, rootFlags), columns));
    return 0;
  }
  if (globals.args.length === 0) {
    io.stderr.write(renderHelp(rootRef, columns));
    return 0;
  }

  // Find the command: names only, the first non-name ends the walk.
  const chain: Command[] = [tree];
  let rest = globals.args;
  while ((chain[chain.length - 1].subcommands?.length ?? 0) > 0 && rest.length > 0) {
    const sub = findSub(chain[chain.length - 1], rest[0]);
    if (!sub) break;
    chain.push(sub);
    rest = rest.slice(1);
  }
  if (chain.length === 1) {
    write(io.stderr, `${prog}: unknown command: ${prog} ${rest[0]}\n\nRun '${prog} --help' for more information`);
    return 1;
  }
  const ref = refOf(chain, rootFlags);
  const cmd = ref.cmd;
  let parsed: ParsedArgs;
  try {
    parsed = parseFlags(ref.flags, rest, { interspersed: cmd.interspersed ?? true });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    write(io.stderr, flagErrorText(e, ref));
    return 125;
  }
  for (const w of parsed.warnings) write(io.stdout, w);
  if (parsed.flags.help === true) {
    write(io.stdout, renderHelp(ref, columns));
    return 0;
  }
  if (cmd === help) return runHelp(tree, rootFlags, parsed.args, io, columns);
  if (!cmd.run) {
    if (parsed.args.length > 0) {
      const p = commandPath(ref.path);
      write(io.stderr, `${prog}: unknown command: ${p} ${parsed.args[0]}\n\nUsage:  ${useLine(cmd, ref.path)}\n\nRun '${p} --help' for more information`);
      return 1;
    }
    io.stderr.write(renderHelp(ref, columns));
    return 0;
  }
  const argError = checkArgCount(cmd, ref.path, parsed.args.length);
  if (argError) {
    write(io.stderr, argError);
    return 1;
  }

  const hosts = globals.flags.host as string[];
  if (hosts.length > 1) {
    write(io.stderr, 'Failed to initialize: unable to resolve berth endpoint: Specify only one -H');
    return 1;
  }
  let client: ApiClient;
  try {
    client = makeClient(resolveHost(hosts[0], io.env));
  } catch (e) {
    write(io.stderr, describeError(e));
    return 1;
  }
  const ctx: CommandContext = {
    client,
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    prog,
    commandPath: commandPath(ref.path),
    env: io.env,
    debug: globals.flags.debug === true,
    logLevel,
    configDir: String(globals.flags.config),
    columns,
  };
  try {
    const code = await cmd.run(ctx, parsed);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (e instanceof StatusError) {
      if (e.message) write(io.stderr, e.message);
      return e.status;
    }
    write(io.stderr, describeError(e));
    return 1;
  } finally {
    client.close?.();
  }
}

function helpCommand(): Command {
  return { name: 'help', usage: '[command]', short: 'Help about the command', hidden: true };
}

function runHelp(tree: Command, rootFlags: FlagSpec[], args: string[], io: CliIO, columns: number): number {
  const { path, rest } = descend(tree, args);
  if (rest.length > 0) {
    write(io.stderr, `unknown help topic: ${rest[0]}`);
    return 1;
  }
  write(io.stdout, renderHelp(refOf(path, rootFlags), columns));
  return 0;
}
