/** The conformance suite against `berth registry serve` (the real program, on loopback, with a scratch root). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { defineSuite } from './suite.ts';

const BERTH = resolve(import.meta.dirname, '../../../bin/berth.js');
let dir = '';
let proc: ChildProcess | undefined;
let url = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-conformance-'));
  proc = spawn(process.execPath, [BERTH, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', dir, '--delete', '--access-log=false'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
  for (let i = 0; i < 400 && !url; i++) {
    const m = /listening on (127\.0\.0\.1:\d+)/.exec(err);
    if (m) url = `http://${m[1]}`;
    else if (proc.exitCode !== null) break;
    else await new Promise((r) => setTimeout(r, 25));
  }
  if (!url) throw new Error(`berth registry serve did not start: ${err}`);
});

after(async () => {
  const p = proc;
  if (p && p.exitCode === null && p.signalCode === null) {
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

defineSuite('berth', () => ({ url }));

// REGISTRY_CONFORMANCE_URL=http://host:port runs the suite against any other registry as well.
const external = process.env.REGISTRY_CONFORMANCE_URL;
if (external) defineSuite(external, () => ({ url: external.replace(/\/+$/, '') }));
