/*
 * The builder: a context tarball and options in, an image out, with the
 * classic builder's output stream. Stages the target does not need are
 * skipped (as BuildKit does); the others run in order, each from its base
 * (an image, an earlier stage, or scratch) with ONBUILD triggers first.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { BuildBackend, BuildOptions, BuildPruneOptions, BuildSink, EnsureImage } from '../core/build/types.ts';
import { dockerignoreMatcher } from '../core/build/dockerignore.ts';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { goTimestamp } from '../core/go-time.ts';
import type { ImageRecord } from '../core/images/types.ts';
import type { ContainerFilesService } from '../containers/files.ts';
import type { ContainerService } from '../containers/service.ts';
import { untarInto } from '../containers/untar.ts';
import type { ImageService } from '../images/service.ts';
import type { Platform } from '../core/distribution/types.ts';
import { hostPlatform, parsePlatform } from '../core/platform.ts';
import { familiarName, familiarString, parseReference, withDefaultTag } from '../core/reference/reference.ts';
import { BuildCache } from './cache.ts';
import type { BuildCtx } from './context-types.ts';
import { parseStages, toInstruction, type Stage } from './dockerfile/instructions.ts';
import { parseDockerfile } from './dockerfile/parser.ts';
import { processWord } from './dockerfile/lex.ts';
import { dispatch } from './dispatch.ts';
import { commitNop, short } from './step.ts';
import { rfc3339 } from './image.ts';
import { BuildContainers } from './run.ts';
import { DEFAULT_PATH, type StageState } from './state.ts';
import { directDeps, stageDeps } from './graph.ts';
import { OutputSequencer } from './sequencer.ts';
import { nowRfc3339Nano } from '../core/time.ts';

export interface BuildServiceDeps {
  images: ImageService;
  containers: ContainerService;
  files: ContainerFilesService;
  root: string;
  /** Fetch a FROM image that is not local (the pull service); absent until it is wired. */
  ensureImage?: EnsureImage;
  /** Store a built image's layers compressed, ready to push (runs after the build has answered). */
  storeCompressed?: (imageId: string) => Promise<void>;
}

