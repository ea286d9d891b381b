import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { ConflictError, InvalidParameterError } from '../core/errors.ts';
import type { ContainerConfig, ContainerRecord, HostConfig } from '../core/containers/types.ts';
import type { ImageRecord } from '../core/images/types.ts';
import { checkCapabilities } from '../core/runtime/caps.ts';
import { parseSignal } from '../core/signals.ts';
import { MASKED_PATHS, READONLY_PATHS } from '../core/runtime/paths.ts';
import { checkCpuset, hostCpusets, type CpusetAvailability } from './cpuset.ts';
import { nowRfc3339Nano } from '../core/time.ts';

export const ZERO_TIME = '0001-01-01T00:00:00Z';
const RESTART_POLICIES = ['', 'no', 'always', 'unless-stopped', 'on-failure'];

/**
 * moby's ReplaceOrAppendEnvValues: each KEY=VALUE of `overrides` replaces the
 * entry of `defaults` with that key or is appended; a bare KEY (no "=")
 * removes it. Only keys of `defaults` are looked up: an override repeated
 * is appended twice, and a bare KEY does not remove an appended one.
 */
export function mergeEnv(defaults: string[] | null | undefined, overrides: string[] | null | undefined): string[] {
  const out: (string | null)[] = [...(defaults ?? [])];
  const index = new Map<string, number>();
  out.forEach((e, i) => index.set(e!.split('=')[0], i));
  for (const e of overrides ?? []) {
    const eq = e.indexOf('=');
    const i = index.get(eq < 0 ? e : e.slice(0, eq));
    if (eq < 0) {
      if (i !== undefined) out[i] = null;
    } else if (i !== undefined) out[i] = e;
    else out.push(e);
  }
  return out.filter((e): e is string => e !== null);
}

/**
 * dockerd's merge of a create's Env with its image's: the image's when the
 * create has none (null when neither has any), else the create's as given
 * (bare KEYs kept: they unset at start) followed by the image's entries whose
 * keys it does not name.
 */
export function configEnv(image: string[] | null | undefined, user: string[] | null | undefined): string[] | null {
  if (!user?.length) return image?.length ? [...image] : null;
  const keys = new Set(user.map((e) => e.split('=')[0]));
  return [...user, ...(image ?? []).filter((e) => !keys.has(e.split('=')[0]))];
}

/** The host's CPUs, for the checks below. */
export interface HostCpus { ncpu: number; cpusets: CpusetAvailability }

export const hostCpus = (): HostCpus => ({ ncpu: availableParallelism(), cpusets: hostCpusets });

