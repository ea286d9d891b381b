import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseExecFifo } from './runc.ts';

test('releaseExecFifo reads the byte a blocked writer sends, then removes the fifo', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fifo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'exec.fifo');
  execFileSync('mkfifo', [fifo]);
  // like runc init: block opening the fifo for writing, write one byte, then go on
  const writer = spawn('sh', ['-c', `printf 0 > ${fifo}; echo released`]);
  const exited = new Promise((r) => writer.on('exit', r));
  let out = '';
  writer.stdout.on('data', (d) => { out += d; });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(out, '', 'the writer waits for a reader');
  assert.equal(await releaseExecFifo(fifo), true);
  await exited;
  assert.equal(out, 'released\n');
  assert.equal(existsSync(fifo), false);
});

test('releaseExecFifo: no fifo means false (runc answers); a fifo nobody writes is an error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fifo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(await releaseExecFifo(join(dir, 'missing')), false);
  const fifo = join(dir, 'exec.fifo');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(releaseExecFifo(fifo, 200), /cannot start an already running container/);
});
