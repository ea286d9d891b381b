import { InvalidParameterError } from '../core/errors.ts';
import type { ContainerRecord, HostConfig } from '../core/containers/types.ts';
import type { NetAttachment } from '../core/network/types.ts';
import type { SpecInput } from '../core/runtime/types.ts';
import { NO_PLACEMENT, placeContainer, type CgroupPlacement } from '../core/runtime/cgroup-path.ts';
import { resolveUser } from './users.ts';
import { ensureWorkdir } from './workdir.ts';
import { mountShm } from './ipc-shm.ts';
import { namespaceModes } from './ns-modes.ts';
import { writeEtcFiles } from './etc-files.ts';
import { execEnv } from './exec-env.ts';
import { blkioLimits } from './blkio-devices.ts';
import { checkDeviceRequests } from './device-requests.ts';

/** The container's terminal and stdin mode (conmon needs it before the rest of the spec). */
export function stdioOf(c: ContainerRecord): Pick<SpecInput, 'tty' | 'openStdin' | 'stdinOnce'> {
  // dockerd closes stdin when the client leaves only for non-TTY StdinOnce containers.
  return { tty: c.config.Tty, openStdin: c.config.OpenStdin, stdinOnce: c.config.StdinOnce && !c.config.Tty };
}

/** Everything the runtime needs, from the record and its mounted rootfs. */
export async function specInput(c: ContainerRecord, rootfs: string, opts: {
  mounts?: SpecInput['mounts']; cgroups?: CgroupPlacement; net?: NetAttachment; resolve?: (ref: string) => ContainerRecord;
  /** What legacy links give the container (containers/links.ts): /etc/hosts lines and variables. */
  links?: { env: string[]; hosts: string[] };
} = {}): Promise<SpecInput> {
  const { mounts = [], cgroups = NO_PLACEMENT, net } = opts;
  const { shm, ...modes } = namespaceModes(c, opts.resolve ?? ((ref) => { throw new InvalidParameterError(`no container lookup for ${ref}`); }));
  if (c.hostConfig.IpcMode === 'shareable') await mountShm(c);
  const h = c.hostConfig;
  const user = await resolveUser(rootfs, c.config.User, (h.GroupAdd as string[] | undefined) ?? []);
  const env = execEnv(c, user, c.config.Tty, [], opts.links?.env);
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
  checkDeviceRequests(h);
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
    etcFiles: await writeEtcFiles(c, net, opts.links?.hosts),
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
      cpusetMems: (h.CpusetMems as string) || undefined,
      pidsLimit: Number(h.PidsLimit) > 0 ? Number(h.PidsLimit) : undefined,
      memorySwappiness: typeof h.MemorySwappiness === 'number' && h.MemorySwappiness >= 0 ? h.MemorySwappiness : undefined,
      cpuRealtimePeriod: Number(h.CpuRealtimePeriod) || undefined,
      cpuRealtimeRuntime: Number(h.CpuRealtimeRuntime) || undefined,
      blkio: await blkioLimits(h),
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
