import type { Readable, Writable } from 'node:stream';
import type { Filters } from '../filters.ts';

/** OCI / Docker image config (the parts Berth reads; unknown keys are kept in the raw bytes). */
export interface ImageConfigBody {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  OnBuild?: string[] | null;
  Shell?: string[];
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  ArgsEscaped?: boolean;
  [key: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  comment?: string;
  docker_version?: string;
  container?: string;
  config?: ImageConfigBody;
  container_config?: ImageConfigBody;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/** One stored layer (a node of the chain). */
export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent: string | null;
  cacheId: string;
  size: number;
  tarSize: number;
}

/** An image as listings see it: everything but the config. */
export interface ImageInfo {
  id: string;              // sha256:<hex> of the config bytes
  labels: Record<string, string>;
  created: number;         // unix seconds (from config.created, 0 if absent)
  size: number;            // bytes of all layers' content
  parent: string;          // parent image id ('' if none)
  topChain: string | null; // chain id of the top layer (null: no layers)
  repoTags: string[];      // full names: docker.io/library/busybox:latest
  repoDigests: string[];   // full names: docker.io/library/busybox@sha256:...
  metadata: { lastTagTime?: string };
}

/** An image with its parsed config. */
export interface ImageRecord extends ImageInfo {
  config: ImageConfig;
}

export interface ImageListOptions { all: boolean; filters: Filters; sharedSize?: boolean }
export interface ImageDeleteItem { Untagged?: string; Deleted?: string }
export interface ImageChangeOptions { changes: string[]; message?: string; platform?: string }
/** Progress messages in Docker's JSON-message shape. */
export type ProgressFn = (msg: Record<string, unknown>) => void;

/** What the API needs from the image service. */
export interface ImageBackend {
  list(opts: ImageListOptions): Promise<ImageInfo[]>;
  get(nameOrId: string): Promise<ImageRecord>;
  /** The ID a name, reference or ID prefix stands for (get's lookup without reading the config). */
  resolveId(nameOrId: string): string;
  layersOf(image: ImageInfo): Promise<LayerRecord[]>;
  /** overlay2 GraphDriver.Data of an image (null when it has no layers). */
  graphDriverData(image: ImageRecord): Promise<Record<string, string> | null>;
  tag(source: string, repo: string, tag: string): Promise<void>;
  remove(nameOrId: string, opts: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]>;
  importTar(input: Readable, target: { repo?: string; tag?: string }, opts: ImageChangeOptions): Promise<ImageRecord>;
  load(input: Readable, opts: { quiet: boolean; signal?: AbortSignal }, progress: ProgressFn): Promise<void>;
  save(names: string[], out: Writable, opts?: { signal?: AbortSignal }): Promise<void>;
  prune(opts: { filters: Filters }): Promise<{ ImagesDeleted: ImageDeleteItem[]; SpaceReclaimed: number }>;
  /** Total content size of distinct layers. */
  layersSize(): Promise<number>;
  /** Containers count per image id, when a container service exists. */
  containerCounts(): Promise<Map<string, number>>;
}

/** Containers that use an image (implemented by the container service). */
export interface ImageUsage {
  containersUsing(imageId: string): Promise<{ id: string; running: boolean }[]>;
  counts(): Promise<Map<string, number>>;
}
