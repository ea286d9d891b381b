/**
 * Help and usage text in the layout of the docker CLI (cobra templates plus
 * pflag's FlagUsagesWrapped), so `berth X --help` reads like `docker X --help`.
 */
import type { Command } from './command.ts';
import { goQuote, type FlagSpec } from './flags.ts';

/** A command together with where it sits: `path` holds the names from the root, program first. */
export interface CommandRef {
  cmd: Command;
  path: string[];
  /** The flags that apply (for the root: the global flags). */
  flags: FlagSpec[];
}

const VALUE_NAMES: Record<FlagSpec['kind'], string> = {
  bool: '',
  string: 'string',
  int: 'int',
  stringArray: 'stringArray',
  list: 'list',
};

function valueName(spec: FlagSpec): string {
  return spec.valueName ?? VALUE_NAMES[spec.kind];
}

/** pflag's "(default ...)" suffix; empty when the default is the zero value. */
function defaultSuffix(spec: FlagSpec): string {
  const d = spec.default;
  if (d === undefined) return '';
  switch (spec.kind) {
    case 'bool':
      return d === true ? ' (default true)' : '';
    case 'int':
      return typeof d === 'number' && d !== 0 ? ` (default ${d})` : '';
    case 'string':
      return typeof d === 'string' && d !== '' ? ` (default ${goQuote(d)})` : '';
    case 'stringArray':
      return Array.isArray(d) && d.length > 0 ? ` (default [${d.join(',')}])` : '';
    case 'list':
      return Array.isArray(d) && d.length > 0 ? ` (default [${d.join(' ')}])` : '';
  }
}

/**
 * Cuts `s` into a first piece of at most `limit` characters (ending at
 * whitespace) and the rest; takes everything when it fits within limit+slop.
 */
function cutLine(limit: number, slop: number, s: string): [string, string] {
  if (limit + slop > s.length) return [s, ''];
  const head = s.slice(0, limit);
  const ws = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (ws <= 0) return [s, ''];
  const nl = head.lastIndexOf('\n');
  if (nl > 0 && nl < ws) return [s.slice(0, nl), s.slice(nl + 1)];
  return [s.slice(0, ws), s.slice(ws + 1)];
}

/** Wraps a flag description that starts at column `indent` to fit `width` columns (pflag's algorithm). */
export function wrapText(indent: number, width: number, s: string): string {
  if (width === 0) return s.replaceAll('\n', '\n' + ' '.repeat(indent));
  let room = width - indent;
  let out = '';
  if (room < 24) {
    indent = 16;
    room = width - indent;
    out += '\n' + ' '.repeat(indent);
  }
  if (room < 24) return s.replaceAll('\n', out);
  const slop = 5;
  room -= slop;
  const pad = '\n' + ' '.repeat(indent);
  let [line, rest] = cutLine(room, slop, s);
  out += line.replaceAll('\n', pad);
  while (rest !== '') {
    [line, rest] = cutLine(room, slop, rest);
    out += pad + line.replaceAll('\n', pad);
  }
  return out;
}

/** The "Options:" block: sorted, aligned, wrapped at `columns - 1` like docker. */
export function formatFlagUsages(specs: readonly FlagSpec[], columns = 80): string {
  const visible = specs.filter((f) => !f.hidden).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = visible.map((f) => {
    let left = f.short && !f.shorthandDeprecated ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
    const v = valueName(f);
    if (v) left += ' ' + v;
    return { left, text: f.description + defaultSuffix(f) };
  });
  const maxlen = Math.max(0, ...rows.map((r) => r.left.length + 1));
  return rows
    .map((r) => `${r.left} ${' '.repeat(maxlen - r.left.length)} ${wrapText(maxlen + 2, columns - 1, r.text)}`)
    .join('\n')
    .trimEnd();
}

export function commandPath(path: readonly string[]): string {
  return path.join(' ');
}

/** cobra's UseLine with DisableFlagsInUseLine: the path followed by the usage text. */
export function useLine(cmd: Command, path: readonly string[]): string {
  return cmd.usage ? `${commandPath(path)} ${cmd.usage}` : commandPath(path);
}

function visibleSubcommands(cmd: Command): Command[] {
  return (cmd.subcommands ?? []).filter((c) => !c.hidden);
}

function byName(a: Command, b: Command): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function commandList(title: string, cmds: Command[], pad: number): string {
  const lines = cmds.map((c) => `  ${c.name.padEnd(pad)}${c.short}`);
  return `\n\n${title}:\n${lines.join('\n')}`;
}

function aliasLine(ref: CommandRef): string | undefined {
  const { cmd, path } = ref;
  if (cmd.aliasesHelp && cmd.aliasesHelp.length > 0) {
    return cmd.aliasesHelp.map((a) => `${path[0]} ${a}`).join(', ');
  }
  if (!cmd.aliases || cmd.aliases.length === 0) return undefined;
  const parent = commandPath(path.slice(0, -1));
  return [cmd.name, ...cmd.aliases].map((n) => `${parent} ${n}`).join(', ');
}

/** The full `--help` text, ending with a newline. */
export function renderHelp(ref: CommandRef, columns = 80): string {
  const { cmd, path } = ref;
  const isRoot = path.length === 1;
  const subs = visibleSubcommands(cmd);
  const hasFlags = ref.flags.some((f) => !f.hidden);
  let out = 'Usage:  ';
  if (subs.length > 0) out += `${commandPath(path)}${hasFlags ? ' [OPTIONS]' : ''} COMMAND`;
  else out += useLine(cmd, path);
  out += '\n\n' + (cmd.long?.trim() || cmd.short.trim());
  const aliases = aliasLine(ref);
  if (aliases) out += `\n\nAliases:\n  ${aliases}`;
  if (!isRoot && hasFlags) out += `\n\nOptions:\n${formatFlagUsages(ref.flags, columns)}`;
  if (subs.length > 0) {
    const pad = Math.max(11, ...(cmd.subcommands ?? []).map((c) => c.name.length)) + 1;
    const groupOf = (c: Command) => c.group ?? ((c.subcommands?.length ?? 0) > 0 ? 'management' : 'commands');
    const common = isRoot ? subs.filter((c) => groupOf(c) === 'common') : [];
    const management = subs.filter((c) => groupOf(c) === 'management').sort(byName);
    const plain = subs.filter((c) => !common.includes(c) && !management.includes(c)).sort(byName);
    if (common.length > 0) out += commandList('Common Commands', common, pad);
    if (management.length > 0) out += commandList('Management Commands', management, pad);
    if (plain.length > 0) out += commandList('Commands', plain, pad);
  }
  if (isRoot && hasFlags) out += `\n\nGlobal Options:\n${formatFlagUsages(ref.flags, columns)}`;
  if (subs.length > 0) out += `\n\nRun '${commandPath(path)} COMMAND --help' for more information on a command.`;
  if (cmd.footer) out += `\n\n${cmd.footer.trim()}`;
  return out + '\n';
}
