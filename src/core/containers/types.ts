import type { Filters } from '../filters.ts';
import type { EndpointConfig } from '../network/types.ts';
import type { AttachStreams } from '../runtime/types.ts';
import type { MountPoint } from '../volumes/types.ts';

/** Docker's container Config (the parts Berth uses; the rest is kept as given). */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  Image: string;
  Volumes?: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild?: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  [key: string]: unknown;
}

/** Docker's HostConfig; kept as the client sent it, with defaults filled in. */
export type HostConfig = Record<string, unknown> & {
  AutoRemove?: boolean;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  NetworkMode?: string;
  Privileged?: boolean;
};

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: { Status: 'starting' | 'healthy' | 'unhealthy' | 'none'; FailingStreak: number; Log: { Start: string; End: string; ExitCode: number; Output: string }[] };
}

export interface ContainerRecord {
  id: string;
  name: string;            // with the leading '/'
  created: string;         // RFC3339 nano
  image: string;           // as given (e.g. 'busybox')
  imageId: string;
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  state: ContainerState;
  restartCount: number;
  rwDir: string;           // overlay upper/work/merged parent
  bundle: string;          // the container's directory
  logPath: string;
  hasBeenStarted: boolean;
  hasBeenManuallyStopped: boolean;
  /** Resolved mounts (binds, volumes, tmpfs), set at create. */
  mountPoints?: MountPoint[];
  /** Legacy links registered at create (containers/links.ts). */
  links?: LinkRef[];
}

/**
 * One registered legacy link: the target container and the alias the parent
 * knows it by; `gone`: the target's name once it was removed (dockerd keeps
 * such a link: inspect shows it and the parent cannot start until it goes).
 */
export interface LinkRef { id: string; alias: string; gone?: string }

export interface ContainerListOptions { all: boolean; limit: number; size: boolean; filters: Filters }

export interface LogOptions { stdout: boolean; stderr: boolean; follow: boolean; tail: number | 'all'; /** nanoseconds since the epoch, both ends included */ since?: bigint; until?: bigint; timestamps: boolean; /** --details: each line after its log attributes (see log-attrs.ts) */ details?: boolean }
export interface LogLine { stream: 1 | 2; time: string; data: Buffer }

/** What the API needs from the container service. */
export interface ContainerBackend {
  /** `platform` ("linux/arm64"): the image must be of it (dockerd's NotFound otherwise, and the CLI pulls). */
  create(name: string | undefined, config: Partial<ContainerConfig>, hostConfig: HostConfig, endpoints?: Record<string, EndpointConfig>, platform?: string): Promise<{ id: string; warnings: string[] }>;
  get(idOrName: string): Promise<ContainerRecord>;
  list(opts: ContainerListOptions): Promise<ContainerRecord[]>;
  /** What a list shows as each container's Image: its name, or its image's ID once the name stands for another. */
  listedImages(cs: ContainerRecord[]): Promise<(c: ContainerRecord) => string>;
  /** What a list shows as each container's Names: its own name and the legacy link names it is known by. */
  listedNames(): (c: ContainerRecord) => string[];
  /** inspect's HostConfig.Links: the container's legacy links as `/target:/parent/alias` (null when none). */
  inspectLinks(c: ContainerRecord): string[] | null;
  /** `ps -s`: bytes of each container's own layer, and of it with its image's layers. */
  sizes(cs: ContainerRecord[]): Promise<{ rw: number; rootFs: number }[]>;
  start(idOrName: string): Promise<void>;
  stop(idOrName: string, opts: { timeout?: number; signal?: string }): Promise<void>;
  restart(idOrName: string, opts: { timeout?: number; signal?: string }): Promise<void>;
  kill(idOrName: string, signal?: string): Promise<void>;
  pause(idOrName: string): Promise<void>;
  unpause(idOrName: string): Promise<void>;
  rename(idOrName: string, newName: string): Promise<void>;
  remove(idOrName: string, opts: { force: boolean; volumes: boolean; link?: boolean }): Promise<void>;
  wait(idOrName: string, condition: 'not-running' | 'next-exit' | 'removed', signal?: AbortSignal): Promise<{ StatusCode: number; Error?: { Message: string } }>;
  /**
   * Attach to the container's stdio: `streams` resolves now when it runs, else
   * at its next start before the process runs (so no output is missed).
   */
  attach(idOrName: string, signal: AbortSignal): Promise<{ record: ContainerRecord; streams: Promise<AttachStreams> }>;
  /** `begin` is called once the request is known to be valid, before the first line. */
  logs(idOrName: string, opts: LogOptions, onLine: (l: LogLine) => void, signal: AbortSignal, begin?: () => void): Promise<{ tty: boolean }>;
  resize(idOrName: string, rows: number, cols: number): Promise<void>;
  top(idOrName: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  prune(filters: Filters): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }>;
}

/** An exec session as /exec/{id}/json shows it. */
export interface ExecRecord {
  id: string;
  containerId: string;
  cmd: string[];
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  env: string[];
  user: string;
  workingDir: string;
  privileged: boolean;
  detachKeys: string;
  running: boolean;
  exitCode: number | null;
  pid: number;
}

/** What the exec API needs. */
export interface ExecBackend {
  create(container: string, body: { Cmd?: string[]; Env?: string[]; Tty?: boolean; AttachStdin?: boolean; AttachStdout?: boolean; AttachStderr?: boolean; User?: string; WorkingDir?: string; Privileged?: boolean; DetachKeys?: string }): Promise<string>;
  get(execId: string): ExecRecord;
  /** Start; with attach, the streams of the process (resolve after it started). */
  start(execId: string, opts: { detach: boolean; tty?: boolean; consoleSize?: [number, number] }): Promise<{ record: ExecRecord; streams?: AttachStreams; done: Promise<number> }>;
  resize(execId: string, rows: number, cols: number): Promise<void>;
}
