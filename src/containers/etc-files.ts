/* A container's /etc/hostname, /etc/hosts and /etc/resolv.conf, written into its bundle and bound in at start. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { NetAttachment } from '../core/network/types.ts';
import type { SpecInput } from '../core/runtime/types.ts';

/*
 * The files written here are small and on every container's start path:
 * the synchronous calls cost less than a thread-pool round trip each.
 */

/** Write /etc/hostname, /etc/hosts and /etc/resolv.conf for the container into its bundle. */
export async function writeEtcFiles(c: ContainerRecord, net?: NetAttachment, linkHosts: string[] = []): Promise<SpecInput['etcFiles']> {
  const h = c.hostConfig;
  const files = { hostname: join(c.bundle, 'hostname'), hosts: join(c.bundle, 'hosts'), resolvConf: join(c.bundle, 'resolv.conf') };
  // `--network container:<name>`: the joined container's files.
  if (net?.etcFrom) return { hostname: join(net.etcFrom, 'hostname'), hosts: join(net.etcFrom, 'hosts'), resolvConf: join(net.etcFrom, 'resolv.conf') };
  const hostNet = h.NetworkMode === 'host';
  writeFileSync(files.hostname, `${c.config.Hostname}\n`);
  let hosts = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';
  // the host network shares the host's file, unless --add-host asks for entries: then dockerd builds one of its own
  if (hostNet && !((h.ExtraHosts as string[] | undefined) ?? []).length) hosts = readOr('/etc/hosts', hosts);
  for (const extra of (h.ExtraHosts as string[] | undefined) ?? []) {
    const i = extra.indexOf(':');
    const ip = extra.slice(i + 1);
    hosts += `${ip === 'host-gateway' ? net?.hostGateway ?? '127.0.0.1' : ip}\t${extra.slice(0, i)}\n`;
  }
  // its legacy links' targets, then its own addresses (dockerd 28's order; 29 puts the links last)
  for (const l of [...linkHosts, ...(net?.hostsLines ?? [])]) hosts += `${l}\n`;
  writeFileSync(files.hosts, hosts);
  const resolv = net?.resolvConf ?? containerResolvConf(readOr('/etc/resolv.conf', ''), hostNet, {
    dns: (h.Dns as string[] | undefined) ?? [], search: (h.DnsSearch as string[] | undefined) ?? [], options: (h.DnsOptions as string[] | undefined) ?? [],
  });
  writeFileSync(files.resolvConf, resolv);
  return files;
}

/**
 * A container's resolv.conf from the host's, as dockerd makes it without
 * its embedded DNS: the host's loopback resolvers dropped (unreachable from
 * the container's own namespace; Google's when none is left), then --dns,
 * --dns-search ("." for none) and --dns-option each replace their kind of
 * line and keep the others.
 */
export function containerResolvConf(host: string, hostNet: boolean, o: { dns: string[]; search: string[]; options: string[] }): string {
  const lines = host.split('\n');
  const field = (kind: string): string[] => lines.flatMap((l) => {
    const m = new RegExp(`^\\s*${kind}\\s+(.*)$`).exec(l);
    return m ? m[1].trim().split(/\s+/) : [];
  });
  const loopback = (ip: string): boolean => /^(127\.|::1$)/.test(ip);
  let nameservers = field('nameserver');
  if (!hostNet) {
    nameservers = nameservers.filter((n) => !loopback(n));
    if (!nameservers.length) nameservers = ['8.8.8.8', '8.8.4.4'];
  }
  if (!o.dns.length && !o.search.length && !o.options.length) {
    if (hostNet) return host;
    const kept = lines.filter((l) => !loopback(/^\s*nameserver\s+(\S+)/.exec(l)?.[1] ?? ''));
    while (kept.length && kept.at(-1) === '') kept.pop();
    if (!kept.some((l) => /^\s*nameserver\s/.test(l))) kept.push(...nameservers.map((n) => `nameserver ${n}`));
    return kept.join('\n').replace(/\n*$/, '\n');
  }
  const search = o.search.length ? (o.search.join(' ').trim() === '.' ? [] : o.search) : field('search');
  const options = o.options.length ? o.options : field('options');
  return [
    ...(search.length ? [`search ${search.join(' ')}`] : []),
    ...(o.dns.length ? o.dns : nameservers).map((n) => `nameserver ${n}`),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
  ].join('\n') + '\n';
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
