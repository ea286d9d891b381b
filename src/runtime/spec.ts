/* SpecInput → OCI runtime spec (config.json), equivalent to what dockerd hands to runc. */
import { InvalidParameterError } from '../core/errors.ts';
import { MASKED_PATHS, READONLY_PATHS } from '../core/runtime/paths.ts';
import type { SpecInput } from '../core/runtime/types.ts';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, tweakCapabilities } from '../core/runtime/caps.ts';
import { DEFAULT_DEVICE_RULES, hostDevices, parseDeviceCgroupRule, userDevices } from './devices.ts';
import { hostFacts, RLIM_INFINITY, type HostFacts } from './host.ts';
import { buildMounts, INIT_PATH_IN_CONTAINER } from './mounts.ts';
import type { OciDevice, OciDeviceRule, OciNamespace, OciResources, OciRlimit, OciSpec } from './oci-types.ts';
import { DEFAULT_SECCOMP_PROFILE, toOciSeccomp } from './seccomp.ts';

export const OCI_VERSION = '1.0.2';
export { MASKED_PATHS, READONLY_PATHS };


/** Docker's effective default for RLIMIT_NOFILE (dockerd's own limit under systemd). */
const DEFAULT_NOFILE = 1048576;

function big(n: number | bigint): bigint {
  return typeof n === 'bigint' ? n : BigInt(Math.max(0, Math.trunc(n)));
}

function min(a: number | bigint, b: number | bigint): number | bigint {
  const r = big(a) < big(b) ? a : b;
  return typeof r === 'bigint' && r < BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}

/**
 * rlimits: RLIMIT_NOFILE by default, then the user's ulimits. Without
 * CAP_SYS_RESOURCE the daemon cannot raise a hard limit above its own, and
 * runc would fail with EPERM, so every value is capped at the daemon's hard limit.
 */
function rlimits(input: SpecInput, host: HostFacts): OciRlimit[] {
  const canRaise = host.capBounding.has('CAP_SYS_RESOURCE');
  const cap = (name: string, v: number | bigint): number | bigint => {
    const hostHard = host.limits[name]?.hard;
    return !canRaise && hostHard !== undefined ? min(v, hostHard) : v;
  };
  const byType = new Map<string, OciRlimit>();
  const nofile = cap('nofile', DEFAULT_NOFILE);
  byType.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile });
  for (const u of input.ulimits) {
    const name = u.name.toLowerCase();
    if (!/^[a-z]+$/.test(name)) throw new InvalidParameterError(`invalid ulimit type: ${u.name}`);
    const hard = cap(name, u.hard < 0 ? RLIM_INFINITY : u.hard);
    const soft = min(u.soft < 0 ? RLIM_INFINITY : u.soft, hard);
    byType.set(`RLIMIT_${name.toUpperCase()}`, { type: `RLIMIT_${name.toUpperCase()}`, hard, soft });
  }
  return [...byType.values()];
}

function namespaces(input: SpecInput, host: HostFacts): OciNamespace[] {
  const ns: OciNamespace[] = [{ type: 'mount' }];
  const n = input.namespaces;
  if (typeof n.network === 'object') ns.push({ type: 'network', path: n.network.path });
  else if (n.network === 'private') ns.push({ type: 'network' });
  if (n.uts === 'private') ns.push({ type: 'uts' });
  if (typeof n.pid === 'object') ns.push({ type: 'pid', path: n.pid.path });
  else if (n.pid === 'private') ns.push({ type: 'pid' });
  if (typeof n.ipc === 'object') ns.push({ type: 'ipc', path: n.ipc.path });
  else if (n.ipc === 'private') ns.push({ type: 'ipc' });
  // Docker's default cgroupns is private on cgroup v2, the host's on v1
  if ((n.cgroup ?? (host.cgroupV2 ? 'private' : 'host')) === 'private') ns.push({ type: 'cgroup' });
  return ns;
}

function resources(input: SpecInput, host: HostFacts, deviceRules: OciDeviceRule[]): OciResources {
  const r = input.resources;
  const out: OciResources = { devices: deviceRules };
  const memory: NonNullable<OciResources['memory']> = {};
  if (r.memory && r.memory > 0) {
    memory.limit = r.memory;
    if (host.swapAccounting) {
      if (r.memorySwap === -1) memory.swap = -1;
      else memory.swap = r.memorySwap && r.memorySwap > 0 ? r.memorySwap : r.memory * 2;
    }
  }
  if (r.memoryReservation && r.memoryReservation > 0) memory.reservation = r.memoryReservation;
  if (r.oomKillDisable) memory.disableOOMKiller = true;
  if (r.memorySwappiness !== undefined) memory.swappiness = r.memorySwappiness;
  if (Object.keys(memory).length) out.memory = memory;
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (r.cpuShares && r.cpuShares > 0) cpu.shares = r.cpuShares;
  if (r.cpuQuota && r.cpuQuota > 0) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod && r.cpuPeriod > 0) cpu.period = r.cpuPeriod;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (r.cpuRealtimePeriod) cpu.realtimePeriod = r.cpuRealtimePeriod;
  if (r.cpuRealtimeRuntime) cpu.realtimeRuntime = r.cpuRealtimeRuntime;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (r.pidsLimit && r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  if (r.blkio && Object.keys(r.blkio).length) out.blockIO = r.blkio;
  return out;
}

