/*
 * Which stages a target needs: its FROM (an earlier stage by name or
 * index), COPY --from and RUN --mount from=, transitively.
 */
import type { Stage } from './dockerfile/instructions.ts';

function refIndex(stages: Stage[], ref: string, before: number): number {
  const r = ref.toLowerCase();
  if (/^\d+$/.test(r)) return Number(r) < before ? Number(r) : -1;
  for (let i = before - 1; i >= 0; i--) if (stages[i].name === r) return i;
  return -1;
}

/** Direct dependencies of each stage (indices of earlier stages). */
export function directDeps(stages: Stage[], bases: string[], expand: (s: Stage, v: string) => string): number[][] {
  return stages.map((s, i) => {
    const deps = new Set<number>();
    const b = refIndex(stages, bases[i], i);
    if (b >= 0) deps.add(b);
    for (const ins of s.instructions) {
      const from = ins.cmd === 'copy' ? ins.flags.get('from')?.at(-1) : undefined;
      if (from) {
        const d = refIndex(stages, expand(s, from), i);
        if (d >= 0) deps.add(d);
      }
      for (const m of ins.cmd === 'run' ? ins.flags.get('mount') ?? [] : []) {
        const f = /(?:^|,)from=([^,]+)/.exec(m)?.[1];
        if (f) {
          const d = refIndex(stages, expand(s, f), i);
          if (d >= 0) deps.add(d);
        }
      }
    }
    return [...deps];
  });
}

/** The target and every stage it needs, transitively. */
export function stageDeps(stages: Stage[], bases: string[], target: number, expand: (s: Stage, v: string) => string): Set<number> {
  const deps = directDeps(stages, bases, expand);
  const need = new Set<number>();
  const visit = (i: number): void => {
    if (need.has(i)) return;
    need.add(i);
    for (const d of deps[i]) visit(d);
  };
  visit(target);
  return need;
}
