import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ExecOptions } from '../core/runtime/types.ts';
import { collectOutput, Fixture, skipReason, type TestContainer } from './test-helpers.ts';

const skip = skipReason();
let f: Fixture;
let c: TestContainer;

before(async () => {
  if (skip) return;
  f = await new Fixture().init();
  c = await f.container(['sleep', '1000'], { env: ['PATH=/bin:/usr/bin', 'FOO=container', 'KEEP=1'] });
  await f.runtime.start({ id: c.id, bundle: c.bundle, spec: c.spec, logPath: c.logPath });
});
after(async () => {
  await f?.close();
});

let n = 0;
function opts(args: string[], over: Partial<ExecOptions> = {}): ExecOptions {
  return { id: c.id, execId: `exec${++n}`, args, env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'], cwd: '', user: { uid: 0, gid: 0, additionalGids: [] }, tty: false, openStdin: false, privileged: false, ...over };
}

test('exec: attached echo gets stdout, stderr and the exit code', { skip }, async () => {
  const h = await f.runtime.exec(opts(['sh', '-c', 'echo hi $FOO $KEEP; echo oops >&2; exit 7'], { env: ['PATH=/bin:/usr/bin', 'FOO=exec', 'KEEP=1'] }), c.bundle, true);
  assert.ok(h.pid > 0);
  const out = await collectOutput(h.streams!);
  const st = await h.wait();
  assert.equal(st.exitCode, 7);
  assert.equal(out.stdout, 'hi exec 1\n');
  assert.equal(out.stderr, 'oops\n');
  assert.deepEqual(readdirSync(join(f.dir, 'run', 'exec')), [], 'the session directory is removed');
});

test('exec: detached exec runs and reports its exit code; cwd and user apply', { skip }, async () => {
  const h = await f.runtime.exec(opts(['sh', '-c', 'pwd > /tmp/where; id -u >> /tmp/where'], { cwd: '/etc', user: { uid: 1, gid: 1, additionalGids: [] } }), c.bundle, false);
  assert.equal(h.streams, undefined);
  assert.equal((await h.wait()).exitCode, 0);
  const check = await f.runtime.exec(opts(['cat', '/tmp/where']), c.bundle, true);
  assert.equal((await collectOutput(check.streams!)).stdout, '/etc\n1\n');
  assert.equal((await check.wait()).exitCode, 0);
  const fail = await f.runtime.exec(opts(['sh', '-c', 'exit 4']), c.bundle, false);
  assert.equal((await fail.wait()).exitCode, 4);
});

test('exec: stdin to an attached exec, EOF ends it', { skip }, async () => {
  const h = await f.runtime.exec(opts(['sh', '-c', 'cat; echo done'], { openStdin: true }), c.bundle, true);
  const out = collectOutput(h.streams!);
  h.streams!.writeStdin(Buffer.from('abc\n'));
  h.streams!.closeStdin();
  assert.equal((await out).stdout, 'abc\ndone\n');
  assert.equal((await h.wait()).exitCode, 0);
});

test('exec: TTY exec with resize', { skip }, async () => {
  const h = await f.runtime.exec(opts(['sh'], { tty: true, openStdin: true, env: ['PATH=/bin:/usr/bin', 'TERM=xterm'] }), c.bundle, true);
  await h.resize!(40, 120);
  let text = '';
  h.streams!.onOutput((_s, d) => { text += d.toString(); });
  const closed = new Promise<void>((r) => h.streams!.onClose(r));
  h.streams!.writeStdin(Buffer.from('stty size; exit 3\n'));
  await closed;
  assert.match(text, /40 120/);
  assert.equal((await h.wait()).exitCode, 3);
});

test('exec: a missing command fails with runc\'s message; pids lists exec processes', { skip }, async () => {
  await assert.rejects(f.runtime.exec(opts(['/nope']), c.bundle, true), /exec failed.*(no such file|not found)/i);
  await assert.rejects(f.runtime.exec(opts(['true'], { execId: '../x' }), c.bundle, false), /invalid exec id/);
  const h = await f.runtime.exec(opts(['sleep', '30']), c.bundle, false);
  const pids = await f.runtime.pids(c.id);
  assert.ok(pids.includes(h.pid), `${h.pid} in ${pids}`);
  assert.equal(pids.length, 2);
  await f.runtime.kill(c.id, 'KILL', true);
  assert.equal((await h.wait()).exitCode, 137);
  assert.equal((await f.runtime.waitExit(c.id, c.bundle)).exitCode, 137);
  await f.runtime.delete(c.id);
  assert.ok(!existsSync(join(f.dir, 'run', 'runc', c.id)));
});
