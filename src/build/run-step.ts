/*
 * RUN (in a started container: SHELL-aware, heredocs, --mount, --network,
 * build args in its environment and its cache key) and WORKDIR (the
 * directory made in the image).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { InvalidParameterError, SystemError } from '../core/errors.ts';
import type { ContainerRecord, HostConfig } from '../core/containers/types.ts';
import { hostPath, resolveInRoot } from '../containers/scoped-path.ts';
import type { BuildCtx } from './context-types.ts';
import type { Instruction } from './dockerfile/instructions.ts';
import { commitStep } from './image.ts';
import { runMounts } from './mounts.ts';
import { type Body, type StageState, runArgs, shellOf } from './state.ts';
import { commitNop, createContainer, nopConfig, probe, record, removeContainer, shellOrExec, short, stepKey, word } from './step.ts';

export async function dispatchRun(ctx: BuildCtx, s: StageState, ins: Instruction): Promise<void> {
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

export async function dispatchWorkdir(ctx: BuildCtx, s: StageState, ins: Instruction): Promise<void> {
  const dir = word(ctx, s, ins.shell ?? '');
  const abs = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join('/', s.config.WorkingDir || '/', dir);
  s.config.WorkingDir = abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
  const comment = `WORKDIR ${s.config.WorkingDir}`;
  const cc = nopConfig(s, comment, false); // dockerd: "#(nop) WORKDIR /x", one space
  const key = stepKey(s, cc);
  if (await probe(ctx, s, key, (cc.Cmd as string[]).join(' '))) return;
  if (!s.image) return commitNop(ctx, s, comment, false);
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

