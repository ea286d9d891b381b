/*
 * The environment of a process run in a running container (docker exec, a
 * health check), as dockerd builds it: its CreateDaemonEnvironment (PATH,
 * HOSTNAME, TERM=xterm for a terminal), the container's Config.Env over it,
 * the exec's own variables over that, and HOME from the exec user's passwd
 * entry unless set (as runc does) — not the container's process env, whose
 * HOME and TERM belong to the container's user and terminal.
 */
import type { ContainerRecord } from '../core/containers/types.ts';
import { mergeEnv } from './create.ts';
import { DEFAULT_PATH } from './spec-input.ts';

export function execEnv(c: Pick<ContainerRecord, 'config'>, user: { home: string }, tty: boolean, extra: string[] = []): string[] {
  const base = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${c.config.Hostname}`, ...(tty ? ['TERM=xterm'] : [])];
  const env = mergeEnv(mergeEnv(base, c.config.Env), extra);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  return env;
}
