/** The `berth` program: builds the command tree and runs it against the process's stdio and environment. */
import { createClient } from './client/index.ts';
import { rootCommand } from './commands/root.ts';
import { runCli } from './framework/index.ts';
import { BERTH_VERSION } from '../core/system/types.ts';

// A closed pipe (`berth images | head -1`) ends the program quietly, like docker.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const code = await runCli(
  rootCommand(),
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  // DOCKER_API_VERSION (or BERTH_API_VERSION) fixes the API version, as for docker; else it is negotiated with the daemon.
  (host) => createClient(host, { userAgent: `Berth-Client/${BERTH_VERSION} (linux)`, apiVersion: process.env.BERTH_API_VERSION || process.env.DOCKER_API_VERSION }),
  { version: BERTH_VERSION, build: 'unknown', columns: process.stdout.isTTY ? process.stdout.columns : 80 },
);
if (process.stdout.writableNeedDrain) await new Promise((resolve) => process.stdout.once('drain', resolve));
process.exit(code);
