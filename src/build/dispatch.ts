/*
 * Instruction executors, as dockerd's classic builder runs them: every
 * step is probed in the cache, then committed as a new image; metadata
 * steps through a created (never started) container, RUN in a started
 * one, COPY/ADD into a mounted rootfs.
 */
import { InvalidParameterError } from '../core/errors.ts';
import type { BuildCtx } from './context-types.ts';
import { processWord } from './dockerfile/lex.ts';
import type { Instruction } from './dockerfile/instructions.ts';
import { dispatchCopy } from './copy-step.ts';
import { dispatchRun, dispatchWorkdir } from './run-step.ts';
import { type Body, type StageState, exposedPorts, expansionEnv, goDuration, goQuoteList, setEnv, shellOf } from './state.ts';
import { commitNop, shellOrExec, word, words } from './step.ts';

export { commitNop, short } from './step.ts';

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
      // dockerd's history line: the ports as parsed ("80" is "80/tcp"), sorted as strings
      return commitNop(ctx, s, `EXPOSE ${[...new Set(ports)].sort().join(' ')}`);
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
