/**
 * A small command tree shaped like the docker CLI's, used by the framework's
 * tests to compare output with what docker 28 prints (root named 'docker').
 */
import { validateFilterArg } from '../client/filters.ts';
import type { Command, CommandContext } from './command.ts';
import type { FlagSpec, ParsedArgs } from './flags.ts';

export const FORMAT_HELP = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

export interface Call { name: string; flags: ParsedArgs['flags']; args: string[]; ctx: CommandContext }

/** Builds the tree; every run() records its call in `calls`. */
export function dockerLikeTree(calls: Call[], runImpl?: (c: Call) => Promise<number | void>): Command {
  const run = (name: string) => async (ctx: CommandContext, p: ParsedArgs) => {
    const call = { name, flags: p.flags, args: p.args, ctx };
    calls.push(call);
    return runImpl?.(call);
  };
  const imagesFlags: FlagSpec[] = [
    { name: 'all', short: 'a', kind: 'bool', description: 'Show all images (default hides intermediate images)' },
    { name: 'digests', kind: 'bool', description: 'Show digests' },
    { name: 'filter', short: 'f', kind: 'list', valueName: 'filter', description: 'Filter output based on conditions provided', validate: validateFilterArg },
    { name: 'format', kind: 'string', description: FORMAT_HELP },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
    { name: 'tree', kind: 'bool', description: 'List multi-platform images as a tree (EXPERIMENTAL)' },
  ];
  const ls: Command = {
    name: 'ls', aliases: ['list'], aliasesHelp: ['image ls', 'image list', 'images'], usage: '[OPTIONS] [REPOSITORY[:TAG]]',
    short: 'List images', flags: imagesFlags, args: { max: 1 }, run: run('images'),
  };
  const rmFlags: FlagSpec[] = [
    { name: 'force', short: 'f', kind: 'bool', description: 'Force removal of the image' },
    { name: 'no-prune', kind: 'bool', description: 'Do not delete untagged parents' },
    {
      name: 'platform', kind: 'stringArray', valueName: 'strings',
      description: 'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
    },
  ];
  const rm: Command = {
    name: 'rm', aliases: ['remove'], aliasesHelp: ['image rm', 'image remove', 'rmi'], usage: '[OPTIONS] IMAGE [IMAGE...]',
    short: 'Remove one or more images', flags: rmFlags, args: { min: 1 }, run: run('rmi'),
  };
  const tag: Command = {
    name: 'tag', aliasesHelp: ['image tag', 'tag'], usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
    short: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', args: { exact: 2 }, run: run('tag'),
  };
  const history: Command = {
    name: 'history', usage: '[OPTIONS] IMAGE', short: 'Show the history of an image', args: { exact: 1 }, run: run('history'),
  };
  const prune: Command = {
    name: 'prune', usage: '[OPTIONS]', short: 'Remove unused images', args: { exact: 0 }, run: run('prune'),
    flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' }],
  };
  const image: Command = {
    name: 'image', usage: '', short: 'Manage images', subcommands: [tag, ls, rm, prune, history],
  };
  const ps: Command = {
    name: 'ps', usage: '[OPTIONS]', short: 'List containers', group: 'common', args: { exact: 0 }, run: run('ps'),
    aliasesHelp: ['container ls', 'container list', 'container ps', 'ps'],
    flags: [
      { name: 'all', short: 'a', kind: 'bool', description: 'Show all containers (default shows just running)' },
      { name: 'filter', short: 'f', kind: 'list', valueName: 'filter', description: 'Filter output based on conditions provided', validate: validateFilterArg },
      { name: 'format', kind: 'string', description: FORMAT_HELP },
      { name: 'last', short: 'n', kind: 'int', default: -1, description: 'Show n last created containers (includes all states)' },
      { name: 'latest', short: 'l', kind: 'bool', description: 'Show the latest created container (includes all states)' },
      { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
      { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display container IDs' },
      { name: 'size', short: 's', kind: 'bool', description: 'Display total file sizes' },
    ],
  };
  const runCmd: Command = {
    name: 'run', usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]', short: 'Create and run a new container from an image',
    group: 'common', interspersed: false, args: { min: 1 }, run: run('run'), aliasesHelp: ['container run', 'run'],
    flags: [
      { name: 'env', short: 'e', kind: 'list', description: 'Set environment variables' },
      { name: 'interactive', short: 'i', kind: 'bool', description: 'Keep STDIN open even if not attached' },
      { name: 'tty', short: 't', kind: 'bool', description: 'Allocate a pseudo-TTY' },
      { name: 'rm', kind: 'bool', description: 'Automatically remove the container and its associated anonymous volumes when it exits' },
      { name: 'name', kind: 'string', description: 'Assign a name to the container' },
    ],
  };
  const logs: Command = {
    name: 'logs', usage: '[OPTIONS] CONTAINER', short: 'Fetch the logs of a container', args: { exact: 1 }, run: run('logs'),
    aliasesHelp: ['container logs', 'logs'],
    flags: [
      { name: 'follow', short: 'f', kind: 'bool', description: 'Follow log output' },
      { name: 'tail', short: 'n', kind: 'string', default: 'all', description: 'Number of lines to show from the end of the logs' },
    ],
  };
  const commit: Command = {
    name: 'commit', usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]', short: "Create a new image from a container's changes",
    args: { min: 1, max: 2 }, run: run('commit'),
  };
  const system: Command = {
    name: 'system', usage: '', short: 'Manage Docker', subcommands: [
      { name: 'prune', usage: '[OPTIONS]', short: 'Remove unused data', args: { exact: 0 }, run: run('system prune') },
      { name: 'df', usage: '[OPTIONS]', short: 'Show docker disk usage', args: { exact: 0 }, run: run('df') },
    ],
  };
  return {
    name: 'docker', usage: '[OPTIONS] COMMAND [ARG...]', short: 'A self-sufficient runtime for containers',
    footer: 'For more help on how to use Docker, head to https://docs.docker.com/go/guides/',
    subcommands: [
      runCmd, ps,
      { ...ls, name: 'images', aliases: undefined, group: 'common' },
      image, system, logs, commit, tag, history,
      { ...rm, name: 'rmi', aliases: undefined },
    ],
  };
}
