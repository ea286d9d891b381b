/*
 * The build context as the docker CLI sends it: the directory walked with
 * .dockerignore applied (the Dockerfile and .dockerignore always kept),
 * uid/gid 0, as a tar made by GNU tar from the file list; a Dockerfile from
 * outside the context or from stdin is added as `.dockerfile.<random>`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { compilePatterns, isExcluded, readDockerignore } from '../../core/build/dockerignore.ts';

export interface BuildContext {
  body: Readable;
  /** The dockerfile query parameter ('' for the default). */
  dockerfile: string;
}

async function walk(root: string, rel: string, keep: (rel: string) => boolean, descend: (rel: string) => boolean, out: string[]): Promise<void> {
  const names = (await readdir(rel ? `${root}/${rel}` : root)).sort();
  for (const n of names) {
    const r = rel ? `${rel}/${n}` : n;
    const st = await lstat(`${root}/${r}`);
    const kept = keep(r);
    if (kept) out.push(r);
    if (st.isDirectory() && (kept || descend(r))) await walk(root, r, keep, descend, out);
  }
}

/** One tar member written by hand (a Dockerfile from stdin or outside the context). */
function fileMember(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}

/** A tar of just a Dockerfile (context `-` given a Dockerfile, or an empty context). */
export function dockerfileOnlyTar(name: string, data: Buffer): Buffer {
  return Buffer.concat([fileMember(name, data), Buffer.alloc(1024)]);
}

/** Tar the context directory; `dockerfile` is the -f value ('' default, '-' stdin). */
export async function contextFromDir(dir: string, dockerfile: string, stdinDockerfile?: Buffer): Promise<BuildContext> {
  const root = resolve(dir);
  const st = await lstat(root).catch(() => null);
  if (!st) throw new Error(`unable to prepare context: path "${dir}" not found`);
  if (!st.isDirectory()) throw new Error(`unable to prepare context: context must be a directory: ${root}`);
  let dfRel = '';
  let extra: { name: string; data: Buffer } | null = null;
  if (dockerfile === '-') {
    extra = { name: `.dockerfile.${randomBytes(10).toString('hex')}`, data: stdinDockerfile ?? Buffer.alloc(0) };
  } else {
    const dfPath = dockerfile ? resolve(dockerfile) : resolve(root, 'Dockerfile');
    const rel = relative(root, dfPath);
    const inside = rel && !rel.startsWith('..') && !rel.startsWith('/');
    const exists = await lstat(dfPath).then((s) => s.isFile(), () => false);
    if (!exists && !dockerfile) {
      const lower = resolve(root, 'dockerfile');
      if (!(await lstat(lower).then((s) => s.isFile(), () => false))) throw new Error(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dfPath}: no such file or directory`);
      dfRel = 'dockerfile';
    } else if (!exists) {
      throw new Error(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dfPath}: no such file or directory`);
    } else if (inside) {
      dfRel = rel;
    } else {
      extra = { name: `.dockerfile.${randomBytes(10).toString('hex')}`, data: await readFile(dfPath) };
    }
  }
  const ignoreText = await readFile(`${root}/.dockerignore`, 'utf8').catch(() => '');
  const lines = readDockerignore(ignoreText);
  const pats = compilePatterns(lines);
  const always = new Set(['.dockerignore', dfRel || 'Dockerfile']);
  const keep = (r: string): boolean => always.has(r) || !isExcluded(pats, r);
  // descend into an excluded directory only when an exception could bring something back
  const descend = (r: string): boolean => pats.some((p) => p.exclusion && (p.text.startsWith(`${r}/`) || /[*?[]/.test(p.text))) || [...always].some((a) => a.startsWith(`${r}/`));
  const files: string[] = [];
  await walk(root, '', keep, descend, files);
  // -b 1: 512-byte records, so the archive ends in exactly two zero blocks (held back to append a member)
  const tar = spawn('tar', ['-c', '-f', '-', '-b', '1', '-C', root, '--numeric-owner', '--owner=0', '--group=0', '--no-recursion', '--null', '-T', '-'],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  // Read through a pipe from the start: a child's stdout nobody listens to yet is drained and lost when the child exits
  // (the request that sends this body may start a moment later, after the API version is negotiated).
  const stdout = tar.stdout.pipe(new PassThrough());
  let stderr = '';
  tar.stderr.on('data', (d) => { stderr += d; });
  tar.stdin.end(files.map((f) => `${f}\0`).join(''));
  const exited = new Promise<number | null>((r) => tar.on('close', r));
  async function* gen(): AsyncGenerator<Buffer> {
    let held = Buffer.alloc(0);
    for await (const c of stdout) {
      held = Buffer.concat([held, c as Buffer]);
      if (held.length > 1024) {
        yield held.subarray(0, held.length - 1024);
        held = held.subarray(held.length - 1024);
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`error creating the build context: ${stderr.trim()}`);
    if (extra) yield fileMember(extra.name, extra.data);
    yield Buffer.alloc(1024);
  }
  const out = Readable.from(gen());
  return { body: out, dockerfile: extra ? extra.name : dfRel };
}

/** Context `-`: a tar (plain or compressed) passes through; anything else is a Dockerfile. */
export async function contextFromStdin(stdin: NodeJS.ReadableStream): Promise<BuildContext> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  const data = Buffer.concat(chunks);
  const gz = data[0] === 0x1f && data[1] === 0x8b;
  const bz = data.subarray(0, 3).toString('latin1') === 'BZh';
  const xz = data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  const isTar = data.length >= 512 && data.subarray(257, 262).toString('latin1') === 'ustar';
  if (gz || bz || xz || isTar) return { body: Readable.from([data]), dockerfile: '' };
  return { body: Readable.from([dockerfileOnlyTar('Dockerfile', data)]), dockerfile: '' };
}
