/*
 * Legacy links (`--link name:alias`) on the default bridge, as dockerd keeps
 * them: registered at create as the link's target (its ID) and alias, named
 * `/parent/alias` (a second name of the target: ps --no-trunc shows it, and
 * it resolves to the target), and turned at start into /etc/hosts entries
 * and the ALIAS_PORT_…, ALIAS_NAME and ALIAS_ENV_… variables. On a
 * user-defined network a link is a DNS alias of the endpoint instead (see
 * network/dns-view.ts) and nothing is registered here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameterError, NotFoundError, SystemError } from '../core/errors.ts';
import type { ContainerRecord, HostConfig, LinkRef } from '../core/containers/types.ts';
import type { ContainerNetworking } from '../core/network/types.ts';


/** What the link logic reads of the container records. */
export interface LinkRecords {
  byId(id: string): ContainerRecord | undefined;
  all(): ContainerRecord[];
  nameOwner(name: string): ContainerRecord | undefined;
}

/** dockerd's ParseLink: `name:alias`, `name` (its own alias), or the stored `/name:/parent/alias`. */
export function parseLink(value: string): { name: string; alias: string } {
  if (value === '') throw new SystemError('empty string specified for links');
  const parts = value.split(':');
  if (parts.length > 2) throw new SystemError(`bad format for links: ${value}`);
  if (parts.length === 1) return { name: value, alias: value };
  if (parts[0].startsWith('/')) return { name: parts[0].slice(1), alias: parts[1].slice(parts[1].lastIndexOf('/') + 1) };
  return { name: parts[0], alias: parts[1] };
}

const mode = (h: HostConfig): string => String(h.NetworkMode || 'bridge');

/** Is the network mode a user-defined network (where links are DNS aliases, not registered)? */
export function userDefinedMode(h: HostConfig): boolean {
  const m = mode(h);
  return !['bridge', 'default', 'host', 'none'].includes(m) && !m.startsWith('container:');
}

