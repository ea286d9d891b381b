import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELP_FLAG, type Command } from './command.ts';
import type { FlagSpec } from './flags.ts';
import { formatFlagUsages, renderHelp, useLine, wrapText } from './help.ts';
import { dockerLikeTree } from './test-fixtures.ts';

// Captured from docker CLI 28.2.2 (`docker images --help`, `docker ps --help`, not on a terminal).
const DOCKER_IMAGES_HELP = "Usage:  docker images [OPTIONS] [REPOSITORY[:TAG]]\n\nList images\n\nAliases:\n  docker image ls, docker image list, docker images\n\nOptions:\n  -a, --all             Show all images (default hides intermediate images)\n      --digests         Show digests\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Format output using a custom template:\n                        'table':            Print output in table format\n                        with column headers (default)\n                        'table TEMPLATE':   Print output in table format\n                        using the given Go template\n                        'json':             Print in JSON format\n                        'TEMPLATE':         Print output using the given\n                        Go template.\n                        Refer to https://docs.docker.com/go/formatting/\n                        for more information about formatting output with\n                        templates\n      --no-trunc        Don't truncate output\n  -q, --quiet           Only show image IDs\n      --tree            List multi-platform images as a tree (EXPERIMENTAL)\n";
const DOCKER_PS_HELP = "Usage:  docker ps [OPTIONS]\n\nList containers\n\nAliases:\n  docker container ls, docker container list, docker container ps, docker ps\n\nOptions:\n  -a, --all             Show all containers (default shows just running)\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Format output using a custom template:\n                        'table':            Print output in table format\n                        with column headers (default)\n                        'table TEMPLATE':   Print output in table format\n                        using the given Go template\n                        'json':             Print in JSON format\n                        'TEMPLATE':         Print output using the given\n                        Go template.\n                        Refer to https://docs.docker.com/go/formatting/\n                        for more information about formatting output with\n                        templates\n  -n, --last int        Show n last created containers (includes all\n                        states) (default -1)\n  -l, --latest          Show the latest created container (includes all\n                        states)\n      --no-trunc        Don't truncate output\n  -q, --quiet           Only display container IDs\n  -s, --size            Display total file sizes\n";

const tree = dockerLikeTree([]);
const sub = (name: string, c: Command = tree) => c.subcommands!.find((s) => s.name === name)!;
const ref = (path: Command[]) => ({
  cmd: path[path.length - 1], path: path.map((c) => c.name), flags: [...(path[path.length - 1].flags ?? []), HELP_FLAG],
});

test('images help matches docker byte for byte', () => {
  assert.equal(renderHelp(ref([tree, sub('images')])), DOCKER_IMAGES_HELP);
});

test('ps help matches docker (int default, wrapped descriptions)', () => {
  assert.equal(renderHelp(ref([tree, sub('ps')])), DOCKER_PS_HELP);
});

test('generated aliases list the parent path with each name', () => {
  const parent: Command = { name: 'network', usage: '', short: 'Manage networks', subcommands: [] };
  const ls: Command = { name: 'ls', aliases: ['list'], usage: '[OPTIONS]', short: 'List networks', run: async () => {} };
  const text = renderHelp({ cmd: ls, path: ['berth', parent.name, 'ls'], flags: [HELP_FLAG] });
  assert.equal(text, 'Usage:  berth network ls [OPTIONS]\n\nList networks\n\nAliases:\n  berth network ls, berth network list\n');
});

test('a command without options or aliases prints only usage and description; long wins over short', () => {
  const c: Command = { name: 'rename', usage: 'CONTAINER NEW_NAME', short: 'Rename', long: '  Rename a container\n', run: async () => {} };
  assert.equal(renderHelp({ cmd: c, path: ['berth', 'rename'], flags: [HELP_FLAG] }), 'Usage:  berth rename CONTAINER NEW_NAME\n\nRename a container\n');
});

