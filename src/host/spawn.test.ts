import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nativeSys, preferNative } from './native.ts';
import { spawnHelper, type Spawned } from './spawn.ts';

const exited = (c: Spawned): Promise<[number | null, string | null]> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve([c.exitCode, c.signalCode]) : new Promise((r) => c.once('exit', (code: number | null, sig: string | null) => r([code, sig])));

function collect(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((r) => { let out = ''; s.on('data', (d: Buffer) => { out += d.toString(); }); s.on('end', () => r(out)); s.on('close', () => r(out)); });
}

for (const mode of ['addon', 'child_process'] as const) {
  const skip = mode === 'addon' && !(preferNative(true), nativeSys()?.spawn) ? 'the addon was not built' : false;

  test(`${mode}: pipes on the fds asked for, /dev/null elsewhere, cwd and env, the exit code`, { skip }, async (t) => {
    preferNative(mode === 'addon');
    t.after(() => preferNative(true));
    const dir = mkdtempSync(join(tmpdir(), 'berth-spawn-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = 'echo "$PWD $ONLY ${HOME:-nohome}"; echo err >&2; read line <&3; echo "got $line" >&4; cat <&0; exit 3';
    const c = spawnHelper('/bin/sh', ['-c', script], { cwd: dir, env: { ONLY: 'this', PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    await new Promise((r) => c.once('spawn', r));
    assert.ok(c.pid! > 0);
    assert.equal(c.stdio[0], null);
    const [out, err, four] = [collect(c.stdio[1]!), collect(c.stdio[2]!), collect(c.stdio[4]!)];
    c.stdio[3]!.end('hello\n');
    assert.deepEqual(await exited(c), [3, null]);
    assert.equal(await out, `${dir} this nohome\n`, 'only the given environment, stdin from /dev/null');
    assert.equal(await err, 'err\n');
    assert.equal(await four, 'got hello\n');
    for (const s of c.stdio) s?.destroy();
  });

  test(`${mode}: kill gives the signal; a missing program is an 'error' event`, { skip }, async (t) => {
    preferNative(mode === 'addon');
    t.after(() => preferNative(true));
    const c = spawnHelper('/bin/sleep', ['30'], { cwd: '/', env: {}, stdio: ['ignore', 'ignore', 'ignore'] });
    await new Promise((r) => c.once('spawn', r));
    assert.equal(c.kill('SIGKILL'), true);
    assert.deepEqual(await exited(c), [null, 'SIGKILL']);
    assert.equal(c.kill('SIGKILL'), false, 'no signal to a process already reaped');
    const missing = spawnHelper('/nonexistent/berth-program', [], { cwd: '/', env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    const e = await new Promise<Error>((r) => missing.once('error', r));
    assert.match(e.message, /ENOENT|No such file/);
    assert.equal(missing.pid, undefined);
  });
}

test('addon: spawn refuses bad arguments with a TypeError', { skip: !(preferNative(true), nativeSys()?.spawn) && 'the addon was not built' }, () => {
  const sys = nativeSys()!;
  const spawn = sys.spawn as unknown as (...a: unknown[]) => number;
  assert.throws(() => spawn('/bin/true', ['true'], [], '/', [0, 1], () => undefined), TypeError, 'fewer than 3 fds');
  assert.throws(() => spawn('/bin/true', 'true', [], '/', [-1, -1, -1], () => undefined), TypeError);
  assert.throws(() => spawn('/bin/true', ['true'], [], '/', [-1, -1, -1], 'not a function'), TypeError);
  assert.throws(() => spawn('/bin/true', ['true'], [], '/', [-1, -2, -1], () => undefined), TypeError);
});
