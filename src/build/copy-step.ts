/*
 * COPY and ADD steps: sources from the context (minus .dockerignore), from
 * another stage or image (--from), from heredocs, or (ADD) from http(s)
 * URLs; local tar archives are unpacked by ADD; --chown (names looked up in
 * the image), --chmod; the cache key holds the content hash, never times.
 */
import { createHash } from 'node:crypto';
import { chown, mkdir, open, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import { extractToContainer } from '../containers/archive-extract.ts';
import { hostPath, lstatOrNull, resolveInRoot } from '../containers/scoped-path.ts';
import { lookupUser } from '../containers/users.ts';
import { compilePatterns, isExcluded, readDockerignore } from '../core/build/dockerignore.ts';
import type { BuildCtx } from './context-types.ts';
import { contentHash, copyTar, planCopy, resolveSources, type CopyEntry, type Source } from './copy.ts';
import { commitStep } from './image.ts';
import type { Instruction } from './dockerfile/instructions.ts';
import { processWord, processWords } from './dockerfile/lex.ts';
import { createContainer, heredocBody, isDir, probe, record, scratchDir, stepKey } from './step.ts';
import { type Body, type StageState, expansionEnv, shellOf } from './state.ts';

const HEREDOC_SRC = /^\d*<<-?["']?([A-Za-z0-9_.-]+)["']?$/;

/** Whether a file starts like a tar archive (plain, gzip, bzip2, xz or zstd). */
async function isArchive(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(512);
    const { bytesRead } = await fh.read(b, 0, 512, 0);
    if (bytesRead >= 3 && b[0] === 0x1f && b[1] === 0x8b) return true;
    if (bytesRead >= 3 && b.subarray(0, 3).toString('latin1') === 'BZh') return true;
    if (bytesRead >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true;
    if (bytesRead >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return true;
    return bytesRead === 512 && b.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

async function download(ctx: BuildCtx, url: string, dir: string, checksum: string | undefined): Promise<Source> {
  let res: Response;
  try {
    res = await fetch(url, { signal: ctx.signal, redirect: 'follow' });
  } catch (e) {
    throw new InvalidParameterError(`failed to GET ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new InvalidParameterError(`failed to GET ${url} with status ${res.status} ${res.statusText}: ${(await res.text()).slice(0, 200)}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (checksum) {
    const [algo, want] = checksum.includes(':') ? checksum.split(':', 2) : ['sha256', checksum];
    if (!['sha256', 'sha384', 'sha512'].includes(algo)) throw new InvalidParameterError(`unsupported digest algorithm ${algo}`);
    const got = createHash(algo).update(body).digest('hex');
    if (got !== want) throw new InvalidParameterError(`digest mismatch ${algo}:${got}: ${checksum}`);
  }
  let name = posix.basename(new URL(url).pathname) || '__unnamed__';
  if (name === '/' || name === '') name = '__unnamed__';
  const path = `${dir}/${name}`;
  await writeFile(path, body, { mode: 0o600 });
  const lm = res.headers.get('last-modified');
  if (lm) {
    const { utimes } = await import('node:fs/promises');
    const t = new Date(lm);
    if (!Number.isNaN(t.getTime())) await utimes(path, t, t);
  }
  const { stat } = await import('node:fs/promises');
  return { host: path, rel: name, st: await stat(path) };
}

async function hostPathOf(root: string, p: string): Promise<string> {
  return hostPath(root, await resolveInRoot(root, p));
}

/** mkdir -p inside root; created directories get the owner. */
async function mkdirIn(root: string, dir: string, owner: { uid: number; gid: number } | null): Promise<void> {
  const parts = dir.split('/').filter(Boolean);
  let cur = '';
  for (const p of parts) {
    cur += `/${p}`;
    const host = await hostPathOf(root, cur);
    if (await lstatOrNull(host)) continue;
    await mkdir(host, { mode: 0o755 });
    if (owner) await chown(host, owner.uid, owner.gid);
  }
}

/** Run `fn` on a writable rootfs of the stage's image, then commit it as the step's layer. */
async function withRootfs(ctx: BuildCtx, s: StageState, cc: Body, fn: (root: string) => Promise<void>): Promise<string> {
  const common = {
    parent: s.image, config: s.config, containerConfig: cc, layer: true, createdBy: (cc.Cmd as string[]).join(' '),
    created: ctx.created(), platform: s.platform, clampMtime: ctx.clampMtime, author: s.maintainer || undefined,
  };
  if (!s.image) {
    const tmp = await scratchDir(ctx, 'scratch-');
    try {
      await fn(tmp.dir);
      return await commitStep(ctx.images, { ...common, container: null, upperDir: tmp.dir });
    } finally {
      await tmp.done();
    }
  }
  let c: ContainerRecord | null = null;
  try {
    c = await createContainer(ctx, s, cc);
    const cont = c;
    await ctx.files.access.with(cont, fn);
    return await commitStep(ctx.images, { ...common, container: cont });
  } finally {
    if (c) await ctx.containers.remove(c.id);
  }
}

async function walkEntries(sources: Source[], excluded?: (rel: string, srcRel?: string) => boolean): Promise<CopyEntry[]> {
  const plan = await planCopy(sources, '/x/', async () => true, 'COPY', excluded);
  return plan.entries;
}

export async function dispatchCopy(ctx: BuildCtx, s: StageState, ins: Instruction): Promise<void> {
  const cmd = ins.cmd.toUpperCase();
  const env = expansionEnv(s);
  const args = ins.exec ? ins.exec.map((a) => processWord(a, env, ctx.escape)) : processWords(ins.shell ?? '', env, ctx.escape);
  const flag = (n: string): string | undefined => {
    const v = ins.flags.get(n)?.at(-1);
    return v === undefined ? undefined : processWord(v, env, ctx.escape);
  };
  const from = flag('from');
  const chownSpec = flag('chown');
  const chmodSpec = flag('chmod');
  const checksum = flag('checksum');
  const parents = ins.flags.has('parents') && flag('parents') !== 'false';
  if (from !== undefined && cmd === 'ADD') throw new InvalidParameterError('ADD does not support --from');
  let chmod: number | undefined;
  if (chmodSpec) {
    if (!/^[0-7]{1,4}$/.test(chmodSpec)) throw new InvalidParameterError(`invalid chmod parameter: ${chmodSpec}`);
    chmod = Number.parseInt(chmodSpec, 8);
  }
  let rawDest = args.at(-1)!;
  let srcs = args.slice(0, -1);
  if (!ins.exec && ins.heredocs.length && HEREDOC_SRC.test(rawDest)) throw new InvalidParameterError(`${cmd} requires a destination`);
  const tmp = await scratchDir(ctx, 'copy-');
  let fromContainer: ContainerRecord | null = null;
  let releaseFrom: (() => void) | null = null;
  let fromDone: Promise<void> | null = null;
  try {
    // heredoc sources become files in a scratch directory
    const heredocSources: Source[] = [];
    if (ins.heredocs.length) {
      const rest: string[] = [];
      for (const a of srcs) {
        const m = HEREDOC_SRC.exec(a);
        const h = m ? ins.heredocs.find((x) => x.name === m[1]) : undefined;
        if (!h) {
          rest.push(a);
          continue;
        }
        const path = `${tmp.dir}/${h.name}`;
        await writeFile(path, heredocBody(ctx, s, h), { mode: 0o644 });
        const { stat } = await import('node:fs/promises');
        heredocSources.push({ host: path, rel: h.name, st: await stat(path) });
      }
      srcs = rest;
    }
    const urlSources: Source[] = [];
    if (cmd === 'ADD') {
      const rest: string[] = [];
      for (const a of srcs) {
        if (/^https?:\/\//i.test(a)) urlSources.push(await download(ctx, a, tmp.dir, checksum));
        else rest.push(a);
      }
      srcs = rest;
      if (checksum && !urlSources.length) throw new InvalidParameterError('checksum can\'t be specified for non-HTTP(S) sources');
    }
    let root = ctx.contextDir;
    // .dockerignore (the context only) and --exclude patterns (context- or source-relative)
    const excl = compilePatterns((ins.flags.get('exclude') ?? []).map((p) => processWord(p, env, ctx.escape)).flatMap((p) => readDockerignore(p)));
    const byFlag = (rel: string, srcRel?: string): boolean => excl.length > 0 && (isExcluded(excl, rel) || (srcRel !== undefined && isExcluded(excl, srcRel)));
    let excluded: ((rel: string, srcRel?: string) => boolean) | undefined = (rel, srcRel) => ctx.excluded(rel) || byFlag(rel, srcRel);
    let fromId = '';
    if (from !== undefined) {
      fromId = ctx.stageImages.get(from.toLowerCase()) ?? '';
      if (!ctx.stageImages.has(from.toLowerCase())) {
        if (/^\d+$/.test(from)) throw new InvalidParameterError(`invalid from flag value ${from}: refers to current build stage or a later one`);
        fromId = (await ctx.images.get(from)).id;
      }
      excluded = excl.length ? byFlag : undefined;
      if (fromId) {
        fromContainer = await ctx.containers.create({ Image: fromId, Cmd: ['#(nop) copy-from'], Entrypoint: [''] } as never, {});
        const fc = fromContainer;
        root = await new Promise<string>((resolve, reject) => {
          fromDone = ctx.files.access.with(fc, (r) => {
            resolve(r);
            return new Promise<void>((fin) => { releaseFrom = fin; });
          });
          fromDone.catch(reject);
        });
      } else {
        root = tmp.dir + '/.empty';
        await mkdir(root);
      }
    }
    const sources = [...(await resolveSources(root, srcs, cmd, excluded)), ...heredocSources, ...urlSources];
    if (!sources.length) throw new NotFoundError(`${cmd} failed: no source files were specified`);
    const archives = cmd === 'ADD' ? await Promise.all(sources.map(async (x) => !urlSources.includes(x) && x.st.isFile() && isArchive(x.host))) : sources.map(() => false);
    const entries = await walkEntries(sources.filter((_, i) => !archives[i]), excluded);
    const hashInput = [...sources.filter((_, i) => archives[i])];
    const hash = await contentHash(sources, [...entries, ...hashInput.map((x) => ({ host: x.host, name: `archive:${x.rel}`, st: x.st }))]);
    // destination, relative to WORKDIR, with its trailing slash kept
    const slash = rawDest.endsWith('/') || rawDest === '.' || rawDest.endsWith('/.');
    if (!posix.isAbsolute(rawDest)) rawDest = posix.join('/', s.config.WorkingDir || '/', rawDest);
    let dest = posix.normalize(rawDest);
    if (slash && !dest.endsWith('/')) dest += '/';
    const comment = `${cmd} ${hash} in ${dest} `;
    const cc: Body = { ...structuredClone(s.config), Cmd: [...shellOf(s), `#(nop) ${comment}`] };
    const key = stepKey(s, cc, { chown: chownSpec ?? '', chmod: chmodSpec ?? '', from: fromId, parents });
    if (await probe(ctx, s, key, (cc.Cmd as string[]).join(' '))) return;
    const id = await withRootfs(ctx, s, cc, async (rootfs) => {
      let owner: { uid: number; gid: number } | null = null;
      if (chownSpec) {
        try {
          owner = await lookupUser(rootfs, chownSpec);
        } catch (e) {
          throw new InvalidParameterError(`unable to convert uid/gid chown string to host mapping: ${(e as Error).message}`);
        }
      }
      const plain = sources.filter((_, i) => !archives[i]);
      if (plain.length) {
        const plan = await planCopy(plain, dest, async (p) => isDir(await hostPathOf(rootfs, p)), cmd, excluded, parents);
        await mkdirIn(rootfs, plan.dir, owner);
        await extractToContainer({
          root: rootfs, path: plan.dir, container: 'build', input: copyTar(plan.entries, { uid: owner?.uid, gid: owner?.gid, chmod, clampMtime: ctx.clampMtime }),
          opts: { noOverwriteDirNonDir: false, copyUIDGID: false }, signal: ctx.signal, readonlyRootfs: false, user: '',
        });
      }
      for (const a of sources.filter((_, i) => archives[i])) {
        const dir = dest.replace(/\/+$/, '') || '/';
        await mkdirIn(rootfs, dir, owner);
        await extractToContainer({
          root: rootfs, path: dir, container: 'build', input: createReadStream(a.host),
          // --chown also owns what an archive unpacks to (lookupUser in the image, as for docker cp -a)
          opts: { noOverwriteDirNonDir: false, copyUIDGID: !!chownSpec }, signal: ctx.signal, readonlyRootfs: false, user: chownSpec ?? '',
        });
      }
    });
    await record(ctx, s, key, id, comment);
  } finally {
    (releaseFrom as (() => void) | null)?.();
    if (fromDone) await (fromDone as Promise<void>).catch(() => undefined);
    if (fromContainer) await ctx.containers.remove(fromContainer.id);
    await tmp.done();
  }
}
