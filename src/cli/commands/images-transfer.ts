/** `import`, `save` and `load`: image tarballs in and out of the daemon. */
import { createWriteStream, lstatSync, statSync, type Stats, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { parseReference } from '../../core/reference/reference.ts';
import { displayJsonStream, JsonMessageWriter } from './jsonmessage.ts';
import { isTerminal, platformJson } from './shared.ts';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory',
  EEXIST: 'file exists', ELOOP: 'too many levels of symbolic links', ENAMETOOLONG: 'file name too long', EROFS: 'read-only file system',
};

/** A Node fs error worded like Go's *PathError: "open /x: no such file or directory". */
export function goPathError(op: string, path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const text = ERRNO_TEXT[code];
  return new Error(text ? `${op} ${path}: ${text}` : `${op} ${path}: ${(e as Error).message}`);
}

async function openInput(path: string): Promise<NodeJS.ReadableStream> {
  try {
    const fh = await open(path, 'r');
    return fh.createReadStream();
  } catch (e) {
    throw goPathError('open', path, e);
  }
}

function writer(ctx: CommandContext): JsonMessageWriter {
  const out = ctx.stdout as NodeJS.WritableStream & { columns?: number };
  return new JsonMessageWriter(out, isTerminal(out), out.columns ?? 200);
}

// ---- import ----

async function runImport(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const [source, ref] = p.args;
  let body: NodeJS.ReadableStream | undefined;
  let fromSrc = '-';
  if (source === '-') body = ctx.stdin;
  else if (source.startsWith('http://') || source.startsWith('https://')) fromSrc = source;
  else body = await openInput(source);
  if (ref) parseReference(ref);
  const platform = p.flags.platform as string;
  if (platform) platformJson(platform);
  const res = await ctx.client.stream('POST', '/images/create', {
    query: {
      fromSrc, repo: ref || undefined, message: (p.flags.message as string) || undefined,
      platform: platform ? platform.toLowerCase() : undefined, changes: p.flags.change as string[],
    },
    body, headers: { 'Content-Type': 'text/plain' },
  });
  await displayJsonStream(res, writer(ctx));
}

// ---- save ----

/** atomicwriter's validateDestination, with its messages. */
export function validateDestination(path: string): void {
  if (path === '') throw new Error('file name is empty');
  const dir = dirname(path);
  if (dir !== '' && dir !== '.' && dir !== '..') {
    let st: Stats;
    try {
      st = statSync(dir);
    } catch (e) {
      throw new Error(`invalid output path: ${goPathError('stat', dir, e).message}`);
    }
    if (!st.isDirectory()) throw new Error(`invalid output path: stat ${dir}: not a directory`);
  }
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`failed to stat output path: ${goPathError('lstat', path, e).message}`);
  }
  const special = st.mode & 0o7000;
  if (st.isFile() && special === 0) return;
  if (st.isDirectory()) throw new Error('cannot write to a directory');
  if (st.isSymbolicLink()) throw new Error('cannot write to a symbolic link directly');
  if (st.isFIFO()) throw new Error('cannot write to a named pipe (FIFO)');
  if (st.isSocket()) throw new Error('cannot write to a socket');
  if (st.isCharacterDevice()) throw new Error('cannot write to a character device file');
  if (st.isBlockDevice()) throw new Error('cannot write to a block device file');
  if (special & 0o4000) throw new Error('cannot write to a setuid file');
  if (special & 0o2000) throw new Error('cannot write to a setgid file');
  throw new Error('cannot write to a sticky bit file');
}

/**
 * atomicwriter.New(path, 0600): a temporary file beside `path`, renamed over
 * it on commit once something was written; removed in every case.
 */
