/**
 * The container side of networking: endpoints checked at create, the
 * network namespace, veths, addresses and published ports set up before
 * runc runs and removed when the container stops, and the network part of
 * inspect / ps.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConflictError, ForbiddenError, InvalidParameterError, NotFoundError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { ContainerNetView, ContainerNetworking, EndpointConfig, EndpointRecord, NetAttachment, NetworkRecord, PortBinding } from '../core/network/types.ts';
import { allocateIp, contains, macForIp, parseCidr } from './ipam.ts';
import { addVeth, deleteLink } from './link.ts';
import { wantedBindings } from './ports.ts';
import { checkIpFormat, normEndpoint, type NetworkService } from './service.ts';

const mode = (c: ContainerRecord): string => String(c.hostConfig.NetworkMode || 'bridge');

export class ContainerNet implements ContainerNetworking {
  private readonly s: NetworkService;

  constructor(s: NetworkService) {
    this.s = s;
    s.liveAttach = (c, ep) => this.liveAttach(c, ep);
    s.liveDetach = (c, ep) => this.unplug(ep);
  }

  /** The network namespace of a running container (runc made it; it goes with the container). */
  nsPath(c: ContainerRecord): string {
    return `/proc/${c.state.Pid}/ns/net`;
  }

  async validateCreate(c: ContainerRecord, endpoints: Record<string, EndpointConfig>): Promise<string[]> {
    const m = mode(c);
    const h = c.hostConfig;
    const published = Object.keys((h.PortBindings as object | null) ?? {}).length > 0 || Boolean(h.PublishAllPorts);
    if (m.startsWith('container:')) {
      // As dockerd, a container that does not exist (yet) fails the start, not the create (a 404 here would make the CLI pull the image).
      let other: ContainerRecord | undefined;
      try {
        other = this.s.d.containers.resolve(m.slice('container:'.length));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
      if (other?.id === c.id) throw new InvalidParameterError('cannot join own network namespace');
      if (published) throw new InvalidParameterError('conflicting options: port publishing and the container type network mode');
      if (((h.Dns as string[] | null) ?? []).length) throw new InvalidParameterError('conflicting options: dns and the network mode');
      if (((h.ExtraHosts as string[] | null) ?? []).length) throw new InvalidParameterError('conflicting options: custom host-to-IP mapping and the network mode');
      if (c.config.MacAddress) throw new InvalidParameterError('conflicting options: mac-address and the network mode');
      return [];
    }
    if (m === 'host' || m === 'none') {
      // dockerd's checks of the endpoint settings on a network of its own (none, host): no address can be asked for
      for (const ep of Object.values(endpoints ?? {})) {
        checkIpFormat(ep);
        if (ep.IPAMConfig?.IPv4Address || ep.IPAMConfig?.IPv6Address) throw new InvalidParameterError('user specified IP address is supported on user defined networks only');
      }
      return m === 'host' && published ? ['Published ports are discarded when using host network mode'] : [];
    }
    const primary = this.primaryNetwork(c, false);
    if (!primary) return [];
    const entries = Object.entries(endpoints ?? {});
    const isPrimary = (k: string): boolean => k === m || k === primary.name || k === primary.id || (k === 'default' && primary.isDefault);
    const mine = entries.find(([k]) => isPrimary(k))?.[1] ?? {};
    if (typeof c.config.MacAddress === 'string' && c.config.MacAddress && !mine.MacAddress) mine.MacAddress = c.config.MacAddress;
    const toSave: EndpointRecord[] = [];
    this.s.checkEndpoint(primary, mine);
    toSave.push({ containerId: c.id, networkId: primary.id, seq: this.s.nextSeq(), config: normEndpoint(mine), state: null });
    for (const [k, cfg] of entries) {
      if (isPrimary(k)) continue;
      let n: NetworkRecord;
      try {
        n = this.s.find(k);
      } catch {
        continue; // dockerd reports it when the container starts
      }
      if (n.driver !== 'bridge' || toSave.some((e) => e.networkId === n.id)) continue;
      this.s.checkEndpoint(n, cfg);
      toSave.push({ containerId: c.id, networkId: n.id, seq: this.s.nextSeq(), config: normEndpoint(cfg), state: null });
    }
    for (const e of toSave) this.s.d.db.saveEndpoint(e);
    return [];
  }

  /** The network of the NetworkMode; throws NotFound for an unknown user network when `strict`. */
  private primaryNetwork(c: ContainerRecord, strict: boolean): NetworkRecord | undefined {
    const m = mode(c);
    if (m === 'bridge' || m === 'default') return this.s.defaultNetwork();
    try {
      return this.s.find(m);
    } catch (e) {
      if (strict) throw e;
      return undefined;
    }
  }

  async attach(c: ContainerRecord): Promise<NetAttachment> {
    const m = mode(c);
    const base = { hostsLines: [] as string[], hostGateway: this.s.hostGateway() || hostAddress() };
    if (m === 'host' || m === 'none') {
      this.builtinConnected.add(c.id);
      this.builtinEvent('connect', c, m);
      return { ...base, netns: m === 'host' ? 'host' : 'private' };
    }
    if (m.startsWith('container:')) {
      const other = this.s.d.containers.resolve(m.slice('container:'.length));
      if (!other.state.Running || other.state.Restarting) throw new ConflictError(`cannot join network namespace of a non running container: container ${other.id} is ${other.state.Status}`);
      if (mode(other) === 'host') return { ...base, netns: 'host', hostname: other.config.Hostname, etcFrom: other.bundle };
      return { ...base, netns: { path: this.nsPath(other) }, hostname: other.config.Hostname, etcFrom: other.bundle };
    }
    const primary = this.primaryNetwork(c, true);
    if (!primary) return { ...base, netns: 'private' }; // default bridge disabled (--bridge none)
    if (!this.s.d.db.endpoint(c.id, primary.id)) {
      this.s.d.db.saveEndpoint({ containerId: c.id, networkId: primary.id, seq: 0, config: normEndpoint({}), state: null });
    }
    // Addresses and ports now (the /etc files need them); the links once runc made the namespace.
    const eps = this.s.d.db.endpointsOf({ containerId: c.id });
    try {
      for (const ep of eps) this.allocate(c, ep);
      await this.publish(c, eps[0]);
    } catch (e) {
      await this.release(c);
      throw e;
    }
    const first = this.s.d.db.network(eps[0].networkId)!;
    return {
      ...base,
      netns: 'private',
      plumb: async (pid) => {
        for (let i = 0; i < eps.length; i++) await this.plug(eps[i], `/proc/${pid}/ns/net`, i === 0);
        for (const ep of eps) this.event('connect', c, ep);
      },
      hostsLines: eps.filter((e) => e.state).map((e) => `${e.state!.ip}\t${c.config.Hostname}`),
      resolvConf: first.isDefault ? undefined : this.resolvConf(c, first),
    };
  }

  /** resolv.conf pointing at the network's embedded DNS server. */
  private resolvConf(c: ContainerRecord, n: NetworkRecord): string {
    const host = (() => {
      try {
        return readFileSync('/etc/resolv.conf', 'utf8');
      } catch {
        return '';
      }
    })();
    const h = c.hostConfig;
    const search = ((h.DnsSearch as string[] | null) ?? []).length ? (h.DnsSearch as string[]) : host.split('\n').filter((l) => /^\s*search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
    const opts = ((h.DnsOptions as string[] | null) ?? []).length ? (h.DnsOptions as string[]) : host.split('\n').filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
    const gw = n.ipam.Config.find((x) => x.Gateway && !x.Gateway.includes(':'))!.Gateway;
    const options = opts.some((o) => o.startsWith('ndots:')) ? opts : ['ndots:0', ...opts];
    return [`nameserver ${gw}`, ...(search.length ? [`search ${search.join(' ')}`] : []), `options ${options.join(' ')}`].join('\n') + '\n';
  }

  /** An address (and MAC, veth name) for one endpoint, recorded at once so that concurrent starts never share one. */
  private allocate(c: ContainerRecord, ep: EndpointRecord): void {
    const n = this.s.d.db.network(ep.networkId);
    if (!n) throw new ForbiddenError(`network ${ep.networkId} not found`);
    const v4 = n.ipam.Config.find((x) => !x.Subnet.includes(':'))!;
    const v6 = n.ipam.Config.find((x) => x.Subnet.includes(':'));
    const subnet = parseCidr(v4.Subnet);
    const used = new Set<string>(n.ipam.Config.map((x) => x.Gateway ?? ''));
    for (const o of this.s.d.db.endpointsOf({ networkId: n.id })) if (o.state && o.containerId !== c.id) { used.add(o.state.ip); if (o.state.ipv6) used.add(o.state.ipv6); }
    const want = ep.config.IPAMConfig?.IPv4Address;
    if (want && used.has(want)) throw new ForbiddenError('Address already in use');
    const ip = want || allocateIp(subnet, used, v4.IPRange ? parseCidr(v4.IPRange) : undefined);
    if (!ip) throw new ForbiddenError(`no available IPv4 addresses on this network's address pools: ${n.name} (${n.id})`);
    let ipv6: string | undefined;
    if (v6) ipv6 = ep.config.IPAMConfig?.IPv6Address || allocateIp(parseCidr(v6.Subnet), used) || undefined;
    const live = this.s.d.db.endpointsOf({ containerId: c.id }).filter((e) => e.state && e.networkId !== n.id);
    const index = Math.max(-1, ...live.map((e) => Number(e.state!.ifname.slice(3)))) + 1;
    ep.state = {
      endpointId: randomBytes(32).toString('hex'), ip, prefixLen: subnet.bits, gateway: n.internal ? '' : v4.Gateway ?? '',
      mac: ep.config.MacAddress || macForIp(ip), veth: `veth${randomBytes(4).toString('hex').slice(0, 7)}`, ifname: `eth${index}`,
      ...(ipv6 && v6 ? { ipv6, ipv6PrefixLen: parseCidr(v6.Subnet).bits, ipv6Gateway: n.internal ? '' : v6.Gateway ?? '' } : {}),
    };
    this.s.d.db.saveEndpoint(ep);
  }

  /** veth, addresses and routes of an allocated endpoint inside the namespace `ns`. */
  private async plug(ep: EndpointRecord, ns: string, primary: boolean): Promise<void> {
    const n = this.s.d.db.network(ep.networkId)!;
    const st = ep.state!;
    const v4 = n.ipam.Config.find((x) => !x.Subnet.includes(':'))!;
    const v6 = n.ipam.Config.find((x) => x.Subnet.includes(':'));
    await addVeth({
      host: st.veth, ifname: st.ifname, netns: ns, bridge: n.bridge, mac: st.mac,
      addrs: [`${st.ip}/${st.prefixLen}`, ...(st.ipv6 ? [`${st.ipv6}/${st.ipv6PrefixLen}`] : [])],
      gateway: primary && !n.internal ? v4.Gateway : undefined, gateway6: primary && !n.internal && v6 ? v6.Gateway : undefined, loopback: false,
    });
  }

  /** Containers on the host or none network whose connect event went out (their disconnect goes once). */
  private readonly builtinConnected = new Set<string>();

  /** The same for the predefined host and none networks (dockerd sends them too). */
  private builtinEvent(action: 'connect' | 'disconnect', c: ContainerRecord, name: 'host' | 'none'): void {
    const n = this.s.byName(name);
    if (n) this.s.d.events.publish('network', action, n.id, { container: c.id, name: n.name, type: n.driver });
  }

  /** dockerd's network connect / disconnect events of a container start and stop. */
  private event(action: 'connect' | 'disconnect', c: ContainerRecord, ep: EndpointRecord): void {
    const n = this.s.d.db.network(ep.networkId);
    if (n) this.s.d.events.publish('network', action, n.id, { container: c.id, name: n.name, type: n.driver });
  }

  private async unplug(ep: EndpointRecord): Promise<void> {
    if (!ep.state) return;
    await deleteLink(ep.state.veth);
    ep.state = null;
    this.s.d.db.saveEndpoint(ep);
  }

  private async liveAttach(c: ContainerRecord, ep: EndpointRecord): Promise<void> {
    const primary = !this.s.d.db.endpointsOf({ containerId: c.id }).some((e) => e.state);
    this.allocate(c, ep);
    try {
      await this.plug(ep, this.nsPath(c), primary);
    } catch (e) {
      ep.state = null;
      this.s.d.db.saveEndpoint(ep);
      throw e;
    }
  }

  /** Hold the published host ports and add their DNAT rules. */
  private async publish(c: ContainerRecord, ep: EndpointRecord): Promise<void> {
    const h = c.hostConfig;
    const wanted = wantedBindings(h.PortBindings as Record<string, PortBinding[] | null> | undefined, c.config.ExposedPorts, Boolean(h.PublishAllPorts));
    if (!wanted.length || !ep.state) return;
    const n = this.s.d.db.network(ep.networkId)!;
    if (n.internal) return;
    const ports = await this.s.ports.reserve(c.id, c.name.slice(1), wanted, ep.state.ip);
    this.s.published.set(c.id, { bridge: n.bridge, subnet: n.ipam.Config[0].Subnet, ip: ep.state.ip, ports });
    ep.state.ports = ports;
    this.s.d.db.saveEndpoint(ep);
    await this.s.syncFirewall();
  }

  /** Ports of a running container again (daemon restart with live-restore). */
  async readopt(c: ContainerRecord): Promise<void> {
    const ep = this.s.d.db.endpointsOf({ containerId: c.id })[0];
    if (!ep?.state?.ports?.length) return;
    const n = this.s.d.db.network(ep.networkId);
    if (!n) return;
    this.s.published.set(c.id, { bridge: n.bridge, subnet: n.ipam.Config[0].Subnet, ip: ep.state.ip, ports: ep.state.ports });
    const errs = await this.s.ports.rehold(c.id, ep.state.ports, ep.state.ip);
    for (const e of errs) this.s.d.log.warn(`container ${c.id.slice(0, 12)}: port ${e}`);
  }

  async release(c: ContainerRecord, opts: { deferEvents?: boolean } = {}): Promise<() => void> {
    const m = mode(c);
    const builtin = (m === 'host' || m === 'none') && this.builtinConnected.delete(c.id) ? m : null;
    this.s.ports.release(c.id);
    const had = this.s.published.delete(c.id);
    // The veths go with the container's namespace; one still there is removed here.
    const live = this.s.d.db.endpointsOf({ containerId: c.id }).filter((ep) => ep.state);
    await Promise.all(live.map((ep) => this.unplug(ep).catch(() => undefined)));
    if (had) await this.s.syncFirewall().catch((e) => this.s.d.log.warn(`firewall: ${(e as Error).message}`));
    const announce = (): void => {
      if (builtin) this.builtinEvent('disconnect', c, builtin);
      for (const ep of live) this.event('disconnect', c, ep);
    };
    if (!opts.deferEvents) {
      announce();
      return () => undefined;
    }
    return announce;
  }

  /**
   * After a restart: network state of containers that are not running any
   * more; the ones the record says run (adopted, or found dead next) are
   * on the host or none network as the previous daemon announced them.
   */
  async reconcile(all: ContainerRecord[]): Promise<void> {
    for (const c of all) {
      if (c.state.Running && !c.state.Restarting) {
        const m = mode(c);
        if (m === 'host' || m === 'none') this.builtinConnected.add(c.id);
        continue;
      }
      if (this.s.d.db.endpointsOf({ containerId: c.id }).some((e) => e.state)) await this.release(c);
    }
  }

  async forget(c: ContainerRecord): Promise<void> {
    await this.release(c);
    for (const ep of this.s.d.db.endpointsOf({ containerId: c.id })) {
      this.s.d.db.deleteEndpoint(c.id, ep.networkId);
    }
  }

  view(c: ContainerRecord): ContainerNetView {
    const m = mode(c);
    const live = c.state.Running && !c.state.Restarting; // (a restarting container has no network until it runs again)
    const networks: Record<string, Record<string, unknown>> = {};
    let primary: ContainerNetView['primary'] = null;
    if (m === 'host' || m === 'none') {
      networks[m] = endpointShape(this.s.byName(m)?.id ?? '', {}, null, null);
    } else if (!m.startsWith('container:')) {
      for (const ep of this.s.d.db.endpointsOf({ containerId: c.id })) {
        const n = this.s.d.db.network(ep.networkId);
        if (!n) continue;
        const dnsNames = n.isDefault ? null : [c.name.slice(1), c.id.slice(0, 12), ...(ep.config.Aliases ?? [])];
        networks[n.name] = endpointShape(n.id, ep.config, ep.state, live ? dnsNames : null);
        if (!primary && ep.state) primary = { ip: ep.state.ip, prefixLen: ep.state.prefixLen, gateway: ep.state.gateway, mac: ep.state.mac, endpointId: ep.state.endpointId };
      }
      if (!Object.keys(networks).length && m !== 'bridge') networks[m] = endpointShape('', {}, null, null);
    }
    const ports: Record<string, PortBinding[] | null> = {};
    const pub = this.s.published.get(c.id);
    // as dockerd: no ports on the host's network, none, or another container's
    if (live && m !== 'host' && m !== 'none' && !m.startsWith('container:')) {
      for (const k of Object.keys(c.config.ExposedPorts ?? {})) ports[k] = null;
      for (const p of pub?.ports ?? []) (ports[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    }
    // the running container's own network namespace (bridge networks or none, as dockerd's sandbox); none for host or another's
    const sandboxKey = live && (primary || m === 'none') ? this.nsPath(c) : '';
    return { sandboxKey, ports, networks, primary };
  }

  /** Is `ip` inside one of the network's subnets (for tests and checks). */
  static inNetwork(n: NetworkRecord, ip: string): boolean {
    return n.ipam.Config.some((x) => contains(parseCidr(x.Subnet), ip));
  }
}

function endpointShape(networkId: string, cfg: EndpointConfig, st: EndpointRecord['state'], dnsNames: string[] | null): Record<string, unknown> {
  return {
    IPAMConfig: cfg.IPAMConfig ?? null, Links: cfg.Links ?? null, Aliases: cfg.Aliases ?? null, MacAddress: st?.mac ?? '',
    DriverOpts: cfg.DriverOpts ?? null, GwPriority: 0, NetworkID: networkId, EndpointID: st?.endpointId ?? '', Gateway: st?.gateway ?? '',
    IPAddress: st?.ip ?? '', IPPrefixLen: st?.prefixLen ?? 0, IPv6Gateway: st?.ipv6Gateway ?? '', GlobalIPv6Address: st?.ipv6 ?? '',
    GlobalIPv6PrefixLen: st?.ipv6PrefixLen ?? 0, DNSNames: dnsNames,
  };
}

/** The host's first global IPv4 address (host-gateway without a default bridge). */
function hostAddress(): string {
  try {
    const route = readFileSync('/proc/net/fib_trie', 'utf8');
    const m = /\|--\s+(\d+\.\d+\.\d+\.\d+)\n\s+\/32 host LOCAL/.exec(route.replace(/\|--\s+127\.[^\n]*\n[^\n]*\n/g, ''));
    return m?.[1] ?? '127.0.0.1';
  } catch {
    return '127.0.0.1';
  }
}
