/*
 * What every build step shares: the cache probe and record, the
 * `#(nop)` config of metadata steps, build containers (created, removed
 * or kept as dockerd does) and small helpers.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { ContainerRecord, HostConfig } from '../core/containers/types.ts';
import { cacheKey } from './cache.ts';
import { cacheFromHit } from './cache-from.ts';
import type { BuildCtx } from './context-types.ts';
import { expandKeepQuotes, processWord, processWords } from './dockerfile/lex.ts';
import type { Instruction } from './dockerfile/instructions.ts';
import { commitStep } from './image.ts';
import { type Body, type StageState, expansionEnv, shellOf } from './state.ts';

export const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export function nopConfig(s: StageState, comment: string, spaced = true): Body {
  return { ...structuredClone(s.config), Cmd: spaced ? [...shellOf(s), '#(nop) ', comment] : [...shellOf(s), `#(nop) ${comment}`] };
}

/** The cache key of a step: its parent image and its run config. */
export function stepKey(s: StageState, containerConfig: Body, extra: unknown = null): string {
  return cacheKey({ v: 1, parent: s.image?.id ?? '', platform: s.platform, config: containerConfig, extra });
}

/** Probe the cache; on a hit the stage moves to the cached image. */
export async function probe(ctx: BuildCtx, s: StageState, key: string, createdBy: string): Promise<boolean> {
  if (!ctx.useCache) return false;
  const e = await ctx.cache.get(key);
  if (e) {
    try {
      s.image = await ctx.images.get(e.imageId);
      ctx.out(' ---> Using cache\n');
      await ctx.cache.touch(e).catch(() => undefined);
      return true;
    } catch {
      await ctx.cache.remove(key);
    }
  }
  if (ctx.cacheFrom.length) {
    const id = await cacheFromHit(ctx.images, ctx.cacheFrom, s.image, createdBy, s.config);
    if (id) {
      s.image = await ctx.images.get(id);
      ctx.out(' ---> Using cache\n');
      return true;
    }
  }
  ctx.useCache = false;
  return false;
}

export async function record(ctx: BuildCtx, s: StageState, key: string, id: string, description: string): Promise<void> {
  s.image = await ctx.images.get(id);
  const now = Date.now();
  await ctx.cache.put({ key, imageId: id, created: now, lastUsed: now, description });
}

function hostConfig(ctx: BuildCtx): HostConfig {
  const o = ctx.opts;
  const h: HostConfig = { NetworkMode: o.networkMode || 'default', ExtraHosts: o.extraHosts };
  if (o.shmSize) h.ShmSize = o.shmSize;
  if (o.memory) h.Memory = o.memory;
  if (o.memorySwap) h.MemorySwap = o.memorySwap;
  if (o.cpuShares) h.CpuShares = o.cpuShares;
  if (o.cpuQuota) h.CpuQuota = o.cpuQuota;
  if (o.cpuPeriod) h.CpuPeriod = o.cpuPeriod;
  if (o.cpusetCpus) h.CpusetCpus = o.cpusetCpus;
  return h;
}

export async function createContainer(ctx: BuildCtx, s: StageState, cfg: Body, extra: HostConfig = {}): Promise<ContainerRecord> {
  return ctx.containers.create({ ...(cfg as object), Image: s.image!.id, Entrypoint: [''] } as never, { ...hostConfig(ctx), ...extra });
}

/** After a step: removed (and said so), or kept with --rm=false, as dockerd does. */
export async function removeContainer(ctx: BuildCtx, c: ContainerRecord): Promise<void> {
  if (ctx.opts.rm === false) {
    ctx.containers.keep(c.id);
    return;
  }
  await ctx.containers.remove(c.id);
  ctx.out(` ---> Removed intermediate container ${short(c.id)}\n`);
}

/** A metadata step: `#(nop)` container, committed without a layer. */
export async function commitNop(ctx: BuildCtx, s: StageState, comment: string, spaced = true): Promise<void> {
  const cc = nopConfig(s, comment, spaced);
  const key = stepKey(s, cc);
  if (await probe(ctx, s, key, (cc.Cmd as string[]).join(' '))) return;
  let c: ContainerRecord | null = null;
  if (s.image) {
    c = await createContainer(ctx, s, cc);
    ctx.out(` ---> Running in ${short(c.id)}\n`);
  }
  try {
    const id = await commitStep(ctx.images, {
      parent: s.image, config: s.config, containerConfig: cc, container: c, layer: false, createdBy: (cc.Cmd as string[]).join(' '),
      created: ctx.created(), platform: s.platform, author: s.maintainer || undefined,
    });
    await record(ctx, s, key, id, comment);
  } finally {
    if (c) await removeContainer(ctx, c);
  }
}

export function words(ctx: BuildCtx, s: StageState, text: string): string[] {
  return processWords(text, expansionEnv(s), ctx.escape);
}

export function word(ctx: BuildCtx, s: StageState, text: string): string {
  return processWord(text, expansionEnv(s), ctx.escape);
}

export function shellOrExec(s: StageState, ins: Instruction): string[] {
  if (ins.exec) return ins.exec;
  return [...shellOf(s), ins.shell ?? ''];
}

export function heredocBody(ctx: BuildCtx, s: StageState, h: { content: string; expand: boolean }): string {
  return h.expand ? expandKeepQuotes(h.content, expansionEnv(s), ctx.escape) : h.content;
}

export async function scratchDir(ctx: BuildCtx, prefix: string): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(`${ctx.tmpDir}/${prefix}`);
  return { dir, done: () => rm(dir, { recursive: true, force: true }) };
}

export async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}
