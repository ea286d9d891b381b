/**
 * Inspect output shared by every `X inspect` command (docker's cli/command/inspect:
 * an indented JSON array by default, 'json' for one compact array, or a template
 * per object) and the top-level `inspect`, which tries each object type in turn.
 */
import { ApiError } from '../client/errors.ts';
import { describeError, StatusError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { compile } from '../format/formatter.ts';
import type { Template } from '../format/template.ts';
import { executeInspect, inspectKindOf, type InspectKind } from '../format/typed-inspect.ts';
import { INSPECT_FORMAT_HELP, pathEscape, platformJson } from './shared.ts';

/**
 * One inspected object: its parsed value and the daemon's raw JSON text;
 * kind names the Go struct the docker CLI decodes it into for templates,
 * typedOnly that it gives the template no raw JSON to fall back on.
 */
export interface Inspected { value: unknown; raw: string; kind?: InspectKind; typedOnly?: boolean }
export type InspectFn = (ref: string) => Promise<Inspected>;

/** Go's json.Indent(dst, src, "", indent): re-indents JSON text without re-encoding its values. */
export function indentJson(src: string, indent = '    '): string {
  let out = '';
  let depth = 0;
  let needIndent = false;
  const newline = () => '\n' + indent.repeat(depth);
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (needIndent && c !== ']' && c !== '}') {
      needIndent = false;
      depth++;
      out += newline();
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        needIndent = true;
        out += c;
        break;
      case ',':
        out += c + newline();
        break;
      case ':':
        out += ': ';
        break;
      case '}':
      case ']':
        if (needIndent) needIndent = false;
        else {
          depth--;
          out += newline();
        }
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** Go's json.Compact: drops the whitespace between tokens. */
export function compactJson(src: string): string {
  return src.replace(/"(?:[^"\\]|\\.)*"|[ \t\n\r]+/g, (m) => (m[0] === '"' ? m : ''));
}

/** Parses a --format value; a bad template ends the command with status 64 like docker. */
function inspector(format: string): { kind: 'indented' | 'json' } | { kind: 'template'; tpl: Template } {
  if (format === '') return { kind: 'indented' };
  if (format === 'json') return { kind: 'json' };
  try {
    return { kind: 'template', tpl: compile(format) };
  } catch (e) {
    throw new StatusError(64, e instanceof Error ? e.message : String(e));
  }
}

/** inspect.Inspect: prints what could be inspected, then fails with every error (status 1). */
export async function inspectRefs(ctx: CommandContext, refs: readonly string[], format: string, get: InspectFn): Promise<void> {
  const ins = inspector(format);
  const errors: string[] = [];
  const raws: string[] = [];
  let text = '';
  for (const ref of refs) {
    let item: Inspected;
    try {
      item = await get(ref);
    } catch (e) {
      errors.push(describeError(e));
      continue;
    }
    if (ins.kind !== 'template') {
      raws.push(item.raw.trim());
      continue;
    }
    try {
      text += executeInspect(ins.tpl, item.kind, item.value, item.typedOnly ? null : item.raw) + '\n';
    } catch (e) {
      errors.push(`template parsing error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (ins.kind === 'template') ctx.stdout.write(text === '' ? '\n' : text);
  else if (raws.length === 0) ctx.stdout.write('[]\n');
  else if (ins.kind === 'json') ctx.stdout.write(`[${raws.map(compactJson).join(',')}]\n`);
  else ctx.stdout.write(indentJson(`[${raws.join(',')}]`) + '\n');
  if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
}

/**
 * GET a JSON object, keeping its raw text for the indented output. Like
 * docker's `volume inspect` (VolumeInspect, not VolumeInspectWithRaw), a
 * volume's template runs on the typed value only; the top-level inspect
 * overrides that.
 */
export async function getInspected(ctx: CommandContext, path: string, query?: Record<string, string | boolean | undefined>): Promise<Inspected> {
  const res = await ctx.client.request('GET', path, { query });
  const raw = res.text();
  const kind = inspectKindOf(path);
  return { value: JSON.parse(raw), raw, kind, typedOnly: kind === 'volume' };
}

export const inspectImage = (ctx: CommandContext, platform = ''): InspectFn => (ref) =>
  getInspected(ctx, `/images/${pathEscape(ref)}/json`, { platform: platform ? platformJson(platform) : undefined });

const ALL_TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];
const MUST_BE = `must be one of "${ALL_TYPES.join('", "')}"`;

interface Kind { type: string; swarm?: boolean; size?: boolean; get: (ctx: CommandContext, ref: string, size: boolean) => Promise<Inspected> }

const KINDS: Kind[] = [
  { type: 'container', size: true, get: (ctx, ref, size) => getInspected(ctx, `/containers/${pathEscape(ref)}/json`, { size: size || undefined }) },
  { type: 'image', get: (ctx, ref) => getInspected(ctx, `/images/${pathEscape(ref)}/json`) },
  { type: 'network', get: (ctx, ref) => getInspected(ctx, `/networks/${pathEscape(ref)}`) },
  { type: 'volume', get: async (ctx, ref) => ({ ...await getInspected(ctx, `/volumes/${pathEscape(ref)}`), typedOnly: false }) },
  { type: 'service', swarm: true, get: (ctx, ref) => getInspected(ctx, `/services/${pathEscape(ref)}`, { insertDefaults: true }) },
  { type: 'task', swarm: true, get: (ctx, ref) => getInspected(ctx, `/tasks/${pathEscape(ref)}`) },
  { type: 'node', swarm: true, get: (ctx, ref) => getInspected(ctx, `/nodes/${pathEscape(ref)}`) },
  { type: 'plugin', get: (ctx, ref) => getInspected(ctx, `/plugins/${pathEscape(ref)}/json`) },
  { type: 'secret', swarm: true, get: (ctx, ref) => getInspected(ctx, `/secrets/${pathEscape(ref)}`) },
  { type: 'config', swarm: true, get: (ctx, ref) => getInspected(ctx, `/configs/${pathEscape(ref)}`) },
];

function skippable(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return (e instanceof ApiError && e.status === 404) || msg.includes('not supported') || msg.includes('invalid reference format');
}

/** docker's inspectAll: the first object type that knows `ref` wins. */
function inspectAll(ctx: CommandContext, size: boolean, only: string): InspectFn {
  let swarm: boolean | undefined;
  const isSwarmManager = async (): Promise<boolean> => {
    try {
      const info = await ctx.client.json<{ Swarm?: { ControlAvailable?: boolean } }>('GET', '/info');
      return info?.Swarm?.ControlAvailable === true;
    } catch (e) {
      ctx.stderr.write(describeError(e) + '\n');
      return false;
    }
  };
  return async (ref) => {
    for (const kind of KINDS) {
      if (only !== '' && kind.type !== only) continue;
      if (only === '' && kind.swarm) {
        swarm ??= await isSwarmManager();
        if (!swarm) continue;
      }
      try {
        const found = await kind.get(ctx, ref, size);
        if (size && !kind.size) ctx.stderr.write(`WARNING: --size ignored for ${kind.type}\n`);
        return found;
      } catch (e) {
        if (only === '' && skippable(e)) continue;
        throw e;
      }
    }
    throw new Error(`Error: No such object: ${ref}`);
  };
}

async function runInspect(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const type = p.flags.type as string;
  if (p.changed.has('type') && type === '') throw new Error(`type is empty: ${MUST_BE}`);
  if (type !== '' && !ALL_TYPES.includes(type)) throw new Error(`unknown type: ${JSON.stringify(type)}: ${MUST_BE}`);
  await inspectRefs(ctx, p.args, p.flags.format as string, inspectAll(ctx, p.flags.size === true, type));
}

export function inspectCommand(): Command {
  return {
    name: 'inspect',
    usage: '[OPTIONS] NAME|ID [NAME|ID...]',
    short: 'Return low-level information on Berth objects',
    args: { min: 1 },
    flags: [
      { name: 'format', short: 'f', kind: 'string', description: INSPECT_FORMAT_HELP },
      { name: 'size', short: 's', kind: 'bool', description: 'Display total file sizes if the type is container' },
      { name: 'type', kind: 'string', description: 'Only inspect objects of the given type' },
    ],
    run: runInspect,
  };
}
