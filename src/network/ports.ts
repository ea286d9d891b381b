/**
 * Published ports: the requested bindings of a container expanded to
 * concrete host ports, each held by a socket of the daemon (so a port in use
 * is refused like dockerd does and nothing else takes it while published).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { InvalidParameterError, SystemError } from '../core/errors.ts';
import type { PortBinding } from '../core/network/types.ts';
import { hostHasIPv6, relay } from './userland-proxy.ts';

export interface ResolvedPort { proto: string; containerPort: number; hostIp: string; hostPort: number }

/** The host port range of a binding: [start, end], [0, 0] for an ephemeral one. */
export function hostRange(hp: string): [number, number] {
  if (hp === '' || hp === '0') return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(hp);
  if (!m) throw new InvalidParameterError(`invalid port specification: "${hp}"`);
  const a = Number(m[1]);
  const b = m[2] ? Number(m[2]) : a;
  if (a > 65535 || b > 65535 || b < a) throw new InvalidParameterError(`invalid port specification: "${hp}"`);
  return [a, b];
}

/** PortBindings plus (with PublishAll) every other exposed port on an ephemeral host port. */
export function wantedBindings(bindings: Record<string, PortBinding[] | null> | undefined, exposed: Record<string, object> | undefined, publishAll: boolean): { key: string; proto: string; port: number; b: PortBinding }[] {
  const out: { key: string; proto: string; port: number; b: PortBinding }[] = [];
  const keys = new Set([...Object.keys(bindings ?? {}), ...(publishAll ? Object.keys(exposed ?? {}) : [])]);
  for (const key of keys) {
    const [p, proto = 'tcp'] = key.split('/');
    const port = Number(p);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidParameterError(`invalid port specification: "${key}"`);
    const list = bindings?.[key] ?? [];
    for (const b of list.length ? list : [{ HostIp: '', HostPort: '' }]) out.push({ key, proto, port, b: { HostIp: b.HostIp ?? '', HostPort: b.HostPort ?? '' } });
  }
  return out;
}

type Holder = Server | UdpSocket | { close(): void };

/**
 * Take ip:port. An IPv4 address is held by a socket that takes no traffic
 * (the DNAT rules carry it); an IPv6 one relays to the container's IPv4
 * address `target`.
 */
async function hold(proto: string, ip: string, port: number, target: string, containerPort: number): Promise<{ h: Holder; port: number }> {
  if (ip.includes(':')) {
    const r = await relay(proto, ip, port, { ip: target, port: containerPort });
    return { h: r, port: r.port };
  }
  return holdV4(proto, ip, port);
}

function holdV4(proto: string, ip: string, port: number): Promise<{ h: Holder; port: number }> {
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket({ type: 'udp4', reuseAddr: false });
      s.once('error', (e) => { s.close(); reject(e); });
      s.bind({ address: ip, port, exclusive: true }, () => resolve({ h: s, port: s.address().port }));
      return;
    }
    const srv = createServer((sock) => sock.destroy());
    srv.once('error', reject);
    srv.listen({ host: ip, port, exclusive: true, backlog: 1 }, () => {
      const a = srv.address();
      resolve({ h: srv, port: typeof a === 'object' && a ? a.port : port });
    });
  });
}

/** Sockets holding the published host ports, by container. */
export class PortHolder {
  private readonly held = new Map<string, Holder[]>();

  /**
   * Reserve every binding; all or nothing. A binding without a host address
   * takes 0.0.0.0 and, where the host has IPv6, [::] on the same port (as
   * dockerd 27+); `target` is the container's IPv4 address.
   */
  async reserve(containerId: string, endpointName: string, wanted: ReturnType<typeof wantedBindings>, target: string): Promise<ResolvedPort[]> {
    const got: ResolvedPort[] = [];
    const holders: Holder[] = [];
    const v6 = await hostHasIPv6();
    try {
      for (const w of wanted) {
        if (w.proto === 'sctp') throw new InvalidParameterError('sctp ports are not supported');
        const ips = w.b.HostIp ? [w.b.HostIp] : v6 ? ['0.0.0.0', '::'] : ['0.0.0.0'];
        const [a, b] = hostRange(w.b.HostPort);
        let lastErr: unknown;
        let failedIp = ips[0];
        let taken: { h: Holder; port: number }[] | null = null;
        // an ephemeral port is the first address's pick, tried a few times for the others
        for (let p = a, tries = 0; !taken && (a === 0 ? tries < 5 : p <= b); p = a === 0 ? 0 : p + 1, tries++) {
          const mine: { h: Holder; port: number }[] = [];
          try {
            for (const ip of ips) {
              failedIp = ip;
              mine.push(await hold(w.proto, ip, mine[0]?.port ?? p, target, w.port));
            }
            taken = mine;
          } catch (e) {
            lastErr = e;
            for (const m of mine) close(m.h);
            if (a === 0 && (e as NodeJS.ErrnoException)?.code !== 'EADDRINUSE') break;
          }
        }
        if (!taken) {
          const code = (lastErr as NodeJS.ErrnoException)?.code;
          const shown = a === b ? String(a) : `${a}-${b}`;
          const why = code === 'EADDRINUSE' ? 'port is already allocated' : code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : String((lastErr as Error)?.message);
          const host = failedIp.includes(':') ? `[${failedIp}]` : failedIp;
          throw new SystemError(`driver failed programming external connectivity on endpoint ${endpointName} (${containerId}): Bind for ${host}:${shown} failed: ${why}`);
        }
        for (const [i, t] of taken.entries()) {
          holders.push(t.h);
          got.push({ proto: w.proto, containerPort: w.port, hostIp: ips[i], hostPort: t.port });
        }
      }
    } catch (e) {
      for (const h of holders) close(h);
      throw e;
    }
    this.held.set(containerId, [...(this.held.get(containerId) ?? []), ...holders]);
    return got;
  }

  /** Hold already-resolved ports again (after a daemon restart); failures are returned, not thrown. */
  async rehold(containerId: string, ports: ResolvedPort[], target: string): Promise<string[]> {
    const errs: string[] = [];
    for (const p of ports) {
      try {
        const r = await hold(p.proto, p.hostIp, p.hostPort, target, p.containerPort);
        this.held.set(containerId, [...(this.held.get(containerId) ?? []), r.h]);
      } catch (e) {
        errs.push(`${p.hostIp}:${p.hostPort}/${p.proto}: ${(e as Error).message}`);
      }
    }
    return errs;
  }

  release(containerId: string): void {
    for (const h of this.held.get(containerId) ?? []) close(h);
    this.held.delete(containerId);
  }

  releaseAll(): void {
    for (const id of [...this.held.keys()]) this.release(id);
  }
}

function close(h: Holder): void {
  try {
    h.close();
  } catch {
    // already closed
  }
}
