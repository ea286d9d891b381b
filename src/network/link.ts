/** Kernel plumbing with iproute2: bridges, network namespace files, veth pairs. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { SystemError } from '../core/errors.ts';

/** Run a command; stdin from `input`; rejects with its stderr. */
export function sh(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new SystemError(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (input !== undefined) p.stdin!.end(input);
  });
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

async function sysctl(path: string, value: string): Promise<void> {
  await writeFile(path, value).catch(() => undefined);
}

/** Create the bridge when missing, give it its gateway addresses, bring it up. Returns whether it was created. */
export async function ensureBridge(name: string, addrs: string[]): Promise<boolean> {
  const created = !linkExists(name);
  if (created) await sh('ip', ['link', 'add', name, 'type', 'bridge']);
  // An IPv4-only bridge sends no IPv6 neighbour discovery into the containers.
  if (!addrs.some((a) => a.includes(':'))) await sysctl(`/proc/sys/net/ipv6/conf/${name}/disable_ipv6`, '1');
  const have = await sh('ip', ['-o', 'addr', 'show', 'dev', name]);
  const cmds = addrs.filter((a) => !have.includes(` ${a} `)).map((a) => `addr add ${a} dev ${name}${a.includes(':') ? ' nodad' : ''}`);
  cmds.push(`link set ${name} up`);
  await sh('ip', ['-batch', '-'], cmds.join('\n') + '\n');
  // 127.0.0.1 of a published port is DNATed to the bridge: allow loopback sources there.
  await sysctl(`/proc/sys/net/ipv4/conf/${name}/route_localnet`, '1');
  return created;
}

export async function deleteLink(name: string): Promise<void> {
  if (linkExists(name)) await sh('ip', ['link', 'del', name]).catch(() => undefined);
}

export interface VethSpec {
  host: string;          // host-side name
  ifname: string;        // name inside the namespace (eth0, eth1, ...)
  netns: string;         // namespace file
  bridge: string;
  mac: string;
  addrs: string[];       // CIDR notation, v4 and v6
  gateway?: string;      // default route (v4)
  gateway6?: string;
  loopback: boolean;     // bring lo up too
}

/** veth pair with one end on the bridge and the other configured inside the namespace. */
export async function addVeth(v: VethSpec): Promise<void> {
  const inner = [
    ...(v.loopback ? ['link set lo up'] : []),
    `link set ${v.ifname} address ${v.mac}`,
    // Without IPv6 on the network: no link-local address, so no DAD or router solicitations (as dockerd disables IPv6).
    ...(v.addrs.some((a) => a.includes(':')) ? [] : [`link set ${v.ifname} addrgenmode none`]),
    ...v.addrs.map((a) => `addr add ${a} dev ${v.ifname}${a.includes(':') ? ' nodad' : ''}`),
    `link set ${v.ifname} up`,
    ...(v.gateway ? [`route add default via ${v.gateway} dev ${v.ifname}`] : []),
    ...(v.gateway6 ? [`route add default via ${v.gateway6} dev ${v.ifname}`] : []),
  ];
  try {
    await sh('ip', ['-batch', '-'], [
      `link add ${v.host} type veth peer name ${v.ifname} netns ${v.netns}`, `link set ${v.host} master ${v.bridge}`, `link set ${v.host} up`,
    ].join('\n') + '\n');
    await sh('nsenter', [`--net=${v.netns}`, 'ip', '-batch', '-'], inner.join('\n') + '\n');
  } catch (e) {
    await deleteLink(v.host);
    throw e;
  }
  await sysctl(`/sys/class/net/${v.host}/brport/hairpin_mode`, '1');
}

/** Bring up loopback in a namespace that has no other interface (bridge network without a bridge). */
export async function loopbackUp(netns: string): Promise<void> {
  await sh('nsenter', [`--net=${netns}`, 'ip', 'link', 'set', 'lo', 'up']);
}

/** Routes and addresses on the host, as CIDRs (for choosing subnets that collide with nothing). */
export async function hostRoutes(): Promise<string[]> {
  const out: string[] = [];
  for (const fam of ['-4', '-6']) {
    const routes = JSON.parse(await sh('ip', ['-j', fam, 'route', 'show', 'table', 'all']).catch(() => '[]')) as { dst?: string; type?: string }[];
    for (const r of routes) {
      if (!r.dst || r.dst === 'default' || (r.type && r.type !== 'unicast')) continue;
      out.push(r.dst.includes('/') ? r.dst : `${r.dst}/${fam === '-4' ? 32 : 128}`);
    }
  }
  return out;
}
