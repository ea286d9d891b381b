/** Networks: records, the API backend and the hooks the container lifecycle calls. */
import type { ContainerRecord } from '../containers/types.ts';
import type { Filters } from '../filters.ts';

export interface IpamConfig { Subnet: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }

export interface NetworkRecord {
  id: string;
  name: string;
  driver: 'bridge' | 'host' | 'null';
  created: string;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  ipam: { Driver: string; Options: Record<string, string> | null; Config: IpamConfig[]; userSubnet?: boolean };
  options: Record<string, string>;
  labels: Record<string, string>;
  /** Linux bridge of a bridge network. */
  bridge: string;
  /** The default `bridge` network (no DNS between containers, no aliases). */
  isDefault: boolean;
}

/** What a container asked for on one network (NetworkingConfig.EndpointsConfig entry, `network connect`). */
export interface EndpointConfig {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  MacAddress?: string;
  Links?: string[] | null;
  DriverOpts?: Record<string, string> | null;
}

/** A live endpoint (the container is running on the network). */
export interface EndpointState {
  endpointId: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  ipv6?: string;
  ipv6PrefixLen?: number;
  ipv6Gateway?: string;
  veth: string;
  ifname: string;
  /** Published ports (primary endpoint only). */
  ports?: { proto: string; containerPort: number; hostIp: string; hostPort: number }[];
}

export interface EndpointRecord {
  containerId: string;
  networkId: string;
  /** Attach order: the lowest is the container's primary network. */
  seq: number;
  config: EndpointConfig;
  state: EndpointState | null;
}

export interface PortBinding { HostIp: string; HostPort: string }

/** The network part of a container's inspect / list output. */
export interface ContainerNetView {
  sandboxKey: string;
  ports: Record<string, PortBinding[] | null>;
  networks: Record<string, Record<string, unknown>>;
  /** The primary endpoint (first network): top-level IPAddress, Gateway, MacAddress. */
  primary: { ip: string; prefixLen: number; gateway: string; mac: string; endpointId: string } | null;
}

/** What Lifecycle needs to give a container its network. */
export interface ContainerNetworking {
  /** Checks NetworkMode, ports and endpoints at create; stores the endpoint configs; returns warnings for the client. */
  validateCreate(c: ContainerRecord, endpoints: Record<string, EndpointConfig>): Promise<string[]>;
  /** Set up the container's network namespace before runc runs; returns what the spec needs. */
  attach(c: ContainerRecord): Promise<NetAttachment>;
  /** Undo attach (the container stopped); idempotent. */
  /**
   * Undo attach when the container stops. The network disconnect events are
   * sent at once, or, with `deferEvents`, by the function returned (dockerd
   * sends them after the container's die).
   */
  release(c: ContainerRecord, opts?: { deferEvents?: boolean }): Promise<() => void>;
  /** The container is removed: forget its endpoints. */
  forget(c: ContainerRecord): Promise<void>;
  view(c: ContainerRecord): ContainerNetView;
}

export interface NetAttachment {
  netns: 'host' | 'private' | { path: string };
  /** Hostname and /etc files of a joined container (`container:<name>` mode). */
  hostname?: string;
  /** resolv.conf text to write (undefined: the default rules). */
  resolvConf?: string;
  /** /etc/hosts lines for the container's own addresses. */
  hostsLines: string[];
  /** The address host-gateway stands for. */
  hostGateway: string;
  /** Copy /etc/hosts, resolv.conf and hostname from this bundle (container mode). */
  etcFrom?: string;
  /** Wire the endpoints into the namespace runc made for the container (after `runc create`). */
  plumb?: (pid: number) => Promise<void>;
}

export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  EnableIPv4?: boolean;
  IPAM?: { Driver?: string; Config?: IpamConfig[] | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  Scope?: string;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network: string } | null;
}

export interface NetworkBackend {
  create(req: NetworkCreateRequest): Promise<{ id: string; warning: string }>;
  list(filters: Filters): Promise<NetworkRecord[]>;
  get(idOrName: string): Promise<NetworkRecord>;
  /** Containers on the network: id → endpoint. */
  endpoints(networkId: string): { containerId: string; name: string; state: EndpointState | null }[];
  remove(idOrName: string): Promise<void>;
  prune(filters: Filters): Promise<string[]>;
  connect(idOrName: string, container: string, config: EndpointConfig): Promise<void>;
  disconnect(idOrName: string, container: string, force: boolean): Promise<void>;
}
