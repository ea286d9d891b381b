/* POST /containers/{id}/update: check, merge into the record, apply to a running container with `runc update`. */
import { execFile } from 'node:child_process';
import { ConflictError, InvalidParameterError, SystemError, errorMessage } from '../core/errors.ts';
import type { ContainerRecord, HostConfig } from '../core/containers/types.ts';
import type { UpdateRequest } from '../core/containers/stats-types.ts';
import type { EventSink } from '../core/events/types.ts';
import { runcMessage } from '../runtime/runc.ts';
import type { ContainerDb } from './store.ts';
import { checkBlkioWeight, hostCpus, validateHostConfig, type HostCpus } from './create.ts';

/** runc's `update -r` input: the OCI LinuxResources parts runc can change. */
export interface RuncResources {
  memory?: { limit?: number; swap?: number; reservation?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight: number };
}

const INTEGERS = ['BlkioWeight', 'CpuShares', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
  'Memory', 'MemorySwap', 'MemoryReservation', 'KernelMemory', 'PidsLimit'];
/** Fields where a non-zero value replaces the container's (dockerd's UpdateContainer). */
const REPLACED_WHEN_SET = ['BlkioWeight', 'CpuShares', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'MemorySwap', 'MemoryReservation'];

const n = (v: unknown): number => Number(v ?? 0) || 0;

/**
 * Check the request on its own, as dockerd's verifyContainerSettings does for
 * an update (a swap limit without a memory limit is allowed here). Returns warnings.
 */
export function validateUpdate(req: UpdateRequest, host: HostCpus & { blkioWeight: boolean }): string[] {
  for (const k of INTEGERS) {
    const v = req[k];
    if (v !== undefined && v !== null && !Number.isInteger(v)) throw new InvalidParameterError(`json: cannot unmarshal ${JSON.stringify(v)} into Go struct field UpdateConfig.${k} of type int64`);
  }
  for (const k of ['CpusetCpus', 'CpusetMems']) {
    if (req[k] !== undefined && req[k] !== null && typeof req[k] !== 'string') throw new InvalidParameterError(`json: cannot unmarshal ${JSON.stringify(req[k])} into Go struct field UpdateConfig.${k} of type string`);
  }
  const rp = req.RestartPolicy;
  if (rp !== undefined && rp !== null && (typeof rp !== 'object' || typeof (rp.Name ?? '') !== 'string')) throw new InvalidParameterError('json: cannot unmarshal RestartPolicy');
  const { MemorySwap, AutoRemove: _a, ...rest } = req;
  validateHostConfig({ ...rest, ...(n(req.Memory) > 0 ? { MemorySwap } : {}), RestartPolicy: rp ?? { Name: '' } } as HostConfig, host);
  return checkBlkioWeight(n(req.BlkioWeight), host.blkioWeight);
}

/** The container's swap limit as dockerd records it: set at create (2x the memory limit when not given; 0 = no limit, -1 = unlimited). */
function recordedSwap(h: HostConfig): number {
  if (n(h.MemorySwap) !== 0) return n(h.MemorySwap);
  return n(h.Memory) > 0 ? 2 * n(h.Memory) : 0; // a record from before create stored the 2x
}

