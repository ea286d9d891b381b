/*
 * RUN --mount: type=cache (a directory under the builder's root kept
 * between builds, by id or target), type=bind (a path of the context, or
 * of another stage or image with from=; read-only unless rw), type=tmpfs.
 * Each becomes a bind of the step's container.
 */
import { createHash } from 'node:crypto';
import { chown, mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { InvalidParameterError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { BuildCtx } from './context-types.ts';
import { cleanSource } from './copy.ts';
import type { StageState } from './state.ts';

export interface RunMounts { binds: string[]; release(): Promise<void> }

function parseSpec(spec: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of spec.split(',')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const v = eq < 0 ? 'true' : part.slice(eq + 1);
    m.set(k === 'dst' || k === 'destination' ? 'target' : k === 'src' ? 'source' : k, v);
  }
  return m;
}

export async function runMounts(ctx: BuildCtx, s: StageState, specs: string[]): Promise<RunMounts> {
  const binds: string[] = [];
  const held: ContainerRecord[] = [];
  const releases: (() => Promise<void>)[] = [];
  try {
    for (const spec of specs) {
      const m = parseSpec(spec);
      const type = m.get('type') ?? 'bind';
      const target = m.get('target');
      if (!target) throw new InvalidParameterError(`mount ${spec}: target is required`);
      const dst = posix.isAbsolute(target) ? target : posix.join('/', s.config.WorkingDir || '/', target);
      const ro = m.get('readonly') === 'true' || m.get('ro') === 'true';
      if (type === 'cache') {
        const id = m.get('id') ?? dst;
        const dir = `${ctx.mountCacheDir}/${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
        await mkdir(dir, { recursive: true, mode: Number.parseInt(m.get('mode') ?? '755', 8) });
        if (m.has('uid') || m.has('gid')) await chown(dir, Number(m.get('uid') ?? 0), Number(m.get('gid') ?? 0));
        binds.push(`${dir}:${dst}${ro ? ':ro' : ''}`);
      } else if (type === 'bind') {
        const src = cleanSource(m.get('source') ?? '.');
        const from = m.get('from');
        let root = ctx.contextDir;
        if (from) {
          const image = ctx.stageImages.get(from.toLowerCase()) ?? (await ctx.images.get(from)).id;
          if (!image) throw new InvalidParameterError(`mount from stage ${from}: the stage has no filesystem`);
          const c = await ctx.containers.create({ Image: image, Cmd: ['#(nop) mount'], Entrypoint: [''] } as never, {});
          held.push(c);
          root = await new Promise<string>((resolve, reject) => {
            const done = ctx.files.access.with(c, (r) => {
              resolve(r);
              return new Promise<void>((fin) => releases.push(async () => fin()));
            });
            done.catch(reject);
            releases.push(() => done.then(() => undefined, () => undefined));
          });
        }
        const rw = m.get('rw') === 'true' || m.get('readwrite') === 'true';
        binds.push(`${root}${src ? `/${src}` : ''}:${dst}${rw ? '' : ':ro'}`);
      } else if (type === 'tmpfs') {
        const dir = `${ctx.tmpDir}/tmpfs-${createHash('sha256').update(dst).digest('hex').slice(0, 12)}`;
        await mkdir(dir, { recursive: true });
        binds.push(`${dir}:${dst}`);
      } else {
        throw new InvalidParameterError(`unsupported mount type "${type}"`);
      }
    }
  } catch (e) {
    for (const r of releases) await r();
    for (const c of held) await ctx.containers.remove(c.id);
    throw e;
  }
  return {
    binds,
    release: async () => {
      for (const r of releases) await r();
      for (const c of held) await ctx.containers.remove(c.id);
    },
  };
}
