/**
 * A stand-in daemon that answers the docker CLI's `ps` instantly with a body
 * recorded from a real daemon: `docker ps -a` against it is the CLI's own
 * time for that list (start, decode, table), the floor no daemon can go
 * under. Started as a process of its own, since the bench drives the CLI
 * with spawnSync, which blocks this process's event loop.
 *
 *   node bench/replay.ts SOCKET BODY_FILE API_VERSION
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { ping, sleep } from './lib.ts';

export interface Replay { sock: string; stop: () => void }

/** Serve `body` as GET /containers/json on `sock` (in a child process) until stop(). */
export async function startReplay(sock: string, body: Buffer, apiVersion: string): Promise<Replay> {
  const file = `${sock}.body`;
  writeFileSync(file, body);
  const child: ChildProcess = spawn(process.execPath, [import.meta.filename, sock, file, apiVersion], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100 && !(await ping(sock)); i++) await sleep(50);
  if (!(await ping(sock))) {
    child.kill('SIGKILL');
    throw new Error(`replay server on ${sock} did not start`);
  }
  return { sock, stop: () => { child.kill('SIGKILL'); rmSync(sock, { force: true }); rmSync(file, { force: true }); } };
}

function serve(sock: string, file: string, apiVersion: string): void {
  const body = readFileSync(file);
  const headers = { 'Api-Version': apiVersion, 'Ostype': 'linux', 'Docker-Experimental': 'false' };
  rmSync(sock, { force: true });
  createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/_ping' || /^\/v[\d.]+\/_ping$/.test(path)) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2 });
      res.end(req.method === 'HEAD' ? undefined : 'OK');
    } else if (req.method === 'GET' && /^(\/v[\d.]+)?\/containers\/json$/.test(path)) {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    } else {
      res.writeHead(404, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: `replay: ${req.method} ${path} not recorded` }));
    }
  }).listen(sock);
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[1] === import.meta.filename) {
  const [sock, file, apiVersion] = process.argv.slice(2);
  serve(sock, file, apiVersion);
}
