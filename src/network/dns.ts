/**
 * The embedded DNS server of user-defined networks: UDP and TCP on each
 * network's gateway address, port 53. Names of containers on the network
 * (name, aliases, short ID) are answered here; anything else is forwarded
 * to the container's --dns servers or the host's resolvers.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { decode, encode, RECURSION_AVAILABLE, streamEncode, type Answer, type Packet } from 'dns-packet';

/** Addresses for a name on the network of `server` as seen by `client`, or null when unknown here. */
export type Lookup = (server: string, client: string, name: string) => { v4: string[]; v6: string[] } | null;
/** Upstream resolvers for a client. */
export type Upstreams = (client: string) => string[];

const TTL = 600;

/** The answer to a query from the network's own names, or null to forward it. */
export function localAnswer(q: Packet, find: (name: string) => { v4: string[]; v6: string[] } | null): Packet | null {
  const question = q.questions?.[0];
  if (!question || (question.type !== 'A' && question.type !== 'AAAA')) return null;
  const found = find(question.name.replace(/\.$/, '').toLowerCase());
  if (!found) return null;
  const list = question.type === 'A' ? found.v4 : found.v6;
  const answers: Answer[] = list.map((data) => ({ type: question.type as 'A' | 'AAAA', name: question.name, class: 'IN', ttl: TTL, data }));
  return { type: 'response', id: q.id, flags: (q.flags ?? 0) | RECURSION_AVAILABLE, questions: [question], answers };
}

function servfail(q: Packet): Buffer {
  return encode({ type: 'response', id: q.id, flags: ((q.flags ?? 0) | RECURSION_AVAILABLE) | 2, questions: q.questions });
}

/** Send the raw query to the upstream servers in turn; the first answer wins. */
async function forward(raw: Buffer, servers: string[], port: number): Promise<Buffer | null> {
  for (const s of servers) {
    const got = await new Promise<Buffer | null>((resolve) => {
      const sock = createSocket(s.includes(':') ? 'udp6' : 'udp4');
      const t = setTimeout(() => { sock.close(); resolve(null); }, 2000);
      sock.on('error', () => { clearTimeout(t); sock.close(); resolve(null); });
      sock.on('message', (m) => { clearTimeout(t); sock.close(); resolve(m); });
      sock.send(raw, port, s);
    });
    if (got) return got;
  }
  return null;
}

export class EmbeddedDns {
  private readonly lookup: Lookup;
  private readonly upstreams: Upstreams;
  private readonly servers = new Map<string, { udp: UdpSocket; tcp: Server }>();
  private readonly port: number;

  /** `port`: where this server listens and where upstream servers are asked (53; tests use others). */
  constructor(lookup: Lookup, upstreams: Upstreams, port = 53) {
    this.lookup = lookup;
    this.upstreams = upstreams;
    this.port = port;
  }

  /** The reply to one query packet. */
  async handle(server: string, client: string, raw: Buffer): Promise<Buffer | null> {
    let q: Packet;
    try {
      q = decode(raw);
    } catch {
      return null;
    }
    const local = localAnswer(q, (name) => this.lookup(server, client, name));
    if (local) return encode(local);
    return (await forward(raw, this.upstreams(client), this.port)) ?? servfail(q);
  }

  async listen(ip: string): Promise<void> {
    if (this.servers.has(ip)) return;
    const udp = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    udp.on('message', (msg, rinfo) => {
      void this.handle(ip, rinfo.address, msg).then((out) => { if (out) udp.send(out, rinfo.port, rinfo.address); });
    });
    const tcp = createServer((sock) => {
      let buf = Buffer.alloc(0);
      sock.on('error', () => sock.destroy());
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const n = buf.readUInt16BE(0);
          const one = buf.subarray(2, 2 + n);
          buf = buf.subarray(2 + n);
          void this.handle(ip, sock.remoteAddress ?? '', Buffer.from(one)).then((out) => {
            if (out && !sock.destroyed) sock.write(streamEncode(decode(out)));
          }).catch(() => sock.destroy());
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: ip, port: this.port, exclusive: true }, () => { udp.removeListener('error', reject); resolve(); });
    });
    udp.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: ip, port: this.port, exclusive: true }, () => { tcp.removeListener('error', reject); resolve(); });
    }).catch((e) => { udp.close(); throw e; });
    this.servers.set(ip, { udp, tcp });
  }

  close(ip: string): void {
    const s = this.servers.get(ip);
    if (!s) return;
    s.udp.close();
    s.tcp.close();
    this.servers.delete(ip);
  }

  closeAll(): void {
    for (const ip of [...this.servers.keys()]) this.close(ip);
  }
}

