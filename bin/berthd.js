#!/usr/bin/env node
// berthd re-executes itself once with memory settings that keep an idle
// daemon small after large transfers: big buffers come from mmap and go back
// to the kernel when freed, few malloc arenas, a small V8 young generation,
// and an exposed gc() for an idle-time collection.
import { fileURLToPath } from 'node:url';

if (!process.env.BERTHD_EXECED && typeof process.execve === 'function') {
  const env = {
    MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072',
    ...process.env, BERTHD_EXECED: '1',
  };
  const flags = ['--max-semi-space-size=1', '--expose-gc', '--disable-warning=ExperimentalWarning', ...process.execArgv];
  process.execve(process.execPath, [process.execPath, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], env);
}
// node:sqlite still prints an ExperimentalWarning on Node 24: keep the log clean.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') process.stderr.write(`${w.stack ?? w}\n`);
});
delete process.env.BERTHD_EXECED;
await import('../dist/daemon/main.js');