/** The capabilities the container gets: Docker's computation, limited to what the daemon holds. */
export function containerCapabilities(input: Pick<SpecInput, 'privileged' | 'capAdd' | 'capDrop'>, host: HostFacts): string[] {
  const caps = input.privileged ? [...ALL_CAPABILITIES] : tweakCapabilities(DEFAULT_CAPABILITIES, input.capAdd, input.capDrop);
  return caps.filter((c) => host.capBounding.has(c));
}

/** Build the OCI spec for a container. */
export async function buildSpec(input: SpecInput, host: HostFacts = hostFacts()): Promise<OciSpec> {
  if (!input.args.length) throw new InvalidParameterError('no command specified');
  if (input.init && !host.initPath) throw new InvalidParameterError('--init: no init binary (tini) found on the host');
  const caps = containerCapabilities(input, host);
  const devices: OciDevice[] = [];
  let rules: OciDeviceRule[];
  if (input.privileged) {
    devices.push(...(await hostDevices()));
    rules = [{ allow: true, access: 'rwm' }];
  } else {
    rules = [...DEFAULT_DEVICE_RULES];
  }
  for (const d of input.devices) {
    const u = await userDevices(d.pathOnHost, d.pathInContainer, d.permissions);
    for (const dev of u.devices) {
      const i = devices.findIndex((x) => x.path === dev.path);
      if (i >= 0) devices.splice(i, 1);
      devices.push(dev);
    }
    if (!input.privileged) rules.push(...u.rules);
  }
  if (!input.privileged) rules.push(...(input.deviceCgroupRules ?? []).map(parseDeviceCgroupRule));
  const args = input.init ? [INIT_PATH_IN_CONTAINER, '--', ...input.args] : [...input.args];
  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: input.tty,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: [...input.user.additionalGids] },
      args,
      env: [...input.env],
      cwd: input.cwd || '/',
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] },
      rlimits: rlimits(input, host),
      noNewPrivileges: input.noNewPrivileges,
      oomScoreAdj: input.oomScoreAdj ?? 0,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    mounts: buildMounts(input, host.initPath),
    linux: {
      namespaces: namespaces(input, host),
      cgroupsPath: input.cgroupsPath,
      resources: resources(input, host, rules),
    },
  };
  if (input.namespaces.uts === 'private' && input.hostname) spec.hostname = input.hostname;
  if (devices.length) spec.linux.devices = devices;
  // dockerd: a shared bind needs a shared root (runc's own default, rslave, serves slave binds)
  // dockerd's WithMounts: a shared bind makes the root shared, a slave one (else) makes it rslave
  if (input.mounts.some((m) => m.options.includes('shared') || m.options.includes('rshared'))) spec.linux.rootfsPropagation = 'shared';
  else if (input.mounts.some((m) => m.type === 'bind' && (m.options.includes('slave') || m.options.includes('rslave')))) spec.linux.rootfsPropagation = 'rslave';
  const sysctl: Record<string, string> = {};
  if (input.namespaces.network !== 'host') {
    // Docker 20.10+: ping and ports below 1024 for any user inside the container's own netns
    sysctl['net.ipv4.ping_group_range'] = '0 2147483647';
    sysctl['net.ipv4.ip_unprivileged_port_start'] = '0';
  }
  // as dockerd: the domain name through its sysctl (runc before 1.2 has no spec field for it)
  if (input.namespaces.uts === 'private' && input.domainname) sysctl['kernel.domainname'] = input.domainname;
  Object.assign(sysctl, input.sysctls);
  if (Object.keys(sysctl).length) spec.linux.sysctl = sysctl;
  if (!input.privileged) {
    spec.linux.maskedPaths = [...(input.maskedPaths ?? MASKED_PATHS)];
    spec.linux.readonlyPaths = [...(input.readonlyPaths ?? READONLY_PATHS)];
    if (input.seccomp === 'default') spec.linux.seccomp = toOciSeccomp(DEFAULT_SECCOMP_PROFILE, caps, host);
    else if (input.seccomp !== 'unconfined') spec.linux.seccomp = toOciSeccomp(input.seccomp.profile, caps, host);
  }
  return spec;
}
