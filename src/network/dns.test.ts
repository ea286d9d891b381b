import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { connect } from 'node:net';
import { decode, encode, streamEncode, type Packet } from 'dns-packet';
import { EmbeddedDns, localAnswer } from './dns.ts';

const query = (name: string, type: 'A' | 'AAAA' | 'MX' = 'A'): Packet => ({ type: 'query', id: 42, flags: 256, questions: [{ type, name, class: 'IN' }] });
const table: Record<string, { v4: string[]; v6: string[] }> = { web: { v4: ['10.1.0.2'], v6: [] }, db: { v4: ['10.1.0.3', '10.1.0.4'], v6: ['fd00::3'] } };
const find = (n: string) => table[n] ?? null;

describe('embedded DNS', () => {
  it('answers A and AAAA for names of the network, case-insensitive, with a trailing dot', () => {
    const a = localAnswer(query('WEB.'), find)!;
    assert.equal(a.id, 42);
    assert.deepEqual(a.answers!.map((x) => (x as { data: string }).data), ['10.1.0.2']);
    assert.deepEqual(localAnswer(query('db'), find)!.answers!.map((x) => (x as { data: string }).data), ['10.1.0.3', '10.1.0.4']);
    assert.deepEqual(localAnswer(query('db', 'AAAA'), find)!.answers!.map((x) => (x as { data: string }).data), ['fd00::3']);
    assert.equal(localAnswer(query('web', 'AAAA'), find)!.answers!.length, 0, 'known name, no IPv6: empty NOERROR');
  });

  it('leaves unknown names and other types to the upstream resolvers', () => {
    assert.equal(localAnswer(query('example.org'), find), null);
    assert.equal(localAnswer(query('web', 'MX'), find), null);
  });

  it('serves UDP and TCP, forwards unknown names to the upstream and relays its answer', async () => {
    // The upstream listens on 127.0.0.2, the embedded server on 127.0.0.1, both on one free port.
    const up = createSocket('udp4');
    await new Promise<void>((r) => up.bind(0, '127.0.0.2', r));
    const port = up.address().port;
    up.on('message', (m, ri) => {
      const q = decode(m);
      up.send(encode({ type: 'response', id: q.id, questions: q.questions, answers: [{ type: 'A', name: q.questions![0].name, class: 'IN', ttl: 1, data: '192.0.2.99' }] }), ri.port, ri.address);
    });
    const dns = new EmbeddedDns((_s, _c, n) => find(n), () => ['127.0.0.2'], port);
    await dns.listen('127.0.0.1');
    try {
      const ask = (name: string): Promise<Packet> => new Promise((resolve) => {
        const s = createSocket('udp4');
        s.on('message', (m) => { s.close(); resolve(decode(m)); });
        s.send(encode(query(name)), port, '127.0.0.1');
      });
      const data = (p: Packet): string[] => p.answers!.map((x) => (x as { data: string }).data);
      assert.deepEqual(data(await ask('web')), ['10.1.0.2']);
      assert.deepEqual(data(await ask('example.org')), ['192.0.2.99'], 'forwarded');
      const tcp = await new Promise<Packet>((resolve, reject) => {
        const c = connect(port, '127.0.0.1', () => c.write(streamEncode(query('db'))));
        let buf = Buffer.alloc(0);
        c.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { c.end(); resolve(decode(buf.subarray(2))); } });
        c.on('error', reject);
      });
      assert.deepEqual(data(tcp), ['10.1.0.3', '10.1.0.4']);
    } finally {
      dns.closeAll();
      up.close();
    }
  });
});
