import type { NetworkBackend, NetworkRecord } from '../../core/network/types.ts';

/** Docker's network object (GET /networks and /networks/{id}). */
export function networkShape(n: NetworkRecord, containers: ReturnType<NetworkBackend['endpoints']> | null): Record<string, unknown> {
  const driver = n.driver;
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: driver,
    EnableIPv4: driver === 'bridge',
    EnableIPv6: n.enableIPv6,
    IPAM: { Driver: n.ipam.Driver, Options: n.ipam.Options, Config: n.ipam.Config.map((c) => ({ ...c })) },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries((containers ?? []).map((e) => [e.containerId, {
      Name: e.name, EndpointID: e.state?.endpointId ?? '', MacAddress: e.state?.mac ?? '',
      IPv4Address: e.state ? `${e.state.ip}/${e.state.prefixLen}` : '',
      IPv6Address: e.state?.ipv6 ? `${e.state.ipv6}/${e.state.ipv6PrefixLen}` : '',
    }])),
    Options: n.options,
    Labels: n.labels,
  };
}
