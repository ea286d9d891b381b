import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { PortHolder, wantedBindings } from './ports.ts';
import { hostHasIPv6, relay } from './userland-proxy.ts';

const skip = !(await hostHasIPv6()) && 'this host has no IPv6';

/** A TCP server on 127.0.0.1 that answers what it reads, upper-cased, once the client has ended its output. */
async function upperServer(): Promise<{ port: number; close(): void }> {
  const srv = createServer({ allowHalfOpen: true }, (s) => {
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('end', () => s.end(got.toUpperCase()));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as AddressInfo).port, close: () => srv.close() };
}

function ask(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const c = connect({ host, port, allowHalfOpen: true }, () => c.end(text));
    c.on('data', (d) => { out += d; });
    c.on('close', () => resolve(out));
    c.on('error', () => resolve(`error:${out}`));
  });
}

test('a TCP relay carries both directions and the end of input, from [::1] to an IPv4 server', { skip }, async () => {
  const up = await upperServer();
  const r = await relay('tcp', '::', 0, { ip: '127.0.0.1', port: up.port });
  try {
    assert.ok(r.port > 0);
    assert.equal(await ask('::1', r.port, 'hello'), 'HELLO');
    assert.equal(await ask('::1', r.port, 'x'.repeat(200_000)), 'X'.repeat(200_000));
  } finally {
    r.close();
    up.close();
  }
  assert.match(await ask('::1', r.port, 'late'), /^error:/, 'closed: nothing listens any more');
});

test('a TCP relay to a port nothing listens on closes the client at once', { skip }, async () => {
  const up = await upperServer();
  up.close();
  const r = await relay('tcp', '::', 0, { ip: '127.0.0.1', port: up.port });
  try {
    assert.match(await ask('::1', r.port, 'hi'), /^(error:)?$/);
  } finally {
    r.close();
  }
});

test('a UDP relay answers each client on its own flow', { skip }, async () => {
  const echo = createSocket('udp4');
  echo.on('message', (m, from) => echo.send(Buffer.concat([Buffer.from('echo:'), m]), from.port, from.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const r = await relay('udp', '::', 0, { ip: '127.0.0.1', port: echo.address().port });
  const send = (text: string): Promise<string> => new Promise((resolve) => {
    const s = createSocket('udp6');
    const t = setTimeout(() => { s.close(); resolve(''); }, 2000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString()); });
    s.send(text, r.port, '::1');
  });
  try {
    assert.deepEqual(await Promise.all([send('a'), send('b')]), ['echo:a', 'echo:b']);
  } finally {
    r.close();
    echo.close();
  }
});

test('a binding without a host address takes 0.0.0.0 and [::] on one port; an IPv4 one only itself', { skip }, async () => {
  const holder = new PortHolder();
  try {
    const wanted = wantedBindings({ '80/tcp': [{ HostIp: '', HostPort: '' }], '81/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, undefined, false);
    const got = await holder.reserve('c1', 'c1', wanted, '127.0.0.1');
    assert.deepEqual(got.map((p) => `${p.hostIp}/${p.proto}`), ['0.0.0.0/tcp', '::/tcp', '127.0.0.1/udp']);
    assert.equal(got[0].hostPort, got[1].hostPort, 'the same ephemeral port on both');
    // both addresses of that port are taken now
    const again = wantedBindings({ '80/tcp': [{ HostIp: '::', HostPort: String(got[1].hostPort) }] }, undefined, false);
    await assert.rejects(holder.reserve('c2', 'c2', again, '127.0.0.1'), /Bind for \[::\]:\d+ failed: port is already allocated/);
  } finally {
    holder.releaseAll();
  }
});
