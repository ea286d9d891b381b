/* Docker's stats sample (GET /containers/{id}/stats) and the update request (POST /containers/{id}/update). */
import type { HostConfig } from './types.ts';

export interface BlkioStatEntry { major: number; minor: number; op: string; value: number }

export interface BlkioStats {
  io_service_bytes_recursive: BlkioStatEntry[] | null;
  io_serviced_recursive: BlkioStatEntry[] | null;
  io_queue_recursive: BlkioStatEntry[] | null;
  io_service_time_recursive: BlkioStatEntry[] | null;
  io_wait_time_recursive: BlkioStatEntry[] | null;
  io_merged_recursive: BlkioStatEntry[] | null;
  io_time_recursive: BlkioStatEntry[] | null;
  sectors_recursive: BlkioStatEntry[] | null;
}

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  /** Host CPU time in nanoseconds (/proc/stat); omitted in zeroed samples. */
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface MemoryStats {
  usage?: number;
  max_usage?: number;      // cgroup v1 only
  stats?: Record<string, number>;
  failcnt?: number;
  limit?: number;
}

export interface NetworkStats {
  rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number;
  tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number;
}

/** One sample, in dockerd's field order. */
export interface StatsJSON {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: BlkioStats;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: MemoryStats;
  name: string;
  id: string;
  networks?: Record<string, NetworkStats>;
}

export interface StatsOptions {
  /** One sample a second until the client leaves or the container is removed. */
  stream: boolean;
  /** With stream=false: one sample at once, without waiting a cycle to fill precpu_stats. */
  oneShot: boolean;
}

/** The body of POST /containers/{id}/update: Resources plus RestartPolicy. */
export type UpdateRequest = Pick<HostConfig, 'RestartPolicy'> & Record<string, unknown>;

/** What the stats/update routes need. */
export interface ContainerStatsBackend {
  /** Resolves (or throws NotFound) before the first sample; the iterable ends when the stream is over. */
  stats(idOrName: string, opts: StatsOptions, signal: AbortSignal): Promise<AsyncIterable<StatsJSON>>;
  update(idOrName: string, req: UpdateRequest): Promise<{ Warnings: string[] }>;
}
