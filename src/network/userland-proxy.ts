/**
 * The IPv6 side of a port published by a container that has only an IPv4
 * address: connections and datagrams to [::]:port are relayed to the
 * container's address, as dockerd's docker-proxy relays them (no NAT from
 * IPv6 to IPv4 exists).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';

/** A UDP flow (one client address) is forgotten after this long without traffic, as docker-proxy's. */
const UDP_IDLE_MS = 90_000;

export interface Relay { port: number; close(): void }
export interface RelayTarget { ip: string; port: number }

function tcpRelay(hostIp: string, port: number, target: RelayTarget): Promise<Relay> {
  const open = new Set<Socket>();
  const srv = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: target.ip, port: target.port, allowHalfOpen: true });
    open.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    // each side's end of input becomes the other side's end of output; an error ends both
    client.pipe(upstream).on('error', drop);
    upstream.pipe(client).on('error', drop);
    client.on('error', drop).on('close', () => open.delete(client));
    upstream.on('error', drop).on('close', () => open.delete(upstream));
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ host: hostIp, port, ipv6Only: true, exclusive: true }, () => {
      const a = srv.address();
      resolve({
        port: typeof a === 'object' && a ? a.port : port,
        close: () => {
          srv.close();
          for (const s of open) s.destroy();
        },
      });
    });
  });
}

function udpRelay(hostIp: string, port: number, target: RelayTarget): Promise<Relay> {
  const sock = createSocket({ type: 'udp6', ipv6Only: true });
  const flows = new Map<string, { up: UdpSocket; timer: NodeJS.Timeout }>();
  const forget = (key: string): void => {
    const f = flows.get(key);
    if (!f) return;
    flows.delete(key);
    clearTimeout(f.timer);
    f.up.close();
  };
  sock.on('message', (msg, from) => {
    const key = `[${from.address}]:${from.port}`;
    let f = flows.get(key);
    if (!f) {
      const up = createSocket('udp4');
      up.on('message', (reply) => {
        sock.send(reply, from.port, from.address);
        f?.timer.refresh();
      });
      up.on('error', () => forget(key));
      f = { up, timer: setTimeout(() => forget(key), UDP_IDLE_MS).unref() };
      flows.set(key, f);
    }
    f.timer.refresh();
    f.up.send(msg, target.port, target.ip);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', (e) => {
      sock.close();
      reject(e);
    });
    sock.bind({ address: hostIp, port, exclusive: true }, () => {
      sock.removeAllListeners('error');
      sock.on('error', () => undefined); // a failed send to one client is not the relay's end
      resolve({
        port: sock.address().port,
        close: () => {
          for (const key of [...flows.keys()]) forget(key);
          sock.close();
        },
      });
    });
  });
}

/** Listen on [hostIp]:port (0: any free port) and relay to the target. */
export function relay(proto: string, hostIp: string, port: number, target: RelayTarget): Promise<Relay> {
  return proto === 'udp' ? udpRelay(hostIp, port, target) : tcpRelay(hostIp, port, target);
}

let v6: Promise<boolean> | undefined;

/** Whether this host has IPv6 at all (dockerd publishes on [::] too then). */
export function hostHasIPv6(): Promise<boolean> {
  v6 ??= new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '::1', port: 0, ipv6Only: true }, () => srv.close(() => resolve(true)));
  });
  return v6;
}
