/**
 * `cp`: files between a container and the local filesystem over
 * GET/HEAD/PUT /containers/{id}/archive, with docker's path rules
 * (trailing "/" and "/." decide between copying into and copying as) and
 * "-" for a tar stream on stdin/stdout.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { humanSizeWithPrecision } from '../format/units.ts';
import {
  clean, copyInfoDestinationPath, copyInfoSourcePath, counted, getRebaseName, prepareArchiveCopy, preserveTrailingDotOrSeparator,
  rebaseArchiveEntries, splitPathDirEntry, tarResource, untar, type CopyInfo,
} from './containers-archive.ts';
import { containerPath } from './containers-shared.ts';
import { copyOut, goPathError } from './images-transfer.ts';
import { isTerminal } from './shared.ts';

/** Go's os.FileMode bits in the path-stat header. */
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_IRREGULAR = 2 ** 19;

export interface PathStat { name: string; size: number; mode: number; mtime: string; linkTarget: string }

/** splitCpArg: "container:path", or a local path (absolute, "./x:y", or without ':'). */
export function splitCpArg(arg: string): [string, string] {
  if (arg.startsWith('/')) return ['', arg];
  const colon = arg.indexOf(':');
  if (colon < 0 || arg.startsWith('.')) return ['', arg];
  return [arg.slice(0, colon), arg.slice(colon + 1)];
}

export function decodePathStat(header: string | string[] | undefined): PathStat {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new Error('unable to get resource stat from response: unable to decode container path stat header: EOF');
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as PathStat;
}

async function statPath(ctx: CommandContext, container: string, path: string): Promise<PathStat> {
  const res = await ctx.client.request('HEAD', containerPath(container, '/archive'), { query: { path } });
  return decodePathStat(res.headers['x-docker-container-path-stat']);
}

const isDirMode = (mode: number): boolean => Math.floor(mode / MODE_DIR) % 2 === 1;
const hasBit = (mode: number, bit: number): boolean => Math.floor(mode / bit) % 2 === 1;

function resolveLocalPath(p: string): string {
  return preserveTrailingDotOrSeparator(resolve(p), p);
}

/** command.ValidateOutputPath. */
function validateOutputPath(path: string): void {
  const dir = splitPathDirEntry(clean(path))[0];
  if (dir !== '' && dir !== '.') {
    try {
      statSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`invalid output path: directory ${JSON.stringify(dir)} does not exist`);
    }
  }
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw goPathError('stat', path, e);
  }
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    throw new Error(`invalid output path: ${JSON.stringify(path)} must be a directory or a regular file: got a device`);
  }
}

function summary(ctx: CommandContext, quiet: boolean, bytes: number, dest: string): void {
  if (quiet) return;
  const restore = isTerminal(ctx.stderr) ? '\x1b8\x1b[2K' : '';
  ctx.stderr.write(`${restore}Successfully copied ${humanSizeWithPrecision(bytes, 3)} to ${dest}\n`);
}

function preparing(ctx: CommandContext, quiet: boolean): void {
  if (!quiet && isTerminal(ctx.stderr)) ctx.stderr.write('\x1b7Preparing to copy...');
}

async function copyFromContainer(ctx: CommandContext, container: string, srcPath0: string, dstPath0: string, o: { followLink: boolean; quiet: boolean }): Promise<void> {
  let srcPath = srcPath0;
  const dstPath = dstPath0 === '-' ? '-' : resolveLocalPath(dstPath0);
  validateOutputPath(dstPath);
  let rebaseName = '';
  if (o.followLink) {
    const st = await statPath(ctx, container, srcPath).catch(() => undefined);
    if (st && hasBit(st.mode, MODE_SYMLINK)) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = `${splitPathDirEntry(srcPath)[0]}/${target}`.replace(/\/+/g, '/');
      [srcPath, rebaseName] = getRebaseName(srcPath, clean(target));
    }
  }
  const res = await ctx.client.stream('GET', containerPath(container, '/archive'), { query: { path: srcPath } });
  if (dstPath === '-') {
    await copyOut(res, ctx.stdout);
    return;
  }
  const stat = decodePathStat(res.headers['x-docker-container-path-stat']);
  const srcInfo: CopyInfo = { path: srcPath, exists: true, isDir: isDirMode(stat.mode), rebaseName };
  let content: NodeJS.ReadableStream = res;
  if (rebaseName !== '') content = rebaseArchiveEntries(content, splitPathDirEntry(srcPath)[1], rebaseName);
  preparing(ctx, o.quiet);
  const dstInfo = copyInfoDestinationPath(dstPath);
  const prepared = prepareArchiveCopy(content, srcInfo, dstInfo);
  const bytes = await untar(prepared.content, prepared.dstDir);
  summary(ctx, o.quiet, bytes, dstPath);
}