const PLATFORM_ARGS = (p: { os: string; architecture: string; variant?: string }): Record<string, string> => {
  const plat = `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
  return {
    BUILDPLATFORM: plat, BUILDOS: p.os, BUILDARCH: p.architecture, BUILDVARIANT: p.variant ?? '',
    TARGETPLATFORM: plat, TARGETOS: p.os, TARGETARCH: p.architecture, TARGETVARIANT: p.variant ?? '',
  };
};

/** A build's or a stage's `--platform`; empty: the host's. */
function buildPlatform(p: string): Platform {
  return p ? parsePlatform(p) : hostPlatform();
}

export class BuildService implements BuildBackend {
  readonly d: BuildServiceDeps;
  readonly cache: BuildCache;

  constructor(deps: BuildServiceDeps) {
    this.d = deps;
    this.cache = new BuildCache(`${deps.root}/cache`);
  }

  async init(): Promise<void> {
    await this.cache.init();
    await rm(`${this.d.root}/tmp`, { recursive: true, force: true });
    await mkdir(`${this.d.root}/tmp`, { recursive: true, mode: 0o700 });
    await mkdir(`${this.d.root}/mounts`, { recursive: true, mode: 0o700 });
  }

  async build(context: Readable, opts: BuildOptions, sink: BuildSink, signal: AbortSignal): Promise<{ id: string }> {
    const tmpDir = await mkdtemp(`${this.d.root}/tmp/build-`);
    const containers = new BuildContainers(this.d.containers);
    try {
      const ctxDir = `${tmpDir}/context`;
      await mkdir(ctxDir, { mode: 0o755 });
      await untarInto(ctxDir, context, signal, null);
      return await this.run(ctxDir, tmpDir, opts, sink, signal, containers);
    } finally {
      if (opts.rm !== false || signal.aborted) await containers.removeAll();
      await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async readDockerfile(ctxDir: string, name: string): Promise<{ text: string; rel: string }> {
    const rel = posix.normalize(`/${name || 'Dockerfile'}`).slice(1);
    const candidates = name ? [rel] : ['Dockerfile', 'dockerfile'];
    for (const c of candidates) {
      try {
        return { text: await readFile(`${ctxDir}/${c}`, 'utf8'), rel: c };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EISDIR') throw new InvalidParameterError(`Cannot locate specified Dockerfile: ${name || 'Dockerfile'}`);
      }
    }
    throw new InvalidParameterError(`Cannot locate specified Dockerfile: ${name || 'Dockerfile'}`);
  }

  /** -q: the output is kept and sent only when the build fails (moby's notVerboseBuffer). */
  private async run(ctxDir: string, tmpDir: string, opts: BuildOptions, sink: BuildSink, signal: AbortSignal, containers: BuildContainers): Promise<{ id: string }> {
    const quiet: string[] = [];
    try {
      return await this.runStages(ctxDir, tmpDir, opts, sink, signal, containers, quiet);
    } catch (e) {
      if (quiet.length) sink.stream(quiet.join(''));
      throw e;
    }
  }

  private async runStages(ctxDir: string, tmpDir: string, opts: BuildOptions, sink: BuildSink, signal: AbortSignal, containers: BuildContainers, quiet: string[]):
    Promise<{ id: string }> {
    const df = await this.readDockerfile(ctxDir, opts.dockerfile);
    const ignoreText = await readFile(`${ctxDir}/.dockerignore`, 'utf8').catch(() => '');
    const ignored = dockerignoreMatcher(ignoreText);
    const excluded = ignored;
    const ast = parseStages(df.text, opts.dockerfile || 'Dockerfile');
    const platform = buildPlatform(opts.platform);
    const sde = opts.buildArgs.SOURCE_DATE_EPOCH;
    const epoch = typeof sde === 'string' && /^\d+$/.test(sde) ? Number(sde) : undefined;
    const ctx: BuildCtx = {
      opts, sink, signal, images: this.d.images, files: this.d.files, containers, cache: this.cache, contextDir: ctxDir, excluded,
      escape: ast.escape, metaArgs: new Map(), usedArgs: new Set(), stageImages: new Map(), tmpDir, mountCacheDir: `${this.d.root}/mounts`,
      cacheFrom: await this.cacheSources(opts.cacheFrom),
      created: () => (epoch !== undefined ? rfc3339(epoch * 1000) : nowRfc3339Nano()), clampMtime: epoch, useCache: !opts.noCache,
      out: opts.quiet ? (t) => { quiet.push(t); } : (t) => sink.stream(t),
    };
    // meta ARGs: defaults expanded with the ones before them, overridden by build args
    const metaEnv = new Map<string, string>(Object.entries(PLATFORM_ARGS(platform)));
    for (const ins of ast.metaArgs) {
      for (const p of ins.pairs) {
        let v = p.value === null ? undefined : processWord(p.value, metaEnv, ast.escape);
        const given = opts.buildArgs[p.key];
        if (typeof given === 'string') v = given;
        if (p.key in opts.buildArgs) ctx.usedArgs.add(p.key);
        ctx.metaArgs.set(p.key, v);
        if (v !== undefined) metaEnv.set(p.key, v);
        else metaEnv.delete(p.key);
      }
    }
    // the stages to build: the target and what it needs
    let targetIdx = ast.stages.length - 1;
    if (opts.target) {
      targetIdx = ast.stages.findIndex((s) => s.name === opts.target.toLowerCase());
      if (targetIdx < 0) throw new InvalidParameterError(`failed to reach build target ${opts.target} in Dockerfile`);
    }
    const bases = ast.stages.map((s) => processWord(s.base, metaEnv, ast.escape));
    const needed = stageDeps(ast.stages, bases, targetIdx, (s, v) => processWord(v, metaEnv, ast.escape));
    const todo = ast.stages.filter((s) => needed.has(s.index));
    const total = todo.reduce((n, s) => n + 1 + s.instructions.length, 0);
    // independent stages run at the same time; their output keeps Dockerfile order
    const deps = directDeps(ast.stages, bases, (_s, v) => processWord(v, metaEnv, ast.escape));
    const firstStep = new Map<number, number>();
    let steps = 0;
    for (const st of todo) {
      firstStep.set(st.index, steps);
      steps += 1 + st.instructions.length;
    }
    // -q keeps the aux messages back too (dockerd writes them to the same not-verbose buffer)
    const seq = new OutputSequencer(todo.length, (m) => ('aux' in m ? (opts.quiet ? undefined : sink.aux(m.aux)) : ctx.out(m.stream)));
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const running = new Map<number, Promise<StageState>>();
    const runStage = async (pos: number, stage: Stage): Promise<StageState> => {
      await Promise.all(deps[stage.index].map((i) => running.get(i)).filter((p) => p !== undefined));
      const sctx: BuildCtx = { ...ctx, signal: stop.signal, useCache: !opts.noCache, out: (t) => seq.write(pos, { stream: t }) };
      let step = firstStep.get(stage.index)!;
      const cancelled = (): void => {
        if (stop.signal.aborted) throw new InvalidParameterError('Build cancelled');
      };
      cancelled();
      sctx.out(`Step ${++step}/${total} : ${stage.from.node.original}\n`);
      const s = await this.beginStage(sctx, stage, bases[stage.index], platform, metaEnv);
      await this.onBuildTriggers(sctx, s);
      sctx.out(` ---> ${s.image ? short(s.image.id) : ''}\n`);
      for (const ins of stage.instructions) {
        cancelled();
        sctx.out(`Step ${++step}/${total} : ${ins.node.original}\n`);
        await dispatch(sctx, s, ins);
        sctx.out(` ---> ${s.image ? short(s.image.id) : ''}\n`);
      }
      // the target's ID comes after its --label step (dockerd's label step is part of the stage: one ID per stage)
      const labelled = stage.index === targetIdx && Object.keys(opts.labels).length > 0;
      if (s.image && !labelled) seq.write(pos, { aux: { ID: s.image.id } });
      ctx.stageImages.set(String(stage.index), s.image?.id ?? '');
      if (stage.name) ctx.stageImages.set(stage.name, s.image?.id ?? '');
      seq.finish(pos);
      return s;
    };
    let last: StageState | null = null;
    try {
      todo.forEach((stage, pos) => {
        const p = runStage(pos, stage);
        p.catch(() => stop.abort());
        running.set(stage.index, p);
      });
      const results = await Promise.allSettled([...running.values()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !/^Build cancelled$/.test(String((r.reason as Error)?.message)))
        ?? results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        seq.flushAll();
        throw failed.reason;
      }
      last = (results.at(-1) as PromiseFulfilledResult<StageState>).value;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (!last?.image) throw new InvalidParameterError('No image was generated. Is your Dockerfile empty?');
    const unused = Object.keys(opts.buildArgs).filter((k) => !ctx.usedArgs.has(k) && !PROXY.has(k) && k !== 'SOURCE_DATE_EPOCH').sort();
    if (unused.length) ctx.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    return { id: await this.finish(ctx, last, opts) };
  }

  /** --cache-from images; missing ones are skipped, as dockerd does. */
  private async cacheSources(refs: string[]): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const r of refs) {
      try {
        out.push(await this.d.images.get(r));
      } catch {
        // not here: no cache from it
      }
    }
    return out;
  }

  private async finish(ctx: BuildCtx, s: StageState, opts: BuildOptions): Promise<string> {
    let image = s.image!;
    if (Object.keys(opts.labels).length) {
      // --label: one more metadata step, as dockerd adds the labels to the last stage's config
      s.config.Labels = { ...(s.config.Labels ?? {}), ...opts.labels };
      const out = ctx.out;
      ctx.out = () => undefined;
      try {
        await commitNop(ctx, s, `LABEL ${Object.entries(opts.labels).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      } finally {
        ctx.out = out;
      }
      image = s.image!;
      if (!opts.quiet) ctx.sink.aux({ ID: image.id });
    }
    if (opts.quiet) ctx.sink.stream(`${image.id}\n`);
    else ctx.out(`Successfully built ${short(image.id)}\n`);
    for (const t of opts.tags) {
      const ref = withDefaultTag(parseReference(t));
      await this.d.images.tag(image.id, familiarName(ref), ref.tag ?? 'latest');
      ctx.out(`Successfully tagged ${familiarString(ref)}\n`);
    }
    void this.d.storeCompressed?.(image.id);
    return image.id;
  }

  private async resolveBase(ctx: BuildCtx, name: string, platform: StageState['platform']): Promise<ImageRecord | null> {
    if (name === 'scratch') return null;
    const stageId = ctx.stageImages.get(name.toLowerCase());
    if (stageId !== undefined) return stageId ? this.d.images.get(stageId) : null;
    if (!ctx.opts.pull) {
      try {
        return await this.d.images.get(name);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    if (!this.d.ensureImage) {
      const ref = familiarString(withDefaultTag(parseReference(name)));
      throw new NotFoundError(`pull access denied for ${ref.replace(/:[^:/]*$/, '')}, repository does not exist or may require 'docker login'`);
    }
    const id = await this.d.ensureImage(name, {
      platform: `${platform.os}/${platform.architecture}`, auth: ctx.opts.registryAuth, sink: ctx.sink, signal: ctx.signal,
    });
    return this.d.images.get(id);
  }

  private async beginStage(ctx: BuildCtx, stage: Stage, base: string, platform: StageState['platform'], metaEnv: Map<string, string>): Promise<StageState> {
    if (!base) throw new InvalidParameterError('base name (${' + stage.base + '}) should not be blank');
    const fromPlatform = stage.platform ? buildPlatform(processWord(stage.platform, metaEnv, ctx.escape)) : platform;
    try {
      parseReference(base);
    } catch {
      if (base !== 'scratch' && !ctx.stageImages.has(base.toLowerCase())) throw new InvalidParameterError(`invalid reference format: repository name (${base}) must be lowercase`);
    }
    const image = await this.resolveBase(ctx, base, fromPlatform);
    const config = structuredClone(image?.config.config ?? {});
    if (!config.Env?.length) config.Env = [DEFAULT_PATH];
    return {
      name: stage.name, index: stage.index, image, config, args: new Map(), cmdSet: false, maintainer: '',
      platform: image ? { os: image.config.os, architecture: image.config.architecture, ...(image.config.variant ? { variant: image.config.variant } : {}) } : fromPlatform,
    };
  }

  private async onBuildTriggers(ctx: BuildCtx, s: StageState): Promise<void> {
    const triggers = s.config.OnBuild ?? [];
    s.config.OnBuild = null;
    if (!triggers.length) return;
    ctx.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
    for (const t of triggers) {
      const node = parseDockerfile(t).nodes[0];
      if (!node) continue;
      const ins = toInstruction(node, ctx.escape);
      if (ins.cmd === 'onbuild' || ins.cmd === 'from' || ins.cmd === 'maintainer') throw new InvalidParameterError(`${ins.cmd.toUpperCase()} isn't allowed as an ONBUILD trigger`);
      await dispatch(ctx, s, ins);
    }
  }

  async prune(opts: BuildPruneOptions): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    const until = buildPruneUntil(opts.filters);
    const cutoff = until ?? Infinity;
    for (const e of await this.cache.all()) {
      if (!opts.all && e.lastUsed > cutoff) continue;
      // an entry is a small record (the step's image stays until `image prune`)
      reclaimed += await treeSize(join(this.d.root, 'cache', e.key));
      await this.cache.remove(e.key);
      deleted.push(e.key);
    }
    if (opts.all || !until) {
      for (const name of await readdir(join(this.d.root, 'mounts')).catch(() => [] as string[])) {
        const p = join(this.d.root, 'mounts', name);
        reclaimed += await treeSize(p);
        await rm(p, { recursive: true, force: true });
        deleted.push(`mount-cache:${name}`);
      }
    }
    return { CachesDeleted: deleted, SpaceReclaimed: reclaimed };
  }
}

/** Bytes held by a file or a directory tree (symlinks not followed). */
async function treeSize(p: string): Promise<number> {
  const st = await lstat(p).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await readdir(p).catch(() => [] as string[])) total += await treeSize(join(p, name));
  return total;
}

const PROXY = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

/** builder-next's toBuildkitPruneInfo: one `until` (or its old name `unused-for`), a duration or a time; milliseconds. */
function buildPruneUntil(f: Map<string, string[]>): number | undefined {
  const until = f.get('until') ?? [];
  const unusedFor = f.get('unused-for') ?? [];
  if (until.length && unusedFor.length) throw new InvalidParameterError('failed to prune build cache: conflicting filters: "until" and "unused-for"');
  const values = [...until, ...unusedFor];
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new InvalidParameterError('failed to prune build cache: filters expect only one value');
  try {
    return goTimestamp(values[0]);
  } catch (e) {
    const key = unusedFor.length ? 'unused-for' : 'until';
    throw new InvalidParameterError(`failed to prune build cache: "${key}" filter expects a duration (e.g., '24h') or a timestamp: ${(e as Error).message}`);
  }
}