test('management command help lists sorted subcommands and the closing hint', () => {
  const text = renderHelp(ref([tree, sub('image')]));
  assert.equal(text, [
    'Usage:  docker image COMMAND', '', 'Manage images', '', 'Commands:',
    '  history     Show the history of an image',
    '  ls          List images',
    '  prune       Remove unused images',
    '  rm          Remove one or more images',
    '  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
    '', "Run 'docker image COMMAND --help' for more information on a command.", '',
  ].join('\n'));
});

test('root help has Common, Management and Commands sections, Global Options and the footer', () => {
  const flags: FlagSpec[] = [{ name: 'debug', short: 'D', kind: 'bool', description: 'Enable debug mode' }, HELP_FLAG];
  const text = renderHelp({ cmd: tree, path: ['docker'], flags });
  assert.match(text, /^Usage: {2}docker \[OPTIONS\] COMMAND\n\nA self-sufficient runtime for containers\n\nCommon Commands:\n {2}run {9}Create and run/);
  // Common commands keep their declared order; the other sections are sorted.
  assert.match(text, /Common Commands:\n {2}run .*\n {2}ps .*\n {2}images .*\n\nManagement Commands:\n {2}image .*\n {2}system .*\n\nCommands:\n {2}commit /);
  assert.match(text, /\n\nGlobal Options:\n {2}-D, --debug {3}Enable debug mode\n\nRun 'docker COMMAND --help' for more information on a command\.\n\nFor more help on how to use Docker, head to https:\/\/docs\.docker\.com\/go\/guides\/\n$/);
  assert.doesNotMatch(text, /Options:\n {2}-h/);
});

test('long command names widen the name column', () => {
  const root: Command = {
    name: 'berth', usage: '', short: 'x', subcommands: [
      { name: 'a', usage: '', short: 'A', run: async () => {} },
      { name: 'averyveryverylongname', usage: '', short: 'B', run: async () => {} },
      { name: 'secret', usage: '', short: 'S', hidden: true, run: async () => {} },
    ],
  };
  const text = renderHelp({ cmd: root, path: ['berth'], flags: [HELP_FLAG] });
  assert.match(text, /\n {2}a {21}A\n {2}averyveryverylongname B\n/);
  assert.doesNotMatch(text, /secret/);
  assert.match(text, /^Usage: {2}berth COMMAND\n/);
});

test('flag usages: defaults, value names, sorting and hidden flags', () => {
  const text = formatFlagUsages([
    { name: 'tail', short: 'n', kind: 'string', default: 'all', description: 'Number of lines' },
    { name: 'all', kind: 'bool', default: true, description: 'Everything' },
    { name: 'env', short: 'e', kind: 'list', description: 'Set environment variables' },
    { name: 'label', kind: 'stringArray', default: ['a', 'b'], description: 'Labels' },
    { name: 'time', short: 't', kind: 'int', default: 0, description: 'Seconds' },
    { name: 'secret', kind: 'bool', hidden: true, description: 'hidden' },
  ]);
  assert.equal(text, [
    '      --all                 Everything (default true)',
    '  -e, --env list            Set environment variables',
    '      --label stringArray   Labels (default [a,b])',
    '  -n, --tail string         Number of lines (default "all")',
    '  -t, --time int            Seconds',
  ].join('\n'));
});

test('wrapText follows pflag: slop, embedded newlines, narrow terminals', () => {
  assert.equal(wrapText(10, 0, 'a\nb'), 'a\n          b');
  assert.equal(wrapText(4, 40, 'one two three four five six seven eight nine ten'), 'one two three four five six\n    seven eight nine ten');
  // Within limit+slop nothing wraps.
  assert.equal(wrapText(4, 40, 'one two three four five six seven'), 'one two three four five six seven');
  // Less than 24 columns of room: the text moves under column 16.
  assert.equal(wrapText(30, 50, 'short text'), '\n                short text');
  // Still no room: no wrapping, newlines indent to column 16.
  assert.equal(wrapText(30, 30, 'a\nb'), 'a\n                b');
});

test('useLine joins path and usage; management commands have no usage', () => {
  assert.equal(useLine(sub('rmi'), ['docker', 'rmi']), 'docker rmi [OPTIONS] IMAGE [IMAGE...]');
  assert.equal(useLine(sub('image'), ['docker', 'image']), 'docker image');
});
