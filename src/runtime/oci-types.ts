/* The parts of the OCI runtime spec (config.json) that Berth writes. */
import type { BlkioLimits } from '../core/runtime/types.ts';

export interface OciUser { uid: number; gid: number; additionalGids?: number[]; umask?: number }

export interface OciCapabilities { bounding: string[]; effective: string[]; permitted: string[] }

/** hard/soft may be bigint for RLIM_INFINITY (2^64-1), which a JS number cannot hold. */
export interface OciRlimit { type: string; hard: number | bigint; soft: number | bigint }

export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
}

export interface OciMount { destination: string; type?: string; source?: string; options?: string[] }

export interface OciNamespace { type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup'; path?: string }

export interface OciDevice { type: 'c' | 'b' | 'u' | 'p'; path: string; major?: number; minor?: number; fileMode?: number; uid?: number; gid?: number }

export interface OciDeviceRule { allow: boolean; type?: 'a' | 'c' | 'b'; major?: number; minor?: number; access?: string }

export interface OciResources {
  devices?: OciDeviceRule[];
  memory?: { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean; swappiness?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string; realtimePeriod?: number; realtimeRuntime?: number };
  pids?: { limit: number };
  blockIO?: BlkioLimits;
}

export interface OciSeccompArg { index: number; value: number; valueTwo?: number; op: string }
export interface OciSeccompRule { names: string[]; action: string; errnoRet?: number; args?: OciSeccompArg[] }
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSeccompRule[];
}

export interface OciLinux {
  namespaces: OciNamespace[];
  cgroupsPath?: string;
  resources?: OciResources;
  devices?: OciDevice[];
  sysctl?: Record<string, string>;
  seccomp?: OciSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}

/** JSON text of a spec: bigint values (RLIM_INFINITY) become plain JSON integers. */
export function specJson(value: unknown): string {
  const marker = '__berth_u64__';
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v), 2);
  return text.replace(new RegExp(`"${marker}(\\d+)"`, 'g'), '$1');
}
