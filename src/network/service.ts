/**
 * The network service: networks (create, list, remove, prune, connect,
 * disconnect) on Linux bridges, the firewall of the daemon, the embedded
 * DNS server, and start-up reconciliation / shutdown cleanup.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { ConflictError, ForbiddenError, InvalidParameterError, NotFoundError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { EventSink } from '../core/events/types.ts';
import { matchLabels, matchNotLabels, type Filters } from '../core/filters.ts';
import { pruneUntil } from '../core/go-time.ts';
import type { EndpointConfig, EndpointRecord, NetworkBackend, NetworkCreateRequest, NetworkRecord } from '../core/network/types.ts';
import { EmbeddedDns } from './dns.ts';
import { lookupName, upstreamsFor } from './dns-view.ts';
import { filterNetworks, isPredefined } from './filter.ts';
import { checkIpam } from './ipam-request.ts';
import { applyFirewall, ensureJumps, firewallTag, teardownFirewall, type FwState } from './iptables.ts';
import { carveSubnet, cidrString, contains, firstHost, parseCidr, type Cidr } from './ipam.ts';
import { deleteLink, ensureBridge, hostRoutes, linkExists } from './link.ts';
import { PortHolder, type ResolvedPort } from './ports.ts';
import type { NetworkDb } from './store.ts';
import { nowRfc3339Nano, timeNs } from '../core/time.ts';

export interface NetworkConfig {
  /** Default bridge name; 'none' disables the default bridge network. */
  bridge: string;
  /** Default bridge address in CIDR notation (gateway/prefix). */
  bip: string;
  pools: { base: string; size: number }[];
  iptables: boolean;
  ipForward: boolean;
}

export interface ContainerLookup {
  byId(id: string): ContainerRecord | undefined;
  resolve(idOrName: string): ContainerRecord;
  all(): ContainerRecord[];
}

export interface NetworkServiceDeps {
  db: NetworkDb;
  containers: ContainerLookup;
  events: EventSink;
  execRoot: string;
  dataRoot: string;
  config: NetworkConfig;
  log: { warn(m: string): void; info(m: string): void };
}

export const DEFAULT_BRIDGE = 'berth0';
const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';

/** Attach a container to a network (set by ContainerNet; the service calls it for connect on a running container). */
export type LiveAttach = (c: ContainerRecord, ep: EndpointRecord) => Promise<void>;
export type LiveDetach = (c: ContainerRecord, ep: EndpointRecord) => Promise<void>;

export class NetworkService implements NetworkBackend {
  readonly d: NetworkServiceDeps;
  readonly tag: string;
  readonly ports = new PortHolder();
  readonly dns: EmbeddedDns;
  /** Resolved published ports of running containers. */
  readonly published = new Map<string, { bridge: string; subnet: string; ip: string; ports: ResolvedPort[] }>();
  hostResolvers: string[] = [];
  liveAttach?: LiveAttach;
  liveDetach?: LiveDetach;
  private seq = Date.now();
  private fwQueue: Promise<void> = Promise.resolve();

  constructor(deps: NetworkServiceDeps) {
    this.d = deps;
    this.tag = firewallTag(deps.dataRoot);
    const view = { bridges: () => this.bridges(), endpoints: (q: { networkId?: string }) => deps.db.endpointsOf(q), containers: deps.containers, hostResolvers: () => this.hostResolvers };
    this.dns = new EmbeddedDns((server, client, name) => lookupName(view, server, name, client), (client) => upstreamsFor(view, client));
  }

  nextSeq(): number {
    return ++this.seq;
  }

  // ---- start-up and shutdown ----

