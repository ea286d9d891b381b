/*
 * Instruction executors, as dockerd's classic builder runs them: every
 * step is probed in the cache, then committed as a new image; metadata
 * steps through a created (never started) container, RUN in a started
 * one, COPY/ADD into a mounted rootfs.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { InvalidParameterError, SystemError } from '../core/errors.ts';
import type { ContainerRecord, HostConfig } from '../core/containers/types.ts';
import { hostPath, resolveInRoot } from '../containers/scoped-path.ts';
import { cacheKey } from './cache.ts';
import { cacheFromHit } from './cache-from.ts';
import type { BuildCtx } from './context-types.ts';
import { expandKeepQuotes, processWord, processWords } from './dockerfile/lex.ts';
import type { Instruction } from './dockerfile/instructions.ts';
import { commitStep } from './image.ts';
import { runMounts } from './mounts.ts';
import { type Body, type StageState, exposedPorts, expansionEnv, goDuration, goQuoteList, runArgs, setEnv, shellOf } from './state.ts';
import { dispatchCopy } from './copy-step.ts';

export const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

function nopConfig(s: StageState, comment: string, spaced = true): Body {
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
async function removeContainer(ctx: BuildCtx, c: ContainerRecord): Promise<void> {
  if (ctx.opts.rm === false) {
    ctx.containers.keep(c.id);
    return;
  }
  await ctx.containers.remove(c.id);
  ctx.out(` ---> Removed intermediate container ${short(c.id)}\n`);
}

/** A metadata step: `#(nop)` container, committed without a layer. */
export async function commitNop(ctx: BuildCtx, s: StageState, comment: string): Promise<void> {
  const cc = nopConfig(s, comment);
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

function words(ctx: BuildCtx, s: StageState, text: string): string[] {
  return processWords(text, expansionEnv(s), ctx.escape);
}

function word(ctx: BuildCtx, s: StageState, text: string): string {
  return processWord(text, expansionEnv(s), ctx.escape);
}

function shellOrExec(s: StageState, ins: Instruction): string[] {
  if (ins.exec) return ins.exec;
  return [...shellOf(s), ins.shell ?? ''];
}

async function dispatchRun(ctx: BuildCtx, s: StageState, ins: Instruction): Promise<void> {
  let cmd: string[];
  // a heredoc with a #! line runs as a script file, as BuildKit does (/dev/pipes/<name>)
  let shebang: { name: string; content: string } | null = null;
  if (ins.heredocs.length && !ins.exec) {
    const only = /^\s*\d*<<-?\s*["']?[A-Za-z0-9_.-]+["']?\s*$/.test(ins.shell ?? '') && ins.heredocs.length === 1;
    const script = only ? ins.heredocs[0].content : `${ins.shell}\n${ins.heredocs.map((h) => `${h.content}${h.name}\n`).join('')}`;
    cmd = [...shellOf(s), script];
    if (only && script.startsWith('#!')) shebang = { name: ins.heredocs[0].name, content: script };
  } else {
    cmd = shellOrExec(s, ins);
  }
  const { env, keyed } = runArgs(s, ctx.opts.buildArgs);
  const saveCmd = Object.keys(ctx.opts.buildArgs).length || keyed.length ? [`|${keyed.length}`, ...keyed, ...cmd] : cmd;
  const cc: Body = { ...structuredClone(s.config), Cmd: saveCmd };
  const mountSpecs = ins.flags.get('mount') ?? [];
  const network = ins.flags.get('network')?.[0];
  const key = stepKey(s, cc, { mounts: mountSpecs, network });
  if (await probe(ctx, s, key, saveCmd.join(' '))) return;
  if (!s.image) throw new InvalidParameterError('no such image: a RUN step needs a base image with a shell (FROM scratch has none)');
  const mounts = await runMounts(ctx, s, mountSpecs.map((m) => word(ctx, s, m)));
  const runCfg: Body = { ...structuredClone(s.config), Cmd: cmd, Env: [...(s.config.Env ?? []), ...env] };
  const extraHost: HostConfig = { Binds: [...mounts.binds] };
  if (shebang) {
    const file = `${ctx.tmpDir}/heredoc-${Math.random().toString(36).slice(2)}`;
    await writeFile(file, shebang.content, { mode: 0o755 });
    (extraHost.Binds as string[]).push(`${file}:/dev/pipes/${shebang.name}:ro`);
    runCfg.Cmd = [`/dev/pipes/${shebang.name}`];
  }
  if (network === 'none') extraHost.NetworkMode = 'none';
  else if (network === 'host') extraHost.NetworkMode = 'host';
  else if (network && network !== 'default') throw new InvalidParameterError(`unsupported network mode: ${network}`);
  let c: ContainerRecord | null = null;
  try {
    c = await createContainer(ctx, s, runCfg, extraHost);
    ctx.out(` ---> Running in ${short(c.id)}\n`);
    const code = await ctx.containers.run(c, (d) => ctx.out(d.toString('utf8')), ctx.signal);
    if (code !== 0) {
      const text = cmd.join(' ');
      const err = new SystemError(`The command '${text}' returned a non-zero code: ${code}`);
      (err as SystemError & { code?: number }).code = code;
      throw err;
    }
    const id = await commitStep(ctx.images, {
      parent: s.image, config: s.config, containerConfig: cc, container: c, layer: true, createdBy: saveCmd.join(' '),
      created: ctx.created(), platform: s.platform, clampMtime: ctx.clampMtime, author: s.maintainer || undefined,
    });
    await record(ctx, s, key, id, `RUN ${cmd.join(' ')}`);
    await removeContainer(ctx, c);
  } catch (e) {
    if (c) {
      if (ctx.opts.forceRm || ctx.signal.aborted) await ctx.containers.remove(c.id);
      else ctx.containers.keep(c.id);
    }
    throw e;
  } finally {
    await mounts.release();
  }
}

async function dispatchWorkdir(ctx: BuildCtx, s: StageState, ins: Instruction): Promise<void> {
  const dir = word(ctx, s, ins.shell ?? '');
  const abs = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join('/', s.config.WorkingDir || '/', dir);
  s.config.WorkingDir = abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
  const comment = `WORKDIR ${s.config.WorkingDir}`;
  const cc = nopConfig(s, comment);
  const key = stepKey(s, cc);
  if (await probe(ctx, s, key, (cc.Cmd as string[]).join(' '))) return;
  if (!s.image) return commitNop(ctx, s, comment);
  const c = await createContainer(ctx, s, cc);
  ctx.out(` ---> Running in ${short(c.id)}\n`);
  try {
    await ctx.files.access.with(c, async (root) => {
      const target = hostPath(root, await resolveInRoot(root, s.config.WorkingDir!));
      await mkdir(target, { recursive: true, mode: 0o755 });
    });
    const id = await commitStep(ctx.images, {
      parent: s.image, config: s.config, containerConfig: cc, container: c, layer: true, createdBy: (cc.Cmd as string[]).join(' '),
      created: ctx.created(), platform: s.platform, clampMtime: ctx.clampMtime, author: s.maintainer || undefined,
    });
    await record(ctx, s, key, id, comment);
  } finally {
    await removeContainer(ctx, c);
  }
}

function healthcheck(ctx: BuildCtx, s: StageState, ins: Instruction): Body['Healthcheck'] {
  if (!ins.exec && !ins.shell) return { Test: ['NONE'] };
  const hc: NonNullable<Body['Healthcheck']> = { Test: ins.exec ? ['CMD', ...ins.exec] : ['CMD-SHELL', ins.shell!] };
  const dur = (name: string): number | undefined => {
    const v = ins.flags.get(name)?.at(-1);
    if (v === undefined || v === '') return undefined;
    const n = goDuration(v);
    if (n !== 0 && n < 1e6) throw new InvalidParameterError(`Interval "${name}" cannot be less than 1ms`);
    if (n < 0) throw new InvalidParameterError(`Interval "${name}" cannot be negative`);
    return n;
  };
  const [interval, timeout, start, startInt] = [dur('interval'), dur('timeout'), dur('start-period'), dur('start-interval')];
  if (interval !== undefined) hc.Interval = interval;
  if (timeout !== undefined) hc.Timeout = timeout;
  if (start !== undefined) hc.StartPeriod = start;
  if (startInt !== undefined) hc.StartInterval = startInt;
  const retries = ins.flags.get('retries')?.at(-1);
  if (retries !== undefined) {
    const n = Number(retries);
    if (!Number.isInteger(n)) throw new InvalidParameterError(`strconv.ParseInt: parsing "${retries}": invalid syntax`);
    if (n < 0) throw new InvalidParameterError('--retries cannot be negative');
    hc.Retries = n;
  }
  void ctx;
  return hc;
}

/** Run one instruction of a stage. */
export async function dispatch(ctx: BuildCtx, s: StageState, ins: Instruction): Promise<void> {
  switch (ins.cmd) {
    case 'run': return dispatchRun(ctx, s, ins);
    case 'copy': case 'add': return dispatchCopy(ctx, s, ins);
    case 'workdir': return dispatchWorkdir(ctx, s, ins);
    case 'env': {
      const env = expansionEnv(s);
      const parts: string[] = [];
      for (const p of ins.pairs) {
        const k = processWord(p.key, env, ctx.escape);
        const v = processWord(p.value ?? '', env, ctx.escape);
        setEnv(s, k, v);
        parts.push(`${k}=${v}`);
      }
      return commitNop(ctx, s, `ENV ${parts.join(' ')}`);
    }
    case 'label': {
      const env = expansionEnv(s);
      const parts: string[] = [];
      const labels = { ...(s.config.Labels ?? {}) };
      for (const p of ins.pairs) {
        const k = processWord(p.key, env, ctx.escape);
        const v = processWord(p.value ?? '', env, ctx.escape);
        if (!k) throw new InvalidParameterError('LABEL names can not be blank');
        labels[k] = v;
        parts.push(`${k}=${v}`);
      }
      s.config.Labels = labels;
      return commitNop(ctx, s, `LABEL ${parts.join(' ')}`);
    }
    case 'maintainer':
      s.maintainer = ins.node.rest.trim();
      return commitNop(ctx, s, `MAINTAINER ${s.maintainer}`);
    case 'arg': {
      const parts: string[] = [];
      for (const p of ins.pairs) {
        const env = expansionEnv(s);
        const name = p.key;
        const dflt = p.value === null ? undefined : processWord(p.value, env, ctx.escape);
        let value = dflt;
        const given = ctx.opts.buildArgs[name];
        if (typeof given === 'string') value = given;
        else if (value === undefined && ctx.metaArgs.has(name)) value = ctx.metaArgs.get(name);
        if (name in ctx.opts.buildArgs) ctx.usedArgs.add(name);
        s.args.set(name, value);
        parts.push(p.value === null ? name : `${name}=${dflt}`);
      }
      return commitNop(ctx, s, `ARG ${parts.join(' ')}`);
    }
    case 'cmd': {
      const cmd = shellOrExec(s, ins);
      s.config.Cmd = cmd;
      s.cmdSet = true;
      return commitNop(ctx, s, `CMD ${goQuoteList(cmd)}`);
    }
    case 'entrypoint': {
      const ep = ins.exec ?? (ins.shell ? [...shellOf(s), ins.shell] : []);
      s.config.Entrypoint = ep.length ? ep : null;
      if (!s.cmdSet) s.config.Cmd = null;
      return commitNop(ctx, s, `ENTRYPOINT ${goQuoteList(ep)}`);
    }
    case 'expose': {
      const ports = exposedPorts(words(ctx, s, ins.shell ?? ''));
      const ex = { ...(s.config.ExposedPorts ?? {}) };
      for (const p of ports) ex[p] = {};
      s.config.ExposedPorts = ex;
      return commitNop(ctx, s, `EXPOSE ${words(ctx, s, ins.shell ?? '').join(' ')}`);
    }
    case 'volume': {
      const vols = ins.exec ?? words(ctx, s, ins.shell ?? '');
      const v = { ...(s.config.Volumes ?? {}) };
      for (const p of vols) {
        if (!p.trim()) throw new InvalidParameterError('VOLUME specified can not be an empty string');
        v[p] = {};
      }
      s.config.Volumes = v;
      return commitNop(ctx, s, `VOLUME [${vols.join(' ')}]`);
    }
    case 'user':
      s.config.User = word(ctx, s, ins.shell ?? '');
      return commitNop(ctx, s, `USER ${s.config.User}`);
    case 'stopsignal': {
      const sig = word(ctx, s, ins.shell ?? '');
      if (!/^(SIG)?[A-Z0-9+-]+$/i.test(sig) || /^0+$/.test(sig)) throw new InvalidParameterError(`Invalid signal: ${sig}`);
      s.config.StopSignal = sig;
      return commitNop(ctx, s, `STOPSIGNAL ${sig}`);
    }
    case 'shell':
      s.config.Shell = ins.exec!;
      return commitNop(ctx, s, `SHELL ${goQuoteList(ins.exec!)}`);
    case 'healthcheck': {
      const hc = healthcheck(ctx, s, ins);
      s.config.Healthcheck = hc;
      return commitNop(ctx, s, `HEALTHCHECK &{${goQuoteList(hc!.Test ?? [])} "${(hc!.Interval ?? 0) / 1e9}s" "${(hc!.Timeout ?? 0) / 1e9}s" "${(hc!.StartPeriod ?? 0) / 1e9}s" "${(hc!.StartInterval ?? 0) / 1e9}s" '\\x${(hc!.Retries ?? 0).toString(16).padStart(2, '0')}'}`);
    }
    case 'onbuild':
      s.config.OnBuild = [...(s.config.OnBuild ?? []), ins.onbuild!];
      return commitNop(ctx, s, `ONBUILD ${ins.onbuild}`);
    default:
      throw new InvalidParameterError(`unknown instruction: ${ins.cmd.toUpperCase()}`);
  }
}

/** Heredoc bodies with variables expanded unless the terminator was quoted. */
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