/** dockerd's UpdateContainer: the new HostConfig, or a conflict message (thrown as ConflictError). */
export function mergeUpdate(cur: HostConfig, req: UpdateRequest): HostConfig {
  const conflict = (m: string): ConflictError => new ConflictError(m);
  // NanoCpus sets period and quota: once one style is in use, the other cannot be updated.
  if (n(req.NanoCpus) > 0 && n(cur.CpuPeriod) > 0) throw conflict('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if (n(req.NanoCpus) > 0 && n(cur.CpuQuota) > 0) throw conflict('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if (n(req.CpuPeriod) > 0 && n(cur.NanoCpus) > 0) throw conflict('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if (n(req.CpuQuota) > 0 && n(cur.NanoCpus) > 0) throw conflict('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  const out: HostConfig = { ...cur };
  if (n(req.Memory) !== 0) {
    // As dockerd's UpdateContainer: the new limit must stay under the recorded swap limit unless that is updated too;
    // with no swap limit (0) or an unlimited one (-1) a memory limit needs a swap limit in the same update.
    const swap = recordedSwap(cur);
    if (n(req.Memory) > swap && n(req.MemorySwap) === 0) {
      throw conflict('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    if (n(cur.MemorySwap) === 0 && swap > 0) out.MemorySwap = swap;
    out.Memory = req.Memory;
  }
  for (const k of REPLACED_WHEN_SET) if (n(req[k]) !== 0) out[k] = req[k];
  for (const k of ['CpusetCpus', 'CpusetMems']) if (req[k]) out[k] = req[k];
  if (req.PidsLimit !== undefined && req.PidsLimit !== null) out.PidsLimit = n(req.PidsLimit) > 0 ? req.PidsLimit : 0;
  const rp = req.RestartPolicy;
  if (rp?.Name) {
    if (rp.Name !== 'no' && cur.AutoRemove) throw conflict('Restart policy cannot be updated because AutoRemove is enabled for the container');
    out.RestartPolicy = { Name: rp.Name, MaximumRetryCount: rp.MaximumRetryCount ?? 0 };
  }
  return out;
}

/** The resources of the request alone, in runc's form (0 or absent = unchanged, as dockerd passes them). */
export function toRuncResources(req: UpdateRequest): RuncResources {
  const r: RuncResources = {};
  const memory: NonNullable<RuncResources['memory']> = {};
  if (n(req.Memory) !== 0) memory.limit = n(req.Memory);
  if (n(req.MemorySwap) !== 0) memory.swap = n(req.MemorySwap);
  if (n(req.MemoryReservation) !== 0) memory.reservation = n(req.MemoryReservation);
  if (Object.keys(memory).length) r.memory = memory;
  const cpu: NonNullable<RuncResources['cpu']> = {};
  if (n(req.CpuShares) > 0) cpu.shares = n(req.CpuShares);
  if (n(req.NanoCpus) > 0) {
    cpu.period = 100_000;
    cpu.quota = Math.round(n(req.NanoCpus) * 100_000 / 1e9);
  } else {
    if (n(req.CpuQuota) !== 0) cpu.quota = n(req.CpuQuota);
    if (n(req.CpuPeriod) !== 0) cpu.period = n(req.CpuPeriod);
  }
  // real-time period and runtime are recorded but not applied to a running container, as dockerd's toContainerdResources
  if (typeof req.CpusetCpus === 'string' && req.CpusetCpus) cpu.cpus = req.CpusetCpus;
  if (typeof req.CpusetMems === 'string' && req.CpusetMems) cpu.mems = req.CpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;
  // runc: 0 leaves the limit alone, -1 writes "max"; docker's 0 and -1 both mean unlimited.
  if (req.PidsLimit !== undefined && req.PidsLimit !== null) r.pids = { limit: n(req.PidsLimit) > 0 ? n(req.PidsLimit) : -1 };
  if (n(req.BlkioWeight) > 0) r.blockIO = { weight: n(req.BlkioWeight) };
  return r;
}

/** `runc --root ROOT update -r - ID`, the resources as JSON on stdin. */
export function runcUpdate(runcPath: string, runcRoot: string, id: string, res: RuncResources): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = execFile(runcPath, ['--root', runcRoot, 'update', '-r', '-', id], { timeout: 30_000 }, (err, _out, stderr) => {
      if (!err) return resolve();
      // containerd's runc wrapper, then its gRPC status, as dockerd reports them
      const code = typeof err.code === 'number' ? err.code : 1;
      reject(new SystemError(`runc did not terminate successfully: exit status ${code}: ${runcMessage(stderr) || err.message}\n: unknown`, { cause: err }));
    });
    p.stdin?.on('error', () => undefined);
    p.stdin?.end(JSON.stringify(res));
  });
}

export interface UpdateDeps {
  db: Pick<ContainerDb, 'resolve' | 'byId' | 'save'>;
  events: EventSink;
  attrs(c: ContainerRecord): Record<string, string>;
  /** Change the cgroup limits of a running container. */
  applyResources(id: string, res: RuncResources): Promise<void>;
  /** The host's CPUs (default: what create checks against). */
  cpus?: HostCpus;
  blkioWeight?: boolean;
}

/** dockerd's ContainerUpdate: validate, merge and persist, apply when running (restore on failure), event. */
export async function updateContainer(d: UpdateDeps, idOrName: string, req: UpdateRequest): Promise<{ Warnings: string[] }> {
  const c = d.db.resolve(idOrName);
  const warnings = validateUpdate(req, { ...(d.cpus ?? hostCpus()), blkioWeight: d.blkioWeight ?? true });
  const req2: UpdateRequest = warnings.length && !(d.blkioWeight ?? true) ? { ...req, BlkioWeight: 0 } : req;
  if (c.state.Status === 'removing' || c.state.Dead) {
    throw new ConflictError(`Cannot update container ${c.id}: container is marked for removal and cannot be "update"`);
  }
  const backup = c.hostConfig;
  let merged: HostConfig;
  try {
    merged = mergeUpdate(backup, req2);
  } catch (e) {
    throw new ConflictError(`Cannot update container ${c.id}: ${errorMessage(e)}`, { cause: e });
  }
  c.hostConfig = merged;
  d.db.save(c);
  if (c.state.Running && !c.state.Restarting) {
    try {
      await d.applyResources(c.id, toRuncResources(req2));
    } catch (e) {
      // A container that exited meanwhile gets the new limits at its next start.
      if (c.state.Running) {
        if (d.db.byId(c.id)) {
          c.hostConfig = backup;
          d.db.save(c);
        }
        throw new SystemError(`Cannot update container ${c.id}: ${errorMessage(e)}`, { cause: e });
      }
    }
  }
  d.events.publish('container', 'update', c.id, d.attrs(c));
  return { Warnings: warnings };
}
