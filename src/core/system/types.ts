import type { ContainerRecord } from '../containers/types.ts';
import type { ImageInfo } from '../images/types.ts';
import type { VolumeInfo } from '../volumes/types.ts';

/** Engine API version served (docker CLI 28) and the oldest one accepted. */
export const API_VERSION = '1.50';
export const MIN_API_VERSION = '1.24';
/** Berth's own version. */
export const BERTH_VERSION = '0.1.0';

/** Static facts about the host and the daemon, gathered once at start-up. */
export interface HostFacts {
  kernelVersion: string;
  operatingSystem: string;
  osVersion: string;
  architecture: string;   // uname -m style: x86_64
  goArch: string;          // amd64
  ncpu: number;
  memTotal: number;
  hostname: string;
  cgroupVersion: '1' | '2';
  runcVersion: string;
  initVersion: string;
  /** What the cgroups of this host can limit (dockerd's sysinfo). */
  limits: HostLimits;
}

export interface HostLimits {
  memoryLimit: boolean; swapLimit: boolean; cpuCfs: boolean; cpuShares: boolean; cpuset: boolean; pidsLimit: boolean; oomKillDisable: boolean;
  blkioWeight: boolean; blkioWeightDevice: boolean; blkioReadBps: boolean; blkioWriteBps: boolean; blkioReadIOps: boolean; blkioWriteIOps: boolean;
}

/** /system/df data; the API shapes it. Absent parts were not asked for. */
export interface DiskUsage {
  layersSize?: number;
  images?: { image: ImageInfo; containers: number; sharedSize: number }[];
  /** Every container with the size of its writable layer and of its whole root filesystem. */
  containers?: { container: ContainerRecord; sizeRw: number; sizeRootFs: number }[];
  volumes?: VolumeInfo[];
  buildCache?: unknown[];
}

/** What /info, /version and /system/df need. */
export interface SystemBackend {
  info(): Promise<Record<string, unknown>>;
  version(): Record<string, unknown>;
  diskUsage(types: string[]): Promise<DiskUsage>;
}
