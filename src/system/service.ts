import { readdirSync } from 'node:fs';
import type { ImageBackend } from '../core/images/types.ts';
import type { VolumeBackend } from '../core/volumes/types.ts';
import { API_VERSION, BERTH_VERSION, MIN_API_VERSION, type DiskUsage, type HostFacts, type SystemBackend } from '../core/system/types.ts';
import { nowRfc3339Nano } from '../core/time.ts';
import { backingFilesystem } from './fs-magic.ts';
import { infoWarnings, procSysOn } from './facts.ts';

/** The daemon's open file descriptors (dockerd's NFd). */
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/** Daemon settings /info reports; read on every call so SIGHUP reloads show. */
export interface SystemSettings {
  id: string;
  dataRoot: string;
  debug: boolean;
  liveRestore: boolean;
  cgroupDriver: string;
  logDriver?: string;
  /** Open /events subscriptions. */
  eventListeners?: number;
  registryMirrors: string[];
  insecureRegistries: string[];
}

/** Container counts and disk usage (from the container service once it exists). */
export interface ContainerCounter {
  counts(): Promise<{ total: number; running: number; paused: number; stopped: number }>;
  /** Every container with its sizes (/system/df); absent: none are reported. */
  usage?(): Promise<NonNullable<DiskUsage['containers']>>;
}

function registryConfig(s: SystemSettings): Record<string, unknown> {
  const cidrs = s.insecureRegistries.filter((r) => /^[\d.]+\/\d+$/.test(r) || r.includes(':') && r.includes('/'));
  const hosts = s.insecureRegistries.filter((r) => !cidrs.includes(r));
  const index: Record<string, unknown> = {
    'docker.io': { Mirrors: s.registryMirrors, Name: 'docker.io', Official: true, Secure: true },
  };
  for (const h of hosts) index[h] = { Mirrors: [], Name: h, Official: false, Secure: false };
  return {
    IndexConfigs: index,
    InsecureRegistryCIDRs: ['::1/128', '127.0.0.0/8', ...cidrs],
    Mirrors: s.registryMirrors,
  };
}

/** /info, /version and /system/df. */
export class SystemService implements SystemBackend {
  private readonly facts: HostFacts;
  private readonly settings: () => SystemSettings;
  private readonly images: ImageBackend;
  private readonly containers: ContainerCounter;
  private readonly volumes?: Pick<VolumeBackend, 'usage'>;

  constructor(facts: HostFacts, settings: () => SystemSettings, images: ImageBackend, containers: ContainerCounter, volumes?: Pick<VolumeBackend, 'usage'>) {
    this.volumes = volumes;
    this.facts = facts;
    this.settings = settings;
    this.images = images;
    this.containers = containers;
  }

  version(): Record<string, unknown> {
    const f = this.facts;
    const details = {
      ApiVersion: API_VERSION, Arch: f.goArch, BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: `node ${process.version}`,
      KernelVersion: f.kernelVersion, MinAPIVersion: MIN_API_VERSION, Os: 'linux',
    };
    const components = [{ Name: 'Engine', Version: BERTH_VERSION, Details: details }];
    if (f.runcVersion) components.push({ Name: 'runc', Version: f.runcVersion, Details: { GitCommit: '' } as never });
    if (f.initVersion) components.push({ Name: 'docker-init', Version: f.initVersion, Details: { GitCommit: '' } as never });
    return {
      Platform: { Name: 'Berth Engine' },
      Components: components,
      Version: BERTH_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: `node ${process.version}`,
      Os: 'linux',
      Arch: f.goArch,
      KernelVersion: f.kernelVersion,
      BuildTime: '',
    };
  }

