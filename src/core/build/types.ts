import type { Readable } from 'node:stream';

/** What `POST /build` (and `berth build`) asks for. */
export interface BuildOptions {
  /** Path of the Dockerfile inside the context ("Dockerfile" by default). */
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  pull: boolean;
  /** Remove intermediate containers after a successful step (default true). */
  rm: boolean;
  /** Remove intermediate containers also after a failed step. */
  forceRm: boolean;
  quiet: boolean;
  cacheFrom: string[];
  networkMode: string;
  platform: string;
  extraHosts: string[];
  shmSize?: number;
  memory?: number;
  memorySwap?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  /** A URL to fetch the context from (remote= parameter). */
  remote?: string;
  /** X-Registry-Config: registry → auth. */
  registryAuth?: Record<string, unknown>;
}

/** The progress the builder reports, written as Docker's JSON messages by the API. */
export interface BuildSink {
  /** Text of the classic output stream (`Step 1/3 : ...`, ` ---> ...`, RUN output). */
  stream(text: string): void;
  /** The final image ID (the `aux` message `--iidfile` reads). */
  aux(value: Record<string, unknown>): void;
  /** Pull progress of a base image, passed through as is. */
  progress?(msg: Record<string, unknown>): void;
}

/** Resolves a FROM image that is not in the store (the pull service, once wired). */
export type EnsureImage = (ref: string, opts: { platform: string; auth?: Record<string, unknown>; sink: BuildSink; signal: AbortSignal }) => Promise<string>;

export interface BuildPruneOptions { all: boolean; keepStorage: number; filters: Map<string, string[]> }

export interface BuildBackend {
  build(context: Readable, opts: BuildOptions, sink: BuildSink, signal: AbortSignal): Promise<{ id: string }>;
  prune(opts: BuildPruneOptions): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
}

/** Predefined proxy ARGs: usable without an ARG line, left out of the cache key and history. */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
