import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameterError } from '../core/errors.ts';
import type { ContainerRecord, HostConfig } from '../core/containers/types.ts';
import type { NetAttachment } from '../core/network/types.ts';
import type { SpecInput } from '../core/runtime/types.ts';
import { NO_PLACEMENT, placeContainer, type CgroupPlacement } from '../core/runtime/cgroup-path.ts';
import { resolveUser } from './users.ts';
import { ensureWorkdir } from './workdir.ts';
import { mountShm } from './ipc-shm.ts';
import { namespaceModes } from './ns-modes.ts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/*
 * The files written here are small and on every container's start path:
 * the synchronous calls cost less than a thread-pool round trip each.
 */

/** Write /etc/hostname, /etc/hosts and /etc/resolv.conf for the container into its bundle. */
export async function writeEtcFiles(c: ContainerRecord, net?: NetAttachment): Promise<SpecInput['etcFiles']> {
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
  for (const l of net?.hostsLines ?? []) hosts += `${l}\n`;
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
  let nameservers = field('nameserver');
  if (!hostNet) {
    nameservers = nameservers.filter((n) => !/^(127\.|::1$)/.test(n));
    if (!nameservers.length) nameservers = ['8.8.8.8', '8.8.4.4'];
  }
  if (!o.dns.length && !o.search.length && !o.options.length) {
    if (hostNet) return host;
    const kept = lines.filter((l) => !/^\s*nameserver\s+(127\.|::1)/.test(l));
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

/** The container's terminal and stdin mode (conmon needs it before the rest of the spec). */
export function stdioOf(c: ContainerRecord): Pick<SpecInput, 'tty' | 'openStdin' | 'stdinOnce'> {
  // dockerd closes stdin when the client leaves only for non-TTY StdinOnce containers.
  return { tty: c.config.Tty, openStdin: c.config.OpenStdin, stdinOnce: c.config.StdinOnce && !c.config.Tty };
}

/** Everything the runtime needs, from the record and its mounted rootfs. */
export async function specInput(c: ContainerRecord, rootfs: string, opts: {
  mounts?: SpecInput['mounts']; cgroups?: CgroupPlacement; net?: NetAttachment; resolve?: (ref: string) => ContainerRecord;
} = {}): Promise<SpecInput> {
  const { mounts = [], cgroups = NO_PLACEMENT, net } = opts;
  const { shm, ...modes } = namespaceModes(c, opts.resolve ?? ((ref) => { throw new InvalidParameterError(`no container lookup for ${ref}`); }));
  if (c.hostConfig.IpcMode === 'shareable') await mountShm(c);
  const h = c.hostConfig;
  const user = await resolveUser(rootfs, c.config.User, (h.GroupAdd as string[] | undefined) ?? []);
  const env = [...c.config.Env];
  const has = (k: string): boolean => env.some((e) => e.startsWith(`${k}=`));
  if (!has('PATH')) env.unshift(`PATH=${DEFAULT_PATH}`);
  if (!has('HOSTNAME')) env.push(`HOSTNAME=${c.config.Hostname}`);
  if (c.config.Tty && !has('TERM')) env.push('TERM=xterm');
  if (!has('HOME')) env.push(`HOME=${user.home}`);
  const cwd = c.config.WorkingDir || '/';
  await ensureWorkdir(rootfs, cwd);
  const nano = Number(h.NanoCpus ?? 0);
  if (Number(h.CpuShares ?? 0) < 0) throw new InvalidParameterError('shares: invalid argument'); // dockerd's, at start
  const secOpts = (h.SecurityOpt as string[] | undefined) ?? [];
  let seccomp: SpecInput['seccomp'] = 'default';
  for (const o of secOpts) {
    const [k, v] = o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : o.split(':');
    if (k === 'seccomp') seccomp = v === 'unconfined' ? 'unconfined' : { profile: JSON.parse(v) };
  }
  const netMode = String(h.NetworkMode ?? 'bridge');
  return {
    id: c.id,
    rootfs,
    args: [c.path, ...c.args],
    env,
    cwd,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname: net?.hostname ?? c.config.Hostname,
    ...(c.config.Domainname ? { domainname: c.config.Domainname } : {}),
    ...(Number(h.OomScoreAdj ?? 0) ? { oomScoreAdj: Number(h.OomScoreAdj) } : {}),
    ...((h.DeviceCgroupRules as string[] | null | undefined)?.length ? { deviceCgroupRules: h.DeviceCgroupRules as string[] } : {}),
    ...stdioOf(c),
    etcFiles: await writeEtcFiles(c, net),
    namespaces: { ...modes, network: net?.netns ?? (netMode === 'host' ? 'host' : 'private'), ...cgroupns(h) },
    ...(shm ? { shm } : {}),
    cgroupsPath: placeContainer(c.id, h.CgroupParent as string | undefined, cgroups),
    resources: {
      memory: Number(h.Memory) || undefined,
      memorySwap: Number(h.MemorySwap) || undefined,
      memoryReservation: Number(h.MemoryReservation) || undefined,
      oomKillDisable: Boolean(h.OomKillDisable) || undefined,
      cpuShares: Number(h.CpuShares) || undefined,
      cpuQuota: nano ? Math.round(nano / 1e9 * 100000) : Number(h.CpuQuota) || undefined,
      cpuPeriod: nano ? 100000 : Number(h.CpuPeriod) || undefined,
      cpusetCpus: (h.CpusetCpus as string) || undefined,
      pidsLimit: Number(h.PidsLimit) > 0 ? Number(h.PidsLimit) : undefined,
    },
    capAdd: (h.CapAdd as string[] | undefined) ?? [],
    capDrop: (h.CapDrop as string[] | undefined) ?? [],
    privileged: Boolean(h.Privileged),
    ...(Array.isArray(h.MaskedPaths) ? { maskedPaths: h.MaskedPaths as string[] } : {}),
    ...(Array.isArray(h.ReadonlyPaths) ? { readonlyPaths: h.ReadonlyPaths as string[] } : {}),
    readonlyRootfs: Boolean(h.ReadonlyRootfs),
    seccomp,
    noNewPrivileges: secOpts.some((o) => o === 'no-new-privileges' || o === 'no-new-privileges:true' || o === 'no-new-privileges=true'),
    tmpfs: (h.Tmpfs as Record<string, string> | undefined) ?? {},
    shmSize: Number(h.ShmSize) || 64 * 1024 * 1024,
    ulimits: ((h.Ulimits as { Name: string; Soft: number; Hard: number }[] | undefined) ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
    devices: ((h.Devices as { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | undefined) ?? [])
      .map((d) => ({ pathOnHost: d.PathOnHost, pathInContainer: d.PathInContainer || d.PathOnHost, permissions: d.CgroupPermissions || 'rwm' })),
    sysctls: (h.Sysctls as Record<string, string> | undefined) ?? {},
    mounts,
    init: Boolean(h.Init),
  };
}

/** --cgroupns host|private; left to the runtime's default when the container names neither. */
function cgroupns(h: HostConfig): { cgroup?: 'private' | 'host' } {
  return h.CgroupnsMode === 'private' || h.CgroupnsMode === 'host' ? { cgroup: h.CgroupnsMode } : {};
}