  /** Predefined networks, bridges, DNS servers and firewall as the stored state says. */
  async init(): Promise<void> {
    this.hostResolvers = (await readFile('/etc/resolv.conf', 'utf8').catch(() => '')).split('\n')
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => !!x);
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
      if (!this.byName(name)) this.d.db.saveNetwork(this.record({ name, driver, isDefault: false, bridge: '' }));
    }
    await this.initDefaultBridge();
    if (this.d.config.ipForward && this.bridges().length) await writeFile('/proc/sys/net/ipv4/ip_forward', '1').catch(() => undefined);
    for (const n of this.bridges()) await this.upBridge(n);
    // Endpoints left live by containers that are not running any more.
    for (const n of this.bridges()) {
      for (const ep of this.d.db.endpointsOf({ networkId: n.id })) {
        if (!this.d.containers.byId(ep.containerId)) this.d.db.deleteEndpoint(ep.containerId, ep.networkId);
      }
    }
  }

  /** After init and the re-adoption of running containers' ports: rules in one go, then the jumps to them. */
  async startFirewall(): Promise<void> {
    await this.syncFirewall();
    if (this.d.config.iptables) await ensureJumps(this.tag);
  }

  private async initDefaultBridge(): Promise<void> {
    const cfg = this.d.config;
    const existing = this.d.db.networks().find((n) => n.isDefault);
    if (cfg.bridge === 'none') {
      if (existing) this.d.db.deleteNetwork(existing.id);
      return;
    }
    const bridge = cfg.bridge || DEFAULT_BRIDGE;
    let subnet: string;
    let gateway: string;
    if (cfg.bip) {
      const c = parseCidr(cfg.bip, true);
      gateway = cfg.bip.split('/')[0];
      subnet = cidrString({ ...c, base: parseCidr(cfg.bip).base });
    } else if (existing && existing.bridge === bridge) {
      subnet = existing.ipam.Config[0].Subnet;
      gateway = existing.ipam.Config[0].Gateway ?? firstHost(parseCidr(subnet));
    } else {
      const c = await this.freeSubnet(existing ? [existing.id] : []);
      subnet = cidrString(c);
      gateway = firstHost(c);
    }
    const n: NetworkRecord = existing ?? this.record({ name: 'bridge', driver: 'bridge', isDefault: true, bridge });
    n.bridge = bridge;
    n.ipam = { Driver: 'default', Options: null, Config: [{ Subnet: subnet, Gateway: gateway }] };
    n.options = {
      'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      [BRIDGE_NAME_OPT]: bridge, 'com.docker.network.driver.mtu': '1500',
    };
    this.d.db.saveNetwork(n);
  }

  /** Bridge up with its addresses; DNS on user networks. */
  private async upBridge(n: NetworkRecord): Promise<void> {
    const addrs = n.ipam.Config.filter((c) => c.Gateway).map((c) => `${c.Gateway}/${parseCidr(c.Subnet).bits}`);
    await ensureBridge(n.bridge, addrs);
    if (!n.isDefault) {
      for (const c of n.ipam.Config) {
        if (c.Gateway && !c.Gateway.includes(':')) await this.dns.listen(c.Gateway).catch((e) => this.d.log.warn(`DNS on ${c.Gateway}: ${(e as Error).message}`));
      }
    }
  }

  /** Without live-restore: bridges, DNS, port holders and firewall rules all go. */
  async shutdown(liveRestore: boolean): Promise<void> {
    this.dns.closeAll();
    this.ports.releaseAll();
    if (liveRestore) return;
    for (const n of this.bridges()) await deleteLink(n.bridge);
    if (this.d.config.iptables) await teardownFirewall(this.tag).catch((e) => this.d.log.warn(`firewall cleanup: ${(e as Error).message}`));
  }

  // ---- helpers ----

  bridges(): NetworkRecord[] {
    return this.d.db.networks().filter((n) => n.driver === 'bridge');
  }

  defaultNetwork(): NetworkRecord | undefined {
    return this.d.db.networks().find((n) => n.isDefault);
  }

  byName(name: string): NetworkRecord | undefined {
    return this.d.db.networks().find((n) => n.name === name);
  }

  /** dockerd's FindNetwork: full ID, then name, then ID prefix (unique). */
  find(idOrName: string): NetworkRecord {
    const all = this.d.db.networks();
    const hit = all.find((n) => n.id === idOrName) ?? all.find((n) => n.name === idOrName);
    if (hit) return hit;
    const pre = idOrName ? all.filter((n) => n.id.startsWith(idOrName)) : [];
    if (pre.length === 1) return pre[0];
    if (pre.length > 1) throw new InvalidParameterError(`network ${idOrName} is ambiguous (${pre.length} matches found based on ID prefix)`);
    throw new NotFoundError(`network ${idOrName} not found`);
  }

  private record(p: { name: string; driver: NetworkRecord['driver']; isDefault: boolean; bridge: string }): NetworkRecord {
    return {
      id: randomBytes(32).toString('hex'), name: p.name, driver: p.driver, created: nowRfc3339Nano(), internal: false, attachable: false,
      enableIPv6: false, ipam: { Driver: 'default', Options: null, Config: [] }, options: {}, labels: {}, bridge: p.bridge, isDefault: p.isDefault,
    };
  }

  private usedSubnets(except: string[] = []): Cidr[] {
    return this.bridges().filter((n) => !except.includes(n.id)).flatMap((n) => n.ipam.Config.map((c) => parseCidr(c.Subnet)));
  }

  /** A pool subnet that overlaps no network of ours and no route of the host. */
  private async freeSubnet(except: string[] = []): Promise<Cidr> {
    const used = [...this.usedSubnets(except), ...(await hostRoutes()).map((r) => parseCidr(r))];
    const c = carveSubnet(this.d.config.pools.filter((p) => !p.base.includes(':')), used);
    if (!c) throw new ForbiddenError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    return c;
  }

  /** Rebuild the rules from the current state; calls run one after another, each reading the state when it runs. */
  syncFirewall(): Promise<void> {
    if (!this.d.config.iptables) return Promise.resolve();
    const run = this.fwQueue.then(() => applyFirewall(this.tag, this.firewallState()));
    this.fwQueue = run.catch(() => undefined);
    return run;
  }

  private firewallState(): FwState {
    return {
      networks: this.bridges().map((n) => ({ bridge: n.bridge, subnet: n.ipam.Config.find((c) => !c.Subnet.includes(':'))?.Subnet ?? '', internal: n.internal }))
        .filter((n) => n.subnet),
      // the IPv6 side of a port is relayed by the daemon, not NATed
      ports: [...this.published.values()].flatMap((p) => p.ports.filter((x) => x.proto !== 'sctp' && !x.hostIp.includes(':')).map((x) => ({
        bridge: p.bridge, subnet: p.subnet, proto: x.proto, hostIp: x.hostIp, hostPort: x.hostPort, containerIp: p.ip, containerPort: x.containerPort,
      }))),
    };
  }

  // ---- the API backend ----

  async create(req: NetworkCreateRequest): Promise<{ id: string; warning: string }> {
    const name = req.Name ?? '';
    if (!name) throw new InvalidParameterError('network name cannot be empty');
    // dockerd's PredefinedNetworkError (its text ends with a space), even when the daemon runs without that network
    if (isPredefined(name)) throw new ForbiddenError(`operation is not permitted on predefined ${name} network `);
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new InvalidParameterError(`invalid network name "${name}": must match [a-zA-Z0-9][a-zA-Z0-9_.-]`);
    const driver = req.Driver || 'bridge';
    if (driver === 'host' || driver === 'null') throw new ForbiddenError(`only one instance of "${driver}" network is allowed`);
    if (driver !== 'bridge') throw new NotFoundError(`plugin "${driver}" not found`);
    if (this.byName(name)) throw new ConflictError(`network with name ${name} already exists`);
    if (req.IPAM?.Driver && req.IPAM.Driver !== 'default') throw new NotFoundError(`plugin "${req.IPAM.Driver}" not found`);
    const configs = checkIpam(req.IPAM?.Config ?? [], Boolean(req.EnableIPv6), this.usedSubnets());
    const opts = req.Options ?? {};
    const n = this.record({ name, driver: 'bridge', isDefault: false, bridge: '' });
    const bridgeName = opts[BRIDGE_NAME_OPT] || `br-${n.id.slice(0, 12)}`;
    if (bridgeName.length > 15) throw new InvalidParameterError(`invalid network config:\nbridge name ${bridgeName} is longer than 15 characters`);
    if (this.bridges().some((x) => x.bridge === bridgeName)) throw new ForbiddenError(`bridge name ${bridgeName} is already in use by another network`);
    if (!configs.some((c) => !c.Subnet.includes(':'))) {
      const c = await this.freeSubnet();
      configs.unshift({ Subnet: cidrString(c), Gateway: firstHost(c) });
    }
    if (req.EnableIPv6 && !configs.some((c) => c.Subnet.includes(':'))) {
      const base = `fd${this.tag.slice(0, 2)}:${this.tag.slice(2, 6)}:${randomBytes(2).toString('hex')}::/48`;
      const c = carveSubnet([{ base, size: 64 }], this.usedSubnets())!;
      configs.push({ Subnet: cidrString(c), Gateway: firstHost(c) });
    }
    Object.assign(n, {
      bridge: bridgeName, internal: Boolean(req.Internal), attachable: Boolean(req.Attachable), enableIPv6: Boolean(req.EnableIPv6),
      ipam: { Driver: 'default', Options: req.IPAM?.Options ?? null, Config: configs, userSubnet: (req.IPAM?.Config ?? []).length > 0 },
      options: opts, labels: req.Labels ?? {},
    });
    this.d.db.saveNetwork(n);
    try {
      await this.upBridge(n);
      await this.syncFirewall();
    } catch (e) {
      this.dns.close(configs[0].Gateway ?? '');
      await deleteLink(n.bridge);
      this.d.db.deleteNetwork(n.id);
      await this.syncFirewall().catch(() => undefined);
      throw e;
    }
    this.d.events.publish('network', 'create', n.id, { name: n.name, type: 'bridge' });
    return { id: n.id, warning: '' };
  }

  async list(filters: Filters): Promise<NetworkRecord[]> {
    const nets = this.d.db.networks().sort((a, b) => Number((timeNs(a.created) ?? 0n) - (timeNs(b.created) ?? 0n)));
    return filterNetworks(nets, filters);
  }

  async get(idOrName: string): Promise<NetworkRecord> {
    return this.find(idOrName);
  }

  endpoints(networkId: string): { containerId: string; name: string; state: EndpointRecord['state'] }[] {
    const n = this.d.db.network(networkId);
    if (n && n.driver !== 'bridge') {
      // host and none: the running containers in that mode.
      return this.d.containers.all().filter((c) => c.state.Running && !c.state.Restarting && c.hostConfig.NetworkMode === n.name)
        .map((c) => ({ containerId: c.id, name: c.name.slice(1), state: null }));
    }
    return this.d.db.endpointsOf({ networkId }).filter((e) => e.state).map((e) => ({
      containerId: e.containerId, name: this.d.containers.byId(e.containerId)?.name.slice(1) ?? '', state: e.state,
    }));
  }

  async remove(idOrName: string): Promise<void> {
    const n = this.find(idOrName);
    if (n.isDefault || n.driver !== 'bridge') throw new ForbiddenError(`${n.name} is a pre-defined network and cannot be removed`);
    const active = this.d.db.endpointsOf({ networkId: n.id }).filter((e) => e.state);
    if (active.length) {
      const list = active.map((e) => `name:${JSON.stringify(this.d.containers.byId(e.containerId)?.name.slice(1) ?? '')} id:${JSON.stringify(e.containerId.slice(0, 12))}`).join(', ');
      throw new ForbiddenError(`error while removing network: network ${n.name} has active endpoints (${list})`);
    }
    for (const c of n.ipam.Config) if (c.Gateway) this.dns.close(c.Gateway);
    await deleteLink(n.bridge);
    this.d.db.deleteNetwork(n.id);
    await this.syncFirewall();
    this.d.events.publish('network', 'destroy', n.id, { name: n.name, type: 'bridge' });
  }

  async prune(filters: Filters): Promise<string[]> {
    const until = pruneUntil(filters);
    const out: string[] = [];
    for (const n of this.bridges()) {
      if (n.isDefault || this.d.db.endpointsOf({ networkId: n.id }).length) continue;
      if (until !== undefined && Number(timeNs(n.created) ?? 0n) / 1e6 > until) continue;
      if (!matchLabels(filters, n.labels) || !matchNotLabels(filters, n.labels)) continue;
      await this.remove(n.id);
      out.push(n.name);
    }
    this.d.events.publish('network', 'prune', '', { reclaimed: '0' });
    return out;
  }

  async connect(idOrName: string, container: string, config: EndpointConfig): Promise<void> {
    const c = this.d.containers.resolve(container); // as dockerd: the container is looked up first
    const n = this.find(idOrName);
    const mode = String(c.hostConfig.NetworkMode ?? 'bridge');
    if (n.driver !== 'bridge' || mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
      throw new ForbiddenError(n.driver === 'host' || mode === 'host'
        ? 'container cannot be disconnected from host network or connected to host network'
        : `container sharing network namespace with another container or host cannot be connected to any other network`);
    }
    if (this.d.db.endpoint(c.id, n.id)) throw new ForbiddenError(`endpoint with name ${c.name.slice(1)} already exists in network ${n.name}`);
    this.checkEndpoint(n, config);
    const ep: EndpointRecord = { containerId: c.id, networkId: n.id, seq: this.nextSeq(), config: normEndpoint(config), state: null };
    this.d.db.saveEndpoint(ep);
    if (c.state.Running && !c.state.Restarting && this.liveAttach) {
      try {
        await this.liveAttach(c, ep);
      } catch (e) {
        this.d.db.deleteEndpoint(c.id, n.id);
        throw e;
      }
    }
    this.d.events.publish('network', 'connect', n.id, { container: c.id, name: n.name, type: 'bridge' });
  }

  /** Checks of an endpoint's requested settings against its network. */
  checkEndpoint(n: NetworkRecord, config: EndpointConfig): void {
    const ip = config.IPAMConfig?.IPv4Address;
    checkIpFormat(config);
    if (n.isDefault && (config.Aliases ?? []).length) throw new InvalidParameterError('network-scoped alias is supported only for containers in user defined networks');
    if (!ip) return;
    if (n.isDefault) throw new InvalidParameterError('user specified IP address is supported on user defined networks only');
    if (!n.ipam.userSubnet) throw new InvalidParameterError('user specified IP address is supported only when connecting to networks with user configured subnets');
    if (!n.ipam.Config.some((s) => contains(parseCidr(s.Subnet), ip))) throw new InvalidParameterError(`invalid IPv4 address ${ip}: it does not belong to any of this network's subnets`);
  }

  async disconnect(idOrName: string, container: string, force: boolean): Promise<void> {
    const n = this.find(idOrName);
    let c: ContainerRecord | undefined;
    try {
      c = this.d.containers.resolve(container);
    } catch (e) {
      if (!force) throw e;
    }
    if (n.driver === 'host') throw new ForbiddenError('container cannot be disconnected from host network or connected to host network');
    const ep = c ? this.d.db.endpoint(c.id, n.id) : this.d.db.endpointsOf({ networkId: n.id }).find((e) => e.containerId.startsWith(container));
    if (!ep) throw new ForbiddenError(`container ${c?.id ?? container} is not connected to network ${n.name}`);
    if (c && ep.state && this.liveDetach) await this.liveDetach(c, ep);
    this.d.db.deleteEndpoint(ep.containerId, n.id);
    this.d.events.publish('network', 'disconnect', n.id, { container: ep.containerId, name: n.name, type: 'bridge' });
  }

  /** Gateway of the default bridge, else the host's first address: what host-gateway means. */
  hostGateway(): string {
    return this.defaultNetwork()?.ipam.Config[0]?.Gateway ?? '';
  }

  bridgeUp(n: NetworkRecord): boolean {
    return linkExists(n.bridge);
  }
}

export function normEndpoint(e: EndpointConfig): EndpointConfig {
  return {
    Aliases: e.Aliases?.length ? [...e.Aliases] : null,
    // kept as the client sent it, its empty fields left out (docker network connect always sends one: dockerd shows {})
    IPAMConfig: e.IPAMConfig ? Object.fromEntries(Object.entries(e.IPAMConfig).filter(([, v]) => v !== '' && v !== null && v !== undefined && !(Array.isArray(v) && !v.length))) : null,
    MacAddress: e.MacAddress ?? '',
    Links: e.Links?.length ? [...e.Links] : null,
    DriverOpts: e.DriverOpts ?? null,
  };
}

/** A requested address must be one (dockerd's "invalid IPv4 address: X"). */
export function checkIpFormat(config: EndpointConfig): void {
  const v4 = config.IPAMConfig?.IPv4Address;
  if (v4 && isIP(v4) !== 4) throw new InvalidParameterError(`invalid IPv4 address: ${v4}`);
  const v6 = config.IPAMConfig?.IPv6Address;
  if (v6 && isIP(v6) !== 6) throw new InvalidParameterError(`invalid IPv6 address: ${v6}`);
}
