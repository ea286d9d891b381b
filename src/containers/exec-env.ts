/*
 * The environment of a container's process, and of one run in a running
 * container (docker exec, a health check), as dockerd builds it: its
 * CreateDaemonEnvironment (PATH, HOSTNAME, TERM=xterm for a terminal), the
 * container's legacy links' variables (containers/links.ts) after those, the
 * container's Config.Env over it, the exec's own variables over that, and
 * HOME from the user's passwd entry unless set (as runc does). An exec does
 * not inherit the container process's HOME or TERM, which belong to the
 * container's user and terminal.
 */
import type { ContainerRecord } from '../core/containers/types.ts';
import { mergeEnv } from './create.ts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function execEnv(c: Pick<ContainerRecord, 'config'>, user: { home: string }, tty: boolean, extra: string[] = [], linked: string[] = []): string[] {
  const base = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${c.config.Hostname}`, ...(tty ? ['TERM=xterm'] : []), ...linked];
  const env = mergeEnv(mergeEnv(base, c.config.Env), extra);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  return env;
}