/** Check HostConfig values with dockerd's messages (at create, and for an update). */
export function validateHostConfig(h: HostConfig, host: HostCpus = hostCpus()): void {
  const mem = Number(h.Memory ?? 0);
  if (mem > 0 && mem < 6 * 1024 * 1024) throw new InvalidParameterError('Minimum memory limit allowed is 6MB');
  const swap = Number(h.MemorySwap ?? 0);
  if (swap > 0 && mem > 0 && swap < mem) throw new InvalidParameterError('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (swap > 0 && mem === 0) throw new InvalidParameterError('You should always set the Memory limit when using Memoryswap limit, see usage');
  const res = Number(h.MemoryReservation ?? 0);
  if (res > 0 && res < 6 * 1024 * 1024) throw new InvalidParameterError('Minimum memory reservation allowed is 6MB');
  if (mem > 0 && res > mem) throw new InvalidParameterError('Minimum memory limit can not be less than memory reservation limit, see usage');
  const nano = Number(h.NanoCpus ?? 0);
  const { ncpu } = host;
  if (nano < 0 || nano > ncpu * 1e9) throw new InvalidParameterError(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  const period = Number(h.CpuPeriod ?? 0);
  if (period !== 0 && (period < 1000 || period > 1_000_000)) throw new InvalidParameterError('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  const quota = Number(h.CpuQuota ?? 0);
  if (quota > 0 && quota < 1000) throw new InvalidParameterError('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  checkCpuset(h, host.cpusets);
  checkCapabilities((h.CapAdd as string[] | null | undefined) ?? [], (h.CapDrop as string[] | null | undefined) ?? []);
  if (nano > 0 && (Number(h.CpuQuota ?? 0) > 0 || Number(h.CpuPeriod ?? 0) > 0)) {
    throw new InvalidParameterError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (h.Runtime && h.Runtime !== 'runc') throw new InvalidParameterError(`unknown or invalid runtime name: ${String(h.Runtime)}`);
  const rp = h.RestartPolicy ?? { Name: '' };
  if (!RESTART_POLICIES.includes(rp.Name)) throw new InvalidParameterError(`invalid restart policy: unknown policy '${rp.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  if (rp.Name !== 'on-failure' && (rp.MaximumRetryCount ?? 0) > 0) {
    throw new InvalidParameterError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
  if ((rp.MaximumRetryCount ?? 0) < 0) throw new InvalidParameterError('invalid restart policy: maximum retry count cannot be negative');
  if (h.AutoRemove && rp.Name !== '' && rp.Name !== 'no') {
    throw new ConflictError("conflicting options: cannot specify both --restart and --rm");
  }
}

/** As dockerd: without kernel support a blkio weight is discarded with a warning, before its range is checked. */
export function checkBlkioWeight(weight: number, supported: boolean): string[] {
  if (weight > 0 && !supported) return ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'];
  if (weight > 0 && (weight < 10 || weight > 1000)) throw new InvalidParameterError('Range of blkio weight is from 10 to 1000');
  return [];
}

/** 64 MiB: /dev/shm's size when the container names none. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/**
 * The values dockerd writes into a new container's HostConfig when the
 * request leaves them out (its adaptContainerSettings and create), so that
 * inspect shows what the container really gets.
 */
export function hostConfigDefaults(h: HostConfig, cgroupV2: boolean): void {
  const mem = Number(h.Memory ?? 0);
  if (mem > 0 && !Number(h.MemorySwap ?? 0)) h.MemorySwap = mem * 2;
  if (!Number(h.ShmSize ?? 0)) h.ShmSize = DEFAULT_SHM_SIZE;
  if (!h.IpcMode) h.IpcMode = 'private';
  if (!h.CgroupnsMode) h.CgroupnsMode = cgroupV2 ? 'private' : 'host';
  if (h.OomKillDisable === undefined || h.OomKillDisable === null) h.OomKillDisable = false;
  if (!h.Privileged) {
    if (!Array.isArray(h.MaskedPaths)) h.MaskedPaths = [...MASKED_PATHS];
    if (!Array.isArray(h.ReadonlyPaths)) h.ReadonlyPaths = [...READONLY_PATHS];
  }
  // dockerd's generateSecurityOpt: host IPC or PID namespaces, or privileged, turn labelling off unless the client set a label option
  const sec = (h.SecurityOpt as string[] | null | undefined) ?? [];
  if ((h.IpcMode === 'host' || h.PidMode === 'host' || h.Privileged) && !sec.some((o) => /^label[=:]/.test(o))) h.SecurityOpt = [...sec, 'label=disable'];
  // "no limit" is null, however the client said it (0 or any negative)
  if (h.PidsLimit !== undefined && h.PidsLimit !== null && Number(h.PidsLimit) <= 0) h.PidsLimit = null;
  if (h.MemorySwappiness !== undefined && h.MemorySwappiness !== null && Number(h.MemorySwappiness) === -1) h.MemorySwappiness = null;
}

/** Build a new container record from the request and the image, as dockerd merges them. */
export function newContainer(opts: {
  name: string; imageRef: string; image: ImageRecord; config: Partial<ContainerConfig>; hostConfig: HostConfig; dataRoot: string;
  /** Whether the host has cgroup v2 (the default cgroup namespace mode follows it). */
  cgroupV2?: boolean;
}): ContainerRecord {
  const { image, config: u } = opts;
  const ic = image.config.config ?? {};
  const id = randomBytes(32).toString('hex');
  let entrypoint = u.Entrypoint ?? null;
  let cmd = u.Cmd ?? null;
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) cmd = ic.Cmd ?? null;
    if (u.Entrypoint == null) entrypoint = ic.Entrypoint ?? null;
  }
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = null;
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw new InvalidParameterError('No command specified');
  const config: ContainerConfig = {
    // dockerd's newContainer: the host's name on the host network, else the short ID
    Hostname: u.Hostname || (opts.hostConfig.NetworkMode === 'host' ? hostname() : id.slice(0, 12)),
    Domainname: u.Domainname ?? '',
    User: u.User || ic.User || '',
    AttachStdin: u.AttachStdin ?? false,
    AttachStdout: u.AttachStdout ?? false,
    AttachStderr: u.AttachStderr ?? false,
    ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...(u.ExposedPorts ?? {}) },
    Tty: u.Tty ?? false,
    OpenStdin: u.OpenStdin ?? false,
    StdinOnce: u.StdinOnce ?? false,
    Env: configEnv(ic.Env, u.Env),
    Cmd: cmd,
    ...((u.Healthcheck ?? ic.Healthcheck) ? { Healthcheck: u.Healthcheck ?? ic.Healthcheck } : {}), // dockerd's key order
    Image: opts.imageRef,
    Volumes: { ...(ic.Volumes ?? {}), ...(u.Volumes ?? {}) },
    WorkingDir: u.WorkingDir || ic.WorkingDir || '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: { ...(ic.Labels ?? {}), ...(u.Labels ?? {}) },
  };
  const stopSignal = u.StopSignal || ic.StopSignal;
  if (stopSignal) {
    parseSignal(stopSignal); // dockerd's "Invalid signal: X" at create (a number is taken as it is)
    config.StopSignal = stopSignal;
  }
  if (u.StopTimeout !== undefined && u.StopTimeout !== null) config.StopTimeout = u.StopTimeout;
  if (!config.ExposedPorts || Object.keys(config.ExposedPorts).length === 0) delete config.ExposedPorts;
  if (!config.Volumes || Object.keys(config.Volumes).length === 0) config.Volumes = null;
  const hostConfig: HostConfig = { NetworkMode: 'bridge', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, ...opts.hostConfig };
  if (hostConfig.NetworkMode === 'default' || !hostConfig.NetworkMode) hostConfig.NetworkMode = 'bridge';
  if (!hostConfig.RestartPolicy?.Name) hostConfig.RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };
  if (!hostConfig.Runtime) hostConfig.Runtime = 'runc'; // the daemon's only (and so default) runtime
  hostConfigDefaults(hostConfig, opts.cgroupV2 ?? false);
  const bundle = `${opts.dataRoot}/containers/${id}`;
  return {
    id,
    name: opts.name,
    created: nowRfc3339Nano(),
    image: opts.imageRef,
    imageId: image.id,
    path: argv[0],
    args: argv.slice(1),
    config,
    hostConfig,
    state: {
      Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
      Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME,
    },
    restartCount: 0,
    rwDir: `${bundle}/rw`,
    bundle,
    logPath: `${bundle}/${id}-json.log`,
    hasBeenStarted: false,
    hasBeenManuallyStopped: false,
  };
}
