#!/usr/bin/env node
// node:sqlite still prints an ExperimentalWarning on Node 24: keep the log clean.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') process.stderr.write(`${w.stack ?? w}\n`);
});
await import('../dist/daemon/main.js');
