import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PATH, execEnv } from './exec-env.ts';

const c = (env: string[] | null) => ({ config: { Hostname: 'h1', Env: env } }) as Parameters<typeof execEnv>[0];

test("a container's environment in dockerd's order: PATH, HOSTNAME, TERM, then Config.Env replacing or appending, HOME last", () => {
  assert.deepEqual(execEnv(c(null), { home: '/root' }, false), [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h1', 'HOME=/root']);
  assert.deepEqual(execEnv(c(['X=1', 'A', 'B=2']), { home: '/root' }, true), [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h1', 'TERM=xterm', 'X=1', 'B=2', 'HOME=/root']);
  assert.deepEqual(execEnv(c(['PATH=/x', 'HOME=/h', 'HOSTNAME']), { home: '/root' }, false), ['PATH=/x', 'HOME=/h']);
  assert.deepEqual(execEnv(c(['X=1']), { home: '/' }, false, ['X=2', 'Y=3']), [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h1', 'X=2', 'Y=3', 'HOME=/']);
});