export async function atomicFile(path: string): Promise<{ stream: WriteStream; commit(): Promise<void>; discard(): Promise<void> }> {
  validateDestination(path);
  const abs = resolve(path);
  const tmp = join(dirname(abs), `.tmp-${basename(path)}${Math.floor(Math.random() * 4294967295)}`);
  const stream = createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true });
  await once(stream, 'open');
  const discard = () => unlink(tmp).catch(() => undefined);
  return {
    stream,
    discard,
    async commit() {
      await chmod(tmp, 0o600);
      if (stream.bytesWritten > 0) await rename(tmp, abs);
    },
  };
}

/**
 * docker's save/export output: a file written atomically with -o, else
 * stdout (never a terminal).
 */
export async function writeOutput(ctx: CommandContext, output: string, what: string, fetch: () => Promise<NodeJS.ReadableStream>): Promise<void> {
  if (output === '' && isTerminal(ctx.stdout)) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  let file: Awaited<ReturnType<typeof atomicFile>> | undefined;
  if (output !== '') {
    try {
      file = await atomicFile(output);
    } catch (e) {
      throw new Error(`failed to ${what}: ${(e as Error).message}`);
    }
  }
  try {
    const res = await fetch();
    if (!file) return await copyOut(res, ctx.stdout);
    await pipeline(res, file.stream);
    await file.commit();
  } finally {
    await file?.discard();
  }
}

async function runSave(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const platform = p.flags.platform as string;
  await writeOutput(ctx, p.flags.output as string, 'save image', () => ctx.client.stream('GET', '/images/get', {
    query: { names: p.args, platform: platform ? platformJson(platform) : undefined },
  }));
}

/** Copies a response body to stdout, leaving stdout open. */
export function copyOut(res: NodeJS.ReadableStream, out: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((done, fail) => {
    res.on('error', fail);
    res.on('end', done);
    res.pipe(out, { end: false });
  });
}

// ---- load ----

async function runLoad(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const input = p.flags.input as string;
  let body: NodeJS.ReadableStream;
  if (input === '') {
    if (isTerminal(ctx.stdin)) throw new Error('requested load from stdin, but stdin is empty');
    body = ctx.stdin;
  } else {
    body = await openInput(input);
  }
  const platform = p.flags.platform as string;
  const quiet = p.flags.quiet === true || !isTerminal(ctx.stdout);
  const res = await ctx.client.stream('POST', '/images/load', {
    query: { quiet, platform: platform ? platformJson(platform) : undefined },
    body, headers: { 'Content-Type': 'application/x-tar' },
  });
  if (String(res.headers['content-type'] ?? '') === 'application/json') {
    await displayJsonStream(res, writer(ctx));
    return;
  }
  await copyOut(res, ctx.stdout);
}

// ---- commands ----

export function importCommand(): Command {
  return {
    name: 'import', aliasesHelp: ['image import', 'import'], usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
    short: 'Import the contents from a tarball to create a filesystem image', args: { min: 1 }, run: runImport,
    flags: [
      { name: 'change', short: 'c', kind: 'list', description: 'Apply Dockerfile instruction to the created image' },
      { name: 'message', short: 'm', kind: 'string', description: 'Set commit message for imported image' },
      { name: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable' },
    ],
  };
}

export function saveCommand(): Command {
  return {
    name: 'save', aliasesHelp: ['image save', 'save'], usage: '[OPTIONS] IMAGE [IMAGE...]',
    short: 'Save one or more images to a tar archive (streamed to STDOUT by default)', args: { min: 1 }, run: runSave,
    flags: [
      { name: 'output', short: 'o', kind: 'string', description: 'Write to a file, instead of STDOUT' },
      { name: 'platform', kind: 'string', description: 'Save only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
    ],
  };
}

export function loadCommand(): Command {
  return {
    name: 'load', aliasesHelp: ['image load', 'load'], usage: '[OPTIONS]', short: 'Load an image from a tar archive or STDIN',
    args: { exact: 0 }, run: runLoad,
    flags: [
      { name: 'input', short: 'i', kind: 'string', description: 'Read from tar archive file, instead of STDIN' },
      { name: 'platform', kind: 'string', description: 'Load only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
      { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress the load output' },
    ],
  };
}