async function copyToContainer(ctx: CommandContext, container: string, srcPath0: string, dstPath: string, o: { followLink: boolean; quiet: boolean; copyUIDGID: boolean }): Promise<void> {
  const srcPath = srcPath0 === '-' ? '-' : resolveLocalPath(srcPath0);
  const dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false, rebaseName: '' };
  try {
    let st = await statPath(ctx, container, dstPath);
    if (hasBit(st.mode, MODE_SYMLINK)) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = `${splitPathDirEntry(dstPath)[0]}/${target}`.replace(/\/+/g, '/');
      dstInfo.path = clean(target);
      st = await statPath(ctx, container, dstInfo.path);
    }
    const why = hasBit(st.mode, MODE_DEVICE) ? 'got a device' : hasBit(st.mode, MODE_IRREGULAR) ? 'got an irregular file' : '';
    if (why) throw Object.assign(new Error(`destination "${container}:${dstPath}" must be a directory or a regular file: ${why}`), { fatal: true });
    dstInfo.exists = true;
    dstInfo.isDir = isDirMode(st.mode);
  } catch (e) {
    // A missing destination is fine: its parent may exist, and the daemon says so if not.
    if ((e as { fatal?: boolean }).fatal) throw e;
  }
  let content: NodeJS.ReadableStream;
  let resolvedDst: string;
  let bytes = (): number => 0;
  if (srcPath === '-') {
    if (!dstInfo.isDir) throw new Error(`destination "${container}:${dstPath}" must be a directory`);
    content = ctx.stdin;
    resolvedDst = dstInfo.path;
  } else {
    const srcInfo = copyInfoSourcePath(srcPath, o.followLink);
    const prepared = prepareArchiveCopy(tarResource(srcInfo.path, srcInfo.rebaseName), srcInfo, dstInfo);
    const c = counted(prepared.content);
    content = c.stream;
    bytes = c.bytes;
    resolvedDst = prepared.dstDir;
  }
  preparing(ctx, o.quiet);
  await ctx.client.request('PUT', containerPath(container, '/archive'), {
    query: { path: resolvedDst, noOverwriteDirNonDir: 'true', copyUIDGID: o.copyUIDGID ? 'true' : undefined },
    body: content, headers: { 'Content-Type': 'text/plain' },
  });
  summary(ctx, o.quiet, bytes(), `${container}:${dstInfo.path}`);
}

async function runCp(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const [source, destination] = p.args;
  if (source === '') throw new Error('source can not be empty');
  if (destination === '') throw new Error('destination can not be empty');
  const quiet = p.changed.has('quiet') ? p.flags.quiet === true : !isTerminal(ctx.stdout);
  const [srcContainer, srcPath] = splitCpArg(source);
  const [dstContainer, dstPath] = splitCpArg(destination);
  const followLink = p.flags['follow-link'] === true;
  if (srcContainer !== '' && dstContainer !== '') throw new Error('copying between containers is not supported');
  if (srcContainer !== '') return copyFromContainer(ctx, srcContainer, srcPath, dstPath, { followLink, quiet });
  if (dstContainer !== '') return copyToContainer(ctx, dstContainer, srcPath, dstPath, { followLink, quiet, copyUIDGID: p.flags.archive === true });
  throw new Error('must specify at least one container source');
}

export function cpCommand(): Command {
  return {
    name: 'cp',
    usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
    short: 'Copy files/folders between a container and the local filesystem',
    long: "Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\n" +
      "and extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
    aliasesHelp: ['container cp', 'cp'],
    args: { exact: 2 },
    run: runCp,
    flags: [
      { name: 'archive', short: 'a', kind: 'bool', description: 'Archive mode (copy all uid/gid information)' },
      { name: 'follow-link', short: 'L', kind: 'bool', description: 'Always follow symbol link in SRC_PATH' },
      {
        name: 'quiet', short: 'q', kind: 'bool',
        description: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
      },
    ],
  };
}
