/** `berth build`: flags → POST /build with the context tar, output as plain text or a live display. */
import { writeFile } from 'node:fs/promises';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { contextFromDir, contextFromStdin, type BuildContext } from './build-context.ts';
import { PlainProgress, TtyProgress, type ProgressView } from './build-progress.ts';
import { buildFilters } from '../client/filters.ts';
import { humanSize } from '../format/units.ts';
import { confirm, isTerminal } from './shared.ts';
import { StatusError } from '../framework/errors.ts';

function kv(list: string[], env: Record<string, string | undefined>, withEnv: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq < 0) out[item] = withEnv ? env[item] ?? null : '';
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function size(v: string): number | undefined {
  if (!v) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v);
  if (!m) throw new Error(`invalid size: '${v}'`);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.round(Number(m[1]) * mult[m[2].toLowerCase()]);
}

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

async function runBuild(ctx: CommandContext, p: ParsedArgs): Promise<number | void> {
  const [source] = p.args;
  const file = (p.flags.file as string) || '';
  const quiet = p.flags.quiet as boolean;
  let context: BuildContext;
  let remote: string | undefined;
  if (source === '-') {
    if (file === '-') throw new Error('invalid argument: can\'t use stdin for both build context and dockerfile');
    context = await contextFromStdin(ctx.stdin);
    if (file) context.dockerfile = file;
  } else if (/^https?:\/\//i.test(source)) {
    remote = source;
    context = { body: (await import('node:stream')).Readable.from([]), dockerfile: file };
  } else {
    context = await contextFromDir(source, file, file === '-' ? await readAll(ctx.stdin) : undefined);
  }
  const mode = (p.flags.progress as string) || 'auto';
  if (!['auto', 'plain', 'tty', 'quiet', 'rawjson'].includes(mode)) throw new Error(`invalid progress mode "${mode}": use auto, plain, tty or quiet`);
  const terminal = isTerminal(ctx.stdout);
  if (mode === 'tty' && !terminal) throw new Error('failed to get console: the output is not a terminal');
  const view: ProgressView | null = quiet || mode === 'quiet' ? null
    : mode === 'tty' || (mode === 'auto' && terminal) ? new TtyProgress(ctx.stdout, ctx.columns) : new PlainProgress(ctx.stdout);
  const res = await ctx.client.stream('POST', '/build', {
    query: {
      t: p.flags.tag as string[], dockerfile: context.dockerfile || undefined, buildargs: JSON.stringify(kv(p.flags['build-arg'] as string[], ctx.env, true)),
      labels: JSON.stringify(kv(p.flags.label as string[], ctx.env, false)), target: (p.flags.target as string) || undefined,
      nocache: p.flags['no-cache'] ? '1' : undefined, pull: p.flags.pull ? '1' : undefined, q: quiet ? '1' : undefined,
      rm: p.flags.rm === false ? '0' : '1', forcerm: p.flags['force-rm'] ? '1' : undefined, networkmode: (p.flags.network as string) || undefined,
      platform: (p.flags.platform as string) || undefined, extrahosts: (p.flags['add-host'] as string[]).join(',') || undefined,
      shmsize: size(p.flags['shm-size'] as string), memory: size(p.flags.memory as string), cachefrom: JSON.stringify(p.flags['cache-from'] as string[]),
      remote, version: '1',
    },
    body: context.body, headers: { 'Content-Type': 'application/x-tar' },
  });
  let id = '';
  let failed = false;
  let quietText = '';
  let pending = '';
  const decoder = new TextDecoder();
  const handle = (line: string): void => {
    if (!line.trim()) return;
    const m = JSON.parse(line) as { stream?: string; aux?: { ID?: string }; error?: string; errorDetail?: { code?: number; message?: string } };
    if (m.errorDetail || m.error) {
      failed = true;
      const code = m.errorDetail?.code;
      if (quiet) ctx.stderr.write(quietText);
      throw new StatusError(typeof code === 'number' && code > 0 ? code : 1, m.errorDetail?.message ?? m.error ?? '');
    }
    if (m.aux?.ID) id = m.aux.ID;
    if (m.stream !== undefined && view) view.text(m.stream);
    else if (m.stream !== undefined) quietText += m.stream;
  };
  try {
    for await (const chunk of res) {
      pending += decoder.decode(chunk as Buffer, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        handle(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    }
    handle(pending);
  } finally {
    view?.done(failed);
  }
  // -q: the daemon streams only the ID line (no aux); it is printed, and written to --iidfile, as it came (docker CLI's buildBuff)
  if (quiet) {
    id = quietText;
    ctx.stdout.write(quietText);
  }
  const iid = p.flags.iidfile as string;
  if (iid) await writeFile(iid, id);
}

export function buildCommand(name = 'build'): Command {
  return {
    name, aliasesHelp: ['image build', 'build', 'builder build'], usage: '[OPTIONS] PATH | URL | -', short: 'Build an image from a Dockerfile',
    args: { exact: 1 }, run: runBuild, group: name === 'build' ? 'common' : undefined,
    flags: [
      { name: 'add-host', kind: 'list', description: 'Add a custom host-to-IP mapping ("host:ip")' },
      { name: 'build-arg', kind: 'list', description: 'Set build-time variables' },
      { name: 'cache-from', kind: 'stringArray', description: 'Images to consider as cache sources' },
      { name: 'file', short: 'f', kind: 'string', description: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' },
      { name: 'force-rm', kind: 'bool', description: 'Always remove intermediate containers' },
      { name: 'iidfile', kind: 'string', description: 'Write the image ID to the file' },
      { name: 'label', kind: 'list', description: 'Set metadata for an image' },
      { name: 'memory', short: 'm', kind: 'string', description: 'Memory limit' },
      { name: 'network', kind: 'string', description: 'Set the networking mode for the RUN instructions during build', default: 'default' },
      { name: 'no-cache', kind: 'bool', description: 'Do not use cache when building the image' },
      { name: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable' },
      { name: 'progress', kind: 'string', description: 'Set type of progress output ("auto", "plain", "tty", "quiet")', default: 'auto' },
      { name: 'pull', kind: 'bool', description: 'Always attempt to pull a newer version of the image' },
      { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress the build output and print image ID on success' },
      { name: 'rm', kind: 'bool', description: 'Remove intermediate containers after a successful build', default: true },
      { name: 'shm-size', kind: 'string', description: 'Size of "/dev/shm"' },
      { name: 'tag', short: 't', kind: 'list', description: 'Name and optionally a tag in the "name:tag" format' },
      { name: 'target', kind: 'string', description: 'Set the target build stage to build.' },
    ],
  };
}

// ---- builder prune ----

const PRUNE_WARNING = 'WARNING! This will remove all dangling build cache.\nAre you sure you want to continue?';
const PRUNE_ALL_WARNING = 'WARNING! This will remove all build cache.\nAre you sure you want to continue?';

async function runBuilderPrune(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const all = p.flags.all === true;
  if (p.flags.force !== true && !(await confirm(ctx, all ? PRUNE_ALL_WARNING : PRUNE_WARNING))) return;
  const report = await ctx.client.json<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/build/prune', {
    query: { all: all ? '1' : undefined, filters: buildFilters(p.flags.filter as string[]), 'keep-storage': size(p.flags['keep-storage'] as string) },
  });
  let out = '';
  const deleted = report?.CachesDeleted ?? [];
  if (deleted.length) out += `Deleted build cache objects:\n${deleted.map((d) => `${d}\n`).join('')}\n`;
  ctx.stdout.write(`${out}Total reclaimed space: ${humanSize(report?.SpaceReclaimed ?? 0, 4)}\n`);
}

export function builderCommand(): Command {
  return {
    name: 'builder', usage: 'COMMAND', short: 'Manage builds',
    subcommands: [
      buildCommand('build'),
      {
        name: 'prune', usage: '', short: 'Remove build cache', args: { exact: 0 }, run: runBuilderPrune,
        flags: [
          { name: 'all', short: 'a', kind: 'bool', description: 'Remove all unused build cache, not just dangling ones' },
          { name: 'filter', kind: 'list', description: 'Provide filter values (e.g. "until=24h")' },
          { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
          { name: 'keep-storage', kind: 'string', description: 'Amount of disk space to keep for cache' },
        ],
      },
    ],
  };
}