/** dockerd's validateNetMode for links: a container sharing another's or the host's network cannot have any. */
export function checkLinkModes(h: HostConfig): void {
  if (!((h.Links as string[] | null | undefined) ?? []).length) return;
  if (mode(h).startsWith('container:')) throw new InvalidParameterError("conflicting options: container type network can't be used with links. This would result in undefined behavior");
  if (mode(h) === 'host') throw new InvalidParameterError("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
}

/**
 * dockerd's registerLinks at create: each target must exist (a 400, not a
 * 404, which would make the CLI pull the image); one sharing another
 * container's network stands for that container; one on the host's network
 * cannot be linked to. A second link under the same alias is ignored, as
 * dockerd ignores a link name already reserved.
 */
export function registerLinks(h: HostConfig, resolve: (ref: string) => ContainerRecord): LinkRef[] {
  if (userDefinedMode(h)) return [];
  const out: LinkRef[] = [];
  const lookup = (name: string): ContainerRecord => {
    try {
      return resolve(name);
    } catch (e) {
      if (e instanceof NotFoundError) throw new InvalidParameterError(`could not get container for ${name}: ${e.message}`);
      throw e;
    }
  };
  for (const l of (h.Links as string[] | null | undefined) ?? []) {
    const { name, alias } = parseLink(l);
    let child = lookup(name);
    for (let hops = 0; mode(child.hostConfig).startsWith('container:') && hops < 100; hops++) child = lookup(mode(child.hostConfig).slice('container:'.length));
    if (mode(child.hostConfig) === 'host') throw new InvalidParameterError("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
    if (!out.some((x) => x.alias === alias)) out.push({ id: child.id, alias });
  }
  return out;
}

/** A parent's links with the link's name (`/parent/alias`) and the target (undefined once removed, with its name then). */
export function children(db: Pick<LinkRecords, 'byId'>, parent: ContainerRecord): { name: string; alias: string; child?: ContainerRecord; childName: string }[] {
  const out: { name: string; alias: string; child?: ContainerRecord; childName: string }[] = [];
  for (const l of parent.links ?? []) {
    const child = l.gone === undefined ? db.byId(l.id) : undefined;
    if (child || l.gone !== undefined) out.push({ name: `${parent.name}/${l.alias}`, alias: l.alias, child, childName: child?.name ?? l.gone! });
  }
  return out;
}

/** The containers that link to `child`, each with its alias for it. */
export function parents(db: Pick<LinkRecords, 'all'>, child: ContainerRecord): { parent: ContainerRecord; alias: string }[] {
  const out: { parent: ContainerRecord; alias: string }[] = [];
  for (const p of db.all()) for (const l of p.links ?? []) if (l.id === child.id && l.gone === undefined) out.push({ parent: p, alias: l.alias });
  return out;
}

/** inspect's HostConfig.Links: `/target:/parent/alias` for each registered link (null when none, as dockerd). */
export function inspectLinks(db: Pick<LinkRecords, 'byId'>, c: ContainerRecord): string[] | null {
  const ls = children(db, c).map((x) => `${x.childName}:${x.name}`);
  return ls.length ? ls : null;
}

/** Every container's names as a list shows them: its own, then the link names it is known by, sorted as dockerd's name index. */
export function listedNames(db: Pick<LinkRecords, 'all'>): (c: ContainerRecord) => string[] {
  const extra = new Map<string, string[]>();
  for (const p of db.all()) {
    for (const l of p.links ?? []) {
      if (l.gone !== undefined) continue;
      let names = extra.get(l.id);
      if (!names) extra.set(l.id, (names = []));
      names.push(`${p.name}/${l.alias}`);
    }
  }
  return (c) => {
    const more = extra.get(c.id);
    return more ? [c.name, ...more].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [c.name];
  };
}

/** The target of a link name (`web/db` or `/web/db`), if there is such a link. */
export function resolveLinkName(db: Pick<LinkRecords, 'byId' | 'nameOwner'>, ref: string): ContainerRecord | undefined {
  const name = ref.startsWith('/') ? ref : `/${ref}`;
  const cut = name.lastIndexOf('/');
  if (cut <= 0) return undefined;
  const parent = db.nameOwner(name.slice(0, cut));
  const l = parent?.links?.find((x) => x.alias === name.slice(cut + 1));
  return l && l.gone === undefined ? db.byId(l.id) : undefined;
}

/**
 * dockerd's rmLink (`docker rm --link /parent/alias`): the link goes, the
 * target stays. Returns the parent whose links changed (to be saved).
 */
export function removeLink(db: Pick<LinkRecords, 'nameOwner'>, ref: string): ContainerRecord {
  const name = ref.startsWith('/') ? ref : `/${ref}`;
  const cut = name.lastIndexOf('/');
  if (cut === 0) throw new SystemError('Conflict, cannot remove the default link name of the container');
  const parent = db.nameOwner(name.slice(0, cut));
  if (!parent) throw new SystemError(`Cannot get parent ${name.slice(0, cut)} for link name ${name}`);
  parent.links = (parent.links ?? []).filter((l) => l.alias !== name.slice(cut + 1));
  return parent;
}

/** A port key of ExposedPorts (`80/tcp`) as number and protocol. */
function port(key: string): { num: number; proto: string } {
  const [n, proto = 'tcp'] = key.split('/');
  return { num: Number.parseInt(n, 10), proto: proto.toLowerCase() };
}

/** moby's withTCPPriority: tcp first, then by protocol name; by number within a protocol. */
function byTcpFirst(a: { num: number; proto: string }, b: { num: number; proto: string }): number {
  if (a.proto === b.proto) return a.num - b.num;
  if (a.proto === 'tcp') return -1;
  if (b.proto === 'tcp') return 1;
  return a.proto < b.proto ? -1 : 1;
}

/**
 * The variables a link gives the parent (dockerd's Link.ToEnv): ALIAS_PORT
 * for the first port; for every port ALIAS_PORT_<n>_<PROTO> and its _ADDR,
 * _PORT and _PROTO; _START/_PORT_START/_END/_PORT_END for each run of
 * consecutive ports; ALIAS_NAME; and the target's own variables as
 * ALIAS_ENV_<name> (but HOME and PATH).
 */
export function linkEnv(linkName: string, childIp: string, childEnv: string[] | null | undefined, exposed: Record<string, object> | undefined): string[] {
  const alias = linkName.slice(linkName.lastIndexOf('/') + 1).toUpperCase().replaceAll('-', '_');
  const ports = Object.keys(exposed ?? {}).map(port).filter((p) => Number.isFinite(p.num)).sort(byTcpFirst);
  const env: string[] = [];
  let start = ports[0];
  let end = ports[0];
  ports.forEach((p, i) => {
    if (i === 0) env.push(`${alias}_PORT=${p.proto}://${childIp}:${p.num}`);
    const prefix = `${alias}_PORT_${p.num}_${p.proto.toUpperCase()}`;
    env.push(`${prefix}=${p.proto}://${childIp}:${p.num}`, `${prefix}_ADDR=${childIp}`, `${prefix}_PORT=${p.num}`, `${prefix}_PROTO=${p.proto}`);
    if (p.num === end.num + 1 && p.proto === start.proto) {
      end = p;
      if (i < ports.length - 1) return;
    }
    if (end !== start) {
      const rp = `${alias}_PORT_${start.num}_${start.proto.toUpperCase()}`;
      env.push(`${rp}_START=${start.proto}://${childIp}:${start.num}`, `${rp}_PORT_START=${start.num}`, `${rp}_END=${end.proto}://${childIp}:${end.num}`, `${rp}_PORT_END=${end.num}`);
    }
    start = end = p;
  });
  env.push(`${alias}_NAME=${linkName}`);
  for (const v of childEnv ?? []) {
    const eq = v.indexOf('=');
    if (eq < 0) continue;
    const name = v.slice(0, eq);
    if (name === 'HOME' || name === 'PATH') continue;
    env.push(`${alias}_ENV_${name}=${v.slice(eq + 1)}`);
  }
  return env;
}

/** An /etc/hosts entry's names for a link target: the alias, its hostname, and its name unless that is the alias. */
export function hostsNames(alias: string, child: ContainerRecord): string {
  const name = child.name.slice(1);
  return `${alias} ${child.config.Hostname}${alias !== name ? ` ${name}` : ''}`;
}

/**
 * libnetwork's UpdateHostsEntry: in a parent's hosts file, the address of
 * the lines whose first name is `alias` becomes `ip` (of that family).
 */
export function updateHostsEntry(hosts: string, alias: string, ip: string): string {
  const v6 = ip.includes(':');
  return hosts.split('\n').map((line) => {
    const m = /^(\S+)\t(\S+)(.*)$/.exec(line);
    if (!m || m[2] !== alias || m[1].includes(':') !== v6) return line;
    return `${ip}\t${m[2]}${m[3]}`;
  }).join('\n');
}

/** A link target's addresses on the default bridge; null when it is not on that network. */
export type BridgeAddresses = (c: ContainerRecord) => { v4: string; v6: string } | null;

/**
 * What a container's links give it at start or exec (dockerd's addLegacyLinks
 * and setupLinkedContainers): /etc/hosts lines and variables for each link,
 * when the container itself is on the default bridge. A target off that
 * network, or not running, fails the start.
 */
export function linkedSetup(db: Pick<LinkRecords, 'byId'>, c: ContainerRecord, onBridge: boolean, addrs: BridgeAddresses): { env: string[]; hosts: string[] } {
  const out = { env: [] as string[], hosts: [] as string[] };
  const links = children(db, c);
  if (!onBridge || !links.length) return out;
  const on = links.map((l) => ({ ...l, addr: l.child ? addrs(l.child) : { v4: '', v6: '' } }));
  for (const l of on) if (!l.addr) throw new SystemError(`cannot link to ${l.childName}, as it does not belong to the default network`);
  for (const l of on) {
    if (!l.child?.state.Running || l.child.state.Restarting) throw new SystemError(`Cannot link to a non running container: ${l.childName} AS ${l.name}`);
    const names = hostsNames(l.alias, l.child);
    if (l.addr!.v4) out.hosts.push(`${l.addr!.v4}\t${names}`);
    if (l.addr!.v6) out.hosts.push(`${l.addr!.v6}\t${names}`);
    out.env.push(...linkEnv(l.name, l.addr!.v4, l.child.config.Env, l.child.config.ExposedPorts));
  }
  return out;
}

/** The container's endpoint on the default bridge as the network service shows it; null when it has none. */
function bridgeAddresses(net: Pick<ContainerNetworking, 'view'> | undefined): BridgeAddresses {
  return (c) => {
    const ep = net?.view(c).networks.bridge as { IPAddress?: string; GlobalIPv6Address?: string } | undefined;
    return ep ? { v4: ep.IPAddress ?? '', v6: ep.GlobalIPv6Address ?? '' } : null;
  };
}

/** linkedSetup with the network service's view of who is on the default bridge and where. */
export function linkSetup(db: Pick<LinkRecords, 'byId'>, net: Pick<ContainerNetworking, 'view'> | undefined, c: ContainerRecord): { env: string[]; hosts: string[] } {
  if (!c.links?.length) return { env: [], hosts: [] };
  const addrs = bridgeAddresses(net);
  return linkedSetup(db, c, addrs(c) !== null, addrs);
}

/**
 * A link target started (again) with a new address: the running containers
 * that link to it get it in their /etc/hosts (libnetwork's parent update).
 */
export function updateParents(db: Pick<LinkRecords, 'all'>, net: Pick<ContainerNetworking, 'view'> | undefined, child: ContainerRecord, log: (m: string) => void): void {
  const ps = parents(db, child).filter((x) => x.parent.state.Running);
  if (!ps.length) return;
  const addrs = bridgeAddresses(net);
  const mine = addrs(child);
  if (!mine?.v4) return;
  for (const { parent, alias } of ps) {
    if (!addrs(parent)) continue;
    const file = join(parent.bundle, 'hosts');
    try {
      let hosts = readFileSync(file, 'utf8');
      hosts = updateHostsEntry(hosts, alias, mine.v4);
      if (mine.v6) hosts = updateHostsEntry(hosts, alias, mine.v6);
      writeFileSync(file, hosts); // in place: the file is bound into the running container
    } catch (e) {
      log(`container ${parent.id.slice(0, 12)}: updating /etc/hosts for link ${alias}: ${(e as Error).message}`);
    }
  }
}
