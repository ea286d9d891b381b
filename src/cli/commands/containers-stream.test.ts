import assert from 'node:assert/strict';
import { duplexPair, PassThrough } from 'node:stream';
import { test } from 'node:test';
import { frame, ttyStdin } from './containers-fakes.ts';
import { detachKeyBytes, EscapeDetector, EscapeError, forwardSignals, monitorTtySize, streamHijacked } from './containers-stream.ts';
import { sink } from './test-helpers.ts';

test('detach keys: ctrl-x names, single characters, DEL; unknown names fail like term.ToBytes', () => {
  assert.deepEqual([...detachKeyBytes('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...detachKeyBytes('a,ctrl-@,ctrl-_,ctrl-[,DEL')], [97, 0, 31, 27, 127]);
  assert.throws(() => detachKeyBytes('ctrl-1'), /Unknown character: 'ctrl-1'/);
});

test('escape detection holds back a partial sequence and releases it when the sequence breaks', () => {
  const d = new EscapeDetector(Buffer.from([16, 17]));
  assert.deepEqual(d.feed(Buffer.from('ab\x10')), { data: Buffer.from('ab'), detached: false });
  assert.deepEqual(d.feed(Buffer.from('c')), { data: Buffer.from('\x10c'), detached: false });
  assert.deepEqual(d.feed(Buffer.from('x\x10')), { data: Buffer.from('x'), detached: false });
  assert.deepEqual(d.feed(Buffer.from('\x11rest')), { data: Buffer.from(''), detached: true });
});

test('without a TTY the output is demultiplexed and the input is not scanned for detach keys', async () => {
  const [cli, daemon] = duplexPair();
  const out = sink();
  const err = sink();
  const stdin = new PassThrough();
  let input = '';
  daemon.on('data', (d: Buffer) => {
    input += d.toString();
  });
  daemon.on('end', () => {
    daemon.write(frame(1, 'o'));
    daemon.write(frame(2, 'e'));
    daemon.end();
  });
  const done = streamHijacked({ conn: cli, tty: false, stdin, stdout: out, stderr: err, detachKeys: '' });
  stdin.end('\x10\x11x');
  await done;
  assert.deepEqual([input, out.text(), err.text()], ['\x10\x11x', 'o', 'e']);
});

test('with a TTY: raw output, custom detach keys, raw mode restored', async () => {
  const [cli, daemon] = duplexPair();
  const out = sink();
  const stdin = ttyStdin();
  daemon.write('\x1b[1mprompt');
  const done = streamHijacked({ conn: cli, tty: true, stdin, stdout: out, detachKeys: 'ctrl-a,d' });
  stdin.write('ls\x01d');
  await assert.rejects(done, EscapeError);
  assert.equal(out.text(), '\x1b[1mprompt');
  assert.deepEqual(stdin.modes, [true, false]);
});

test('no stdin: the write side is closed at once and the output decides the end', async () => {
  const [cli, daemon] = duplexPair();
  const out = sink();
  daemon.on('end', () => {
    daemon.end(frame(1, 'bye'));
  });
  daemon.resume();
  await streamHijacked({ conn: cli, tty: false, stdout: out, stderr: out, detachKeys: '' });
  assert.equal(out.text(), 'bye');
});

test('signals become kill requests without the SIG prefix; SIGWINCH resizes', async () => {
  const sent: string[] = [];
  const undo = forwardSignals(async (s) => {
    sent.push(s);
  });
  process.emit('SIGHUP' as never);
  process.emit('SIGTERM' as never);
  undo();
  process.emit('SIGHUP' as never);
  assert.deepEqual(sent, ['HUP', 'TERM']);

  const sizes: string[] = [];
  const tty = Object.assign(sink(), { isTTY: true, rows: 30, columns: 100 });
  const stop = monitorTtySize(tty, sink(), async (h, w) => {
    sizes.push(`${h}x${w}`);
  });
  tty.rows = 40;
  process.emit('SIGWINCH' as never);
  stop();
  process.emit('SIGWINCH' as never);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sizes, ['30x100', '40x100']);
});