  async info(): Promise<Record<string, unknown>> {
    const f = this.facts;
    const s = this.settings();
    const c = await this.containers.counts();
    const images = await this.images.list({ all: true, filters: new Map() });
    const net = {
      ipv4Forwarding: procSysOn('/proc/sys/net/ipv4/ip_forward'),
      bridgeNfIptables: procSysOn('/proc/sys/net/bridge/bridge-nf-call-iptables'),
      bridgeNfIp6tables: procSysOn('/proc/sys/net/bridge/bridge-nf-call-ip6tables'),
    };
    const warnings = infoWarnings(f, net);
    return {
      ID: s.id,
      Containers: c.total, ContainersRunning: c.running, ContainersPaused: c.paused, ContainersStopped: c.stopped,
      Images: images.length,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', backingFilesystem(s.dataRoot)], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true'], ['userxattr', 'false']],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file', 'local'] },
      MemoryLimit: f.limits.memoryLimit, SwapLimit: f.limits.swapLimit, CpuCfsPeriod: f.limits.cpuCfs, CpuCfsQuota: f.limits.cpuCfs,
      CPUShares: f.limits.cpuShares, CPUSet: f.limits.cpuset, PidsLimit: f.limits.pidsLimit,
      OomKillDisable: f.cgroupVersion === '1' && f.limits.oomKillDisable, IPv4Forwarding: net.ipv4Forwarding, Debug: s.debug,
      NFd: openFds(), NGoroutines: 0, SystemTime: nowRfc3339Nano(), LoggingDriver: s.logDriver ?? 'json-file',
      CgroupDriver: s.cgroupDriver, CgroupVersion: f.cgroupVersion, NEventsListener: s.eventListeners ?? 0,
      KernelVersion: f.kernelVersion, OperatingSystem: f.operatingSystem, OSVersion: f.osVersion, OSType: 'linux', Architecture: f.architecture,
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: registryConfig(s),
      NCPU: f.ncpu, MemTotal: f.memTotal, GenericResources: null,
      DockerRootDir: s.dataRoot,
      HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '', HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
      NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
      Name: f.hostname, Labels: [], ExperimentalBuild: false, ServerVersion: BERTH_VERSION,
      Runtimes: { runc: { path: 'runc' } }, DefaultRuntime: 'runc',
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: s.liveRestore, Isolation: '', InitBinary: 'docker-init',
      ContainerdCommit: { ID: '' }, RuncCommit: { ID: f.runcVersion }, InitCommit: { ID: f.initVersion },
      SecurityOptions: ['name=seccomp,profile=builtin', ...(f.cgroupVersion === '2' ? ['name=cgroupns'] : [])],
      CDISpecDirs: [],
      Warnings: warnings.length ? warnings : null, // Go's nil list when there are none
    };
  }

  async diskUsage(types: string[]): Promise<DiskUsage> {
    const want = (t: string): boolean => types.length === 0 || types.includes(t);
    const out: DiskUsage = {};
    if (want('image')) {
      // dockerd's imageDiskUsage: the images `docker images` shows (not intermediate ones),
      // a layer shared when more than one image of all of them has it
      const all = await this.images.list({ all: true, filters: new Map() });
      const shown = new Set((await this.images.list({ all: false, filters: new Map() })).map((i) => i.id));
      const counts = await this.images.containerCounts();
      const chains = await Promise.all(all.map((i) => this.images.layersOf(i)));
      const uses = new Map<string, number>();
      for (const ch of chains) for (const l of ch) uses.set(l.chainId, (uses.get(l.chainId) ?? 0) + 1);
      out.layersSize = await this.images.layersSize();
      out.images = all.flatMap((image, i) => (shown.has(image.id) ? [{
        image,
        containers: counts.get(image.id) ?? 0,
        sharedSize: chains[i].filter((l) => (uses.get(l.chainId) ?? 0) > 1).reduce((sum, l) => sum + l.size, 0),
      }] : []));
    }
    if (want('container')) out.containers = (await this.containers.usage?.()) ?? [];
    if (want('volume')) out.volumes = (await this.volumes?.usage()) ?? [];
    if (want('build-cache')) out.buildCache = [];
    return out;
  }
}
