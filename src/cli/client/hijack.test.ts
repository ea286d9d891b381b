import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiError, DaemonConnectError } from './errors.ts';
import { hijack, hijackUnix } from './hijack.ts';
import { demux, encodeFrame, FrameDecoder } from './stdcopy.ts';
import { sink } from '../commands/test-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-hijack-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; head: string; input: string; halfClosed: boolean }

/** A daemon on a unix socket: upgrades /attach and /exec, echoes input upper-cased, answers 404 elsewhere. */
async function daemon(): Promise<{ sock: string; seen: Seen[]; close(): Promise<void> }> {
  const sock = join(dir, `d${Math.random().toString(36).slice(2)}.sock`);
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: `No such container: ${req.url}` }));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    if (!/\/(attach|start)/.test(req.url ?? '')) {
      const body = JSON.stringify({ message: `No such container: ${req.url}` });
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, head: head.toString(), input: '', halfClosed: false };
    seen.push(s);
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.write(encodeFrame(1, 'ready\n'));
    socket.on('data', (d: Buffer) => {
      s.input += d.toString();
    });
    socket.on('end', () => {
      s.halfClosed = true;
      socket.write(encodeFrame(2, s.input.toUpperCase()));
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  return { sock, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('hijack: 101 upgrade, frames out, input in, half-close keeps reading', async () => {
  const d = await daemon();
  const conn = await hijackUnix(`unix://${d.sock}`, 'test-agent', 'POST', '/containers/c1/attach', { query: { stream: true, stdin: true, stdout: true } });
  const out = sink();
  const err = sink();
  const copying = demux(conn as AsyncIterable<Buffer>, out, err);
  conn.write('hello');
  conn.end();
  await copying;
  assert.deepEqual([out.text(), err.text()], ['ready\n', 'HELLO']);
  const s = d.seen[0];
  assert.equal(s.url, '/v1.50/containers/c1/attach?stream=1&stdin=1&stdout=1');
  assert.deepEqual([s.headers.connection, s.headers.upgrade, s.headers['user-agent'], s.halfClosed], ['Upgrade', 'tcp', 'test-agent', true]);
  await d.close();
});

test('hijack: a JSON body (exec start) arrives with its Content-Length before the stream', async () => {
  const d = await daemon();
  const conn = await hijackUnix(`unix://${d.sock}`, 'ua', 'POST', '/exec/e1/start', { body: { Detach: false, Tty: true, ConsoleSize: [24, 80] } });
  conn.end();
  for await (const chunk of conn) void chunk;
  const s = d.seen[0];
  assert.equal(s.head, '{"Detach":false,"Tty":true,"ConsoleSize":[24,80]}\n');
  assert.equal(s.headers['content-length'], String(Buffer.byteLength(s.head)));
  assert.equal(s.headers['content-type'], 'application/json');
  await d.close();
});

test('hijack: an error answer is an ApiError; no daemon is a DaemonConnectError', async () => {
  const d = await daemon();
  await assert.rejects(hijackUnix(`unix://${d.sock}`, 'ua', 'GET', '/nope'), (e: unknown) => e instanceof ApiError && e.status === 404 && e.message === 'No such container: /v1.50/nope');
  await d.close();
  await assert.rejects(hijackUnix(`unix://${join(dir, 'missing.sock')}`, 'ua', 'POST', '/x'), DaemonConnectError);
  await assert.rejects(hijackUnix('tcp://1.2.3.4:2375', 'ua', 'POST', '/x'), /only unix:\/\/ sockets/);
});

test('hijack() prefers the client\'s own hijack', async () => {
  let asked = '';
  const fake = { host: 'unix:///nowhere', hijack: async (m: string, p: string) => { asked = `${m} ${p}`; return null as never; } };
  await hijack(fake as never, 'POST', '/containers/x/attach');
  assert.equal(asked, 'POST /containers/x/attach');
});

test('stdcopy: frames split across chunks, stdin echoed to stdout, stream 3 is an error', async () => {
  const got: [number, string][] = [];
  const dec = new FrameDecoder((s, p) => got.push([s, p.toString()]));
  const all = Buffer.concat([encodeFrame(1, 'ab'), encodeFrame(2, 'cde'), encodeFrame(0, 'f')]);
  for (let i = 0; i < all.length; i += 3) dec.push(all.subarray(i, i + 3));
  assert.deepEqual(got, [[1, 'ab'], [2, 'cde'], [0, 'f']]);
  assert.equal(dec.leftover, 0);
  const out = sink();
  await assert.rejects(demux([encodeFrame(1, 'x'), encodeFrame(3, 'boom')], out, out), /error from daemon in stream: boom/);
  await assert.rejects(demux([Buffer.from([9, 0, 0, 0, 0, 0, 0, 0])], out, out), /Unrecognized input header: 9/);
});
