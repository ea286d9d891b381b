/** OCI blockIO: a weight and per-device weights and throttles, by major:minor. */
export interface BlkioLimits {
  weight?: number;
  weightDevice?: { major: number; minor: number; weight: number }[];
  throttleReadBpsDevice?: { major: number; minor: number; rate: number }[];
  throttleWriteBpsDevice?: { major: number; minor: number; rate: number }[];
  throttleReadIOPSDevice?: { major: number; minor: number; rate: number }[];
  throttleWriteIOPSDevice?: { major: number; minor: number; rate: number }[];
}

/** What the runtime needs to build an OCI spec for one container (from the image config plus create options). */
export interface SpecInput {
  id: string;
  rootfs: string;                 // absolute path of the mounted rootfs (overlay merged dir)
  args: string[];                 // resolved Entrypoint + Cmd
  env: string[];                  // final environment (PATH, HOSTNAME, HOME, TERM added by the builder when missing)
  cwd: string;                    // '/' when empty
  user: { uid: number; gid: number; additionalGids: number[] };
  hostname: string;
  tty: boolean;
  openStdin: boolean;
  /**
   * Docker's StdinOnce: close the container's stdin when an attached client
   * leaves (or half-closes). false keeps it open for the next attach
   * (`run -dit` then attach/detach). Unset behaves as true.
   */
  stdinOnce?: boolean;
  /** Files bind-mounted from the container's own directory: /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  /** `{ path }`: join that namespace (/proc/PID/ns/..., another container's). */
  namespaces: { pid: 'private' | 'host' | { path: string }; ipc: 'private' | 'host' | { path: string }; uts: 'private' | 'host'; network: 'private' | 'host' | { path: string };
    /** The cgroup namespace (HostConfig.CgroupnsMode); absent: private on cgroup v2, the host's on v1. */
    cgroup?: 'private' | 'host' };
  /** /dev/shm when not the usual private tmpfs (or the host's with ipc host): none at all, or a bind of a shared one. */
  shm?: 'none' | { bind: string };
  cgroupsPath: string;            // absolute, e.g. /berth/<id>
  resources: {
    memory?: number; memorySwap?: number; memoryReservation?: number; oomKillDisable?: boolean; memorySwappiness?: number;
    cpuShares?: number; cpuQuota?: number; cpuPeriod?: number; cpusetCpus?: string; cpusetMems?: string; pidsLimit?: number;
    cpuRealtimePeriod?: number; cpuRealtimeRuntime?: number;
    blkio?: BlkioLimits;
  };
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  /** --oom-score-adj; --device-cgroup-rule lines ("c 42:* rmw"); the UTS domain name. */
  oomScoreAdj?: number;
  deviceCgroupRules?: string[];
  domainname?: string;
  /** HostConfig.MaskedPaths / ReadonlyPaths (empty with systempaths=unconfined); absent: Docker's defaults. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  readonlyRootfs: boolean;
  seccomp: 'default' | 'unconfined' | { profile: unknown };
  noNewPrivileges: boolean;
  tmpfs: Record<string, string>;  // path -> options
  shmSize: number;                // bytes, default 64 MiB
  ulimits: { name: string; soft: number; hard: number }[];
  devices: { pathOnHost: string; pathInContainer: string; permissions: string }[];
  sysctls: Record<string, string>;
  mounts: { source: string; destination: string; type: string; options: string[] }[];
  init: boolean;                  // run tini as PID 1
}

/** An interactive stream to a container's stdio (conmon attach socket). */
export interface AttachStreams {
  /** Output as [stream, data]: 1 = stdout, 2 = stderr. */
  onOutput(cb: (stream: 1 | 2, data: Buffer) => void): void;
  /** Write to the container's stdin (when it is open). */
  writeStdin(data: Buffer): void;
  /** Close stdin (EOF to the process). */
  closeStdin(): void;
  /** Stop receiving output and close the socket. */
  close(): void;
  /** Called once when conmon closes the socket (the container exited). */
  onClose(cb: () => void): void;
}

export interface ExitStatus {
  exitCode: number;      // 128+signal when killed
  oomKilled: boolean;
  finishedAt: string;    // RFC3339 nano
}

export interface RuntimeStartOptions {
  id: string;
  bundle: string;        // the container's directory (config.json, pidfile, attach, ctl are written here)
  /**
   * The spec input, or a promise of it: then conmon starts while the caller
   * still mounts the root filesystem and plumbs the network, and `stdio` says
   * what conmon must know up front.
   */
  spec: SpecInput | Promise<SpecInput>;
  stdio?: Pick<SpecInput, 'tty' | 'openStdin' | 'stdinOnce'>;
  logPath: string;       // k8s-file log written by conmon
  /** Called after `runc create` and before `runc start` (output is never missed; the network is plumbed into `pid`'s namespace). */
  beforeStart?: (attach: () => Promise<AttachStreams>, pid: number) => Promise<void>;
}

export interface ExecOptions {
  id: string;            // container id
  execId: string;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  tty: boolean;
  openStdin: boolean;
  privileged: boolean;
}

/**
 * The low-level runtime: runc for the OCI lifecycle, conmon as the
 * per-container supervisor (stdio, logs, exit code), as DESIGN.md §3 says.
 */
export interface ContainerRuntime {
  /** A hint: a container or exec process is likely to start soon (one was just created); the runtime may get ready. */
  expectStart?(): void;
  /** Write config.json, spawn conmon (runc create), run beforeStart, `runc start`; returns the init pid. */
  start(opts: RuntimeStartOptions): Promise<{ pid: number; startedAt: string }>;
  /** Resolves when conmon reports the exit (also for containers adopted after a daemon restart). */
  waitExit(id: string, bundle: string): Promise<ExitStatus>;
  /** Exit already recorded by conmon (after a daemon restart), else null. */
  exitStatus(id: string, bundle: string): Promise<ExitStatus | null>;
  kill(id: string, signal: string | number, all?: boolean): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** `runc delete` (force kills first); removes runtime state, never the bundle's logs. */
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  /** runc's view: 'created' | 'running' | 'paused' | 'stopped', or null when runc does not know the container. */
  state(id: string): Promise<{ status: string; pid: number } | null>;
  attach(bundle: string): Promise<AttachStreams>;
  resize(bundle: string, rows: number, cols: number): Promise<void>;
  /** Make the supervisor reopen the container's log file (rotation). */
  reopenLog(bundle: string): Promise<void>;
  /** Run a process inside a running container; output/input through the returned streams when attached. */
  exec(opts: ExecOptions, bundle: string, attach: boolean): Promise<{ pid: number; streams?: AttachStreams; wait(): Promise<ExitStatus>; resize?(rows: number, cols: number): Promise<void> }>;
  /** Processes of a container (pids in its cgroup). */
  pids(id: string): Promise<number[]>;
  /** The daemon stops: end the runtime's helpers and remove what it set up and no longer needs (waiting up to settleMs for it to empty). */
  shutdown?(settleMs?: number): Promise<void>;
}
