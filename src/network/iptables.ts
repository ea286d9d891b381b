/**
 * The firewall of one daemon: its own chains (named after a tag of its
 * data-root, so concurrent daemons never touch each other's rules), rebuilt
 * as a whole from the network state with iptables-restore --noflush, and
 * jumped to from the built-in chains. Everything added here is removed by
 * `teardown`.
 */
import { createHash } from 'node:crypto';
import { sh } from './link.ts';

export interface FwNetwork { bridge: string; subnet: string; internal: boolean }
export interface FwPort { bridge: string; subnet: string; proto: string; hostIp: string; hostPort: number; containerIp: string; containerPort: number }
export interface FwState { networks: FwNetwork[]; ports: FwPort[] }

export interface Chains { fwd: string; iso1: string; iso2: string; dnat: string; post: string }

/** The chain tag of a daemon: from its data-root. */
export function firewallTag(dataRoot: string): string {
  return createHash('sha256').update(dataRoot).digest('hex').slice(0, 6);
}

export function chainNames(tag: string): Chains {
  const p = `BERTH-${tag}`;
  return { fwd: `${p}-FWD`, iso1: `${p}-ISO1`, iso2: `${p}-ISO2`, dnat: `${p}-DNAT`, post: `${p}-POST` };
}

/** Jumps from the built-in chains: [table, chain, rule args]. */
export function jumps(c: Chains): [string, string, string[]][] {
  return [
    ['filter', 'FORWARD', ['-j', c.fwd]],
    ['nat', 'PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.dnat]],
    ['nat', 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.dnat]],
    ['nat', 'POSTROUTING', ['-j', c.post]],
  ];
}

const portMatch = (p: FwPort, port: number): string => `-p ${p.proto} -m ${p.proto} --dport ${port}`;

/** iptables-restore input that (re)declares the chains, which flushes them, and fills them from the state. */
export function rulesFor(tag: string, st: FwState): string {
  const c = chainNames(tag);
  const f: string[] = ['*filter', `:${c.fwd} - [0:0]`, `:${c.iso1} - [0:0]`, `:${c.iso2} - [0:0]`];
  f.push(`-A ${c.fwd} -j ${c.iso1}`);
  // Published ports may cross networks (DNAT), replies included.
  f.push(`-A ${c.iso1} -m conntrack --ctstate DNAT -j RETURN`);
  for (const n of st.networks) {
    const b = n.bridge;
    f.push(`-A ${c.iso1} -i ${b} ! -o ${b} -j ${c.iso2}`, `-A ${c.iso2} -o ${b} -j DROP`);
    if (n.internal) {
      f.push(`-A ${c.fwd} -i ${b} -o ${b} -j ACCEPT`, `-A ${c.fwd} -i ${b} ! -o ${b} -j DROP`, `-A ${c.fwd} ! -i ${b} -o ${b} -j DROP`);
      continue;
    }
    f.push(`-A ${c.fwd} -o ${b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    for (const p of st.ports.filter((x) => x.bridge === b)) {
      f.push(`-A ${c.fwd} -d ${p.containerIp}/32 ! -i ${b} -o ${b} ${portMatch(p, p.containerPort)} -j ACCEPT`);
    }
    f.push(`-A ${c.fwd} -i ${b} -o ${b} -j ACCEPT`, `-A ${c.fwd} -i ${b} ! -o ${b} -j ACCEPT`, `-A ${c.fwd} ! -i ${b} -o ${b} -j DROP`);
  }
  f.push('COMMIT');
  const n: string[] = ['*nat', `:${c.dnat} - [0:0]`, `:${c.post} - [0:0]`];
  for (const p of st.ports) {
    const dst = p.hostIp && p.hostIp !== '0.0.0.0' ? `-d ${p.hostIp}/32 ` : '';
    n.push(`-A ${c.dnat} ${dst}${portMatch(p, p.hostPort)} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`);
  }
  for (const net of st.networks) {
    if (!net.internal) n.push(`-A ${c.post} -s ${net.subnet} ! -o ${net.bridge} -j MASQUERADE`);
    n.push(`-A ${c.post} -s 127.0.0.0/8 -o ${net.bridge} -j MASQUERADE`);
  }
  for (const p of st.ports) {
    // Hairpin: a container reaching a published port through the host's address.
    n.push(`-A ${c.post} -s ${p.subnet} -d ${p.containerIp}/32 -o ${p.bridge} ${portMatch(p, p.containerPort)} -m conntrack --ctstate DNAT -j MASQUERADE`);
  }
  n.push('COMMIT');
  return [...f, ...n].join('\n') + '\n';
}

async function restore(text: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 5; i++) {
    try {
      await sh('iptables-restore', ['-w', '--noflush'], text);
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 50 * (i + 1)));
    }
  }
  throw last;
}

/** Apply the state (chains first, then the jumps when missing). */
export async function applyFirewall(tag: string, st: FwState): Promise<void> {
  await restore(rulesFor(tag, st));
}

export async function ensureJumps(tag: string): Promise<void> {
  for (const [table, chain, args] of jumps(chainNames(tag))) {
    const ok = await sh('iptables', ['-w', '-t', table, '-C', chain, ...args]).then(() => true, () => false);
    if (!ok) await sh('iptables', ['-w', '-t', table, '-I', chain, '1', ...args]);
  }
}

/** Remove every rule and chain of this tag, including leftovers of a daemon that was killed. */
export async function teardownFirewall(tag: string): Promise<void> {
  const c = chainNames(tag);
  for (const [table, chain, args] of jumps(c)) {
    while (await sh('iptables', ['-w', '-t', table, '-D', chain, ...args]).then(() => true, () => false));
  }
  const saved = await sh('iptables-save', []).catch(() => '');
  const mine = (name: string): boolean => saved.includes(`:${name} `);
  const filter = [c.fwd, c.iso1, c.iso2].filter(mine);
  const nat = [c.dnat, c.post].filter(mine);
  const text = [
    ...(filter.length ? ['*filter', ...filter.map((x) => `:${x} - [0:0]`), ...filter.map((x) => `-X ${x}`), 'COMMIT'] : []),
    ...(nat.length ? ['*nat', ...nat.map((x) => `:${x} - [0:0]`), ...nat.map((x) => `-X ${x}`), 'COMMIT'] : []),
  ];
  if (text.length) await restore(text.join('\n') + '\n');
}

/** Rules of this tag still present (for tests and checks). */
export async function leftoverRules(tag: string): Promise<string[]> {
  const saved = await sh('iptables-save', []);
  return saved.split('\n').filter((l) => l.includes(`BERTH-${tag}-`));
}
