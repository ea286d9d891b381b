import type { Filters } from '../filters.ts';

/** The label dockerd (23+) puts on volumes it creates for a container without a name. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** A volume as the store keeps it. */
export interface VolumeRecord {
  name: string;
  driver: string;
  /** RFC3339, second precision, UTC (dockerd's CreatedAt). */
  createdAt: string;
  labels: Record<string, string>;
  /** Driver options (local: type, device, o). */
  options: Record<string, string>;
}

/** What Docker shows of a volume (GET /volumes/{name}); UsageData only for /system/df. */
export interface VolumeInfo {
  record: VolumeRecord;
  mountpoint: string;
  usage?: { size: number; refCount: number };
}

export interface VolumeCreateOptions {
  name?: string;
  driver?: string;
  driverOpts?: Record<string, string> | null;
  labels?: Record<string, string> | null;
}

/** What the API needs from the volume service. */
export interface VolumeBackend {
  create(opts: VolumeCreateOptions): Promise<VolumeInfo>;
  get(name: string): Promise<VolumeInfo>;
  list(filters: Filters): Promise<VolumeInfo[]>;
  remove(name: string, force: boolean): Promise<void>;
  prune(filters: Filters): Promise<{ deleted: string[]; reclaimed: number }>;
  /** Every volume with its size and number of containers (system df). */
  usage(): Promise<VolumeInfo[]>;
}

/**
 * One resolved mount of a container, kept on its record (dockerd's
 * MountPoint): the first eight fields are the inspect `Mounts` entry.
 */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Fill a new empty volume with the image's content at Destination. */
  copyData?: boolean;
  /** -v binds: create a missing host directory at start. */
  createSource?: boolean;
  /** --mount bind-recursive=disabled. */
  nonRecursive?: boolean;
  /** --mount volume-subpath. */
  subpath?: string;
  /** --mount type=tmpfs options. */
  tmpfs?: { size?: number; mode?: number };
  /** A bind given rslave because its source holds the daemon's root (it falls back to rprivate where the source cannot propagate). */
  autoSlave?: boolean;
}

/** The container service's view of what a container references (for in-use checks). */
export interface VolumeUser { id: string; running: boolean; mounts: MountPoint[] }

/** A mount of the OCI spec (the runtime's SpecInput.mounts entry). */
export interface SpecMount { source: string; destination: string; type: string; options: string[] }

/**
 * What the container service asks of the volume side, at the points of a
 * container's life where dockerd handles mounts.
 */
export interface ContainerMountHooks {
  /**
   * At create: parse and validate Binds, Mounts, VolumesFrom, Tmpfs and the
   * config's Volumes; create named and anonymous volumes. Throws with
   * nothing left behind.
   */
  resolve(c: { id: string; config: { Volumes?: Record<string, object> | null }; hostConfig: Record<string, unknown> }, lookup: (idOrName: string) => { mountPoints?: MountPoint[] }): Promise<MountPoint[]>;
  /** At start, with the rootfs mounted: create bind sources, mount volumes, copy image content up; the spec's mounts. */
  attach(c: { id: string; mountPoints?: MountPoint[] }, rootfs: string): Promise<SpecMount[]>;
  /** After the container stopped (or its start failed): unmount volume filesystems nobody else runs with. */
  detach(c: { id: string; mountPoints?: MountPoint[] }): Promise<void>;
  /** After the container is gone: with removeVolumes, delete its anonymous volumes that no one else uses. */
  release(c: { id: string; mountPoints?: MountPoint[] }, removeVolumes: boolean): Promise<void>;
}
