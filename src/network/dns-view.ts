/*
 * What the embedded DNS server answers: container names, short and full IDs
 * and aliases on a user-defined network, and the upstream resolvers a
 * container's queries go to otherwise.
 */
import type { ContainerRecord } from '../core/containers/types.ts';
import type { EndpointRecord, NetworkRecord } from '../core/network/types.ts';

export interface DnsView {
  bridges(): NetworkRecord[];
  endpoints(q: { networkId?: string }): EndpointRecord[];
  containers: { byId(id: string): ContainerRecord | undefined };
  hostResolvers(): string[];
}

/**
 * The addresses of `name` on the network whose gateway is `server`; null:
 * not a name there. A link of the asking container's endpoint (`--link
 * target:alias` on a user-defined network) makes `alias` a name of the
 * target for that container alone, before any other.
 */
export function lookupName(v: DnsView, server: string, name: string, client?: string): { v4: string[]; v6: string[] } | null {
  const n = v.bridges().find((x) => !x.isDefault && x.ipam.Config.some((c) => c.Gateway === server));
  if (!n) return null;
  const asking = client ? v.endpoints({ networkId: n.id }).find((ep) => ep.state?.ip === client) : undefined;
  for (const l of asking?.config.Links ?? []) {
    const [target, alias = target] = l.split(':').map((x) => x.slice(x.lastIndexOf('/') + 1));
    if (alias.toLowerCase() !== name || !target) continue;
    const found = namesOn(v, n, target.toLowerCase());
    if (found) return found;
  }
  return namesOn(v, n, name);
}

function namesOn(v: DnsView, n: NetworkRecord, name: string): { v4: string[]; v6: string[] } | null {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const ep of v.endpoints({ networkId: n.id })) {
    if (!ep.state) continue;
    const c = v.containers.byId(ep.containerId);
    if (!c) continue;
    const names = [c.name.slice(1), c.id.slice(0, 12), c.id, ...(ep.config.Aliases ?? [])].map((x) => x.toLowerCase());
    if (!names.includes(name)) continue;
    v4.push(ep.state.ip);
    if (ep.state.ipv6) v6.push(ep.state.ipv6);
  }
  return v4.length || v6.length ? { v4, v6 } : null;
}

/** The resolvers for a client address: its container's --dns, else the host's. */
export function upstreamsFor(v: DnsView, client: string): string[] {
  for (const ep of v.endpoints({})) {
    if (ep.state?.ip !== client) continue;
    const dns = (v.containers.byId(ep.containerId)?.hostConfig.Dns as string[] | undefined) ?? [];
    if (dns.length) return dns;
  }
  return v.hostResolvers();
}
