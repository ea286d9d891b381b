/*
 * --pid, --ipc and --uts: checked at create with dockerd's words, and turned
 * into the runtime's namespaces at start: "host", a private one, or the
 * namespace of another running container ("container:NAME", joined by
 * /proc/PID/ns/...).
 */
import { ConflictError, InvalidParameterError } from '../core/errors.ts';
import type { ContainerRecord, HostConfig } from '../core/containers/types.ts';
import type { SpecInput } from '../core/runtime/types.ts';
import { shmMounted, shmPath } from './ipc-shm.ts';

const IPC_MODES = ['', 'none', 'private', 'shareable', 'host'];

const peerOf = (mode: string): string | null => (mode.startsWith('container:') ? mode.slice('container:'.length) : null);

/**
 * At create: the modes are known ones. A container named in them is looked
 * up at start, as dockerd does (a NotFound from create would make the CLI
 * pull the image).
 */
export function checkNamespaceModes(h: HostConfig): void {
  const ipc = String(h.IpcMode ?? '');
  const pid = String(h.PidMode ?? '');
  const uts = String(h.UTSMode ?? '');
  if (!IPC_MODES.includes(ipc) && !(peerOf(ipc) ?? '')) throw new InvalidParameterError(`Invalid IPC mode: ${ipc}`);
  if (!['', 'host'].includes(pid) && !(peerOf(pid) ?? '')) throw new InvalidParameterError(`Invalid PID mode: ${pid}`);
  if (!['', 'host'].includes(uts)) throw new InvalidParameterError(`Invalid UTS mode: ${uts}`);
  const cgroupns = String(h.CgroupnsMode ?? '');
  if (!['', 'host', 'private'].includes(cgroupns)) throw new InvalidParameterError(`invalid cgroup namespace mode: ${cgroupns}`);
}

/** At start: the pid and IPC namespaces, and what /dev/shm is when it is not the usual private tmpfs. */
export function namespaceModes(c: ContainerRecord, resolve: (ref: string) => ContainerRecord): Pick<SpecInput['namespaces'], 'pid' | 'ipc' | 'uts'> & { shm?: SpecInput['shm'] } {
  const h = c.hostConfig;
  const pidMode = String(h.PidMode ?? '');
  const ipcMode = String(h.IpcMode ?? '');
  const uts = h.UTSMode === 'host' ? 'host' : 'private';
  let pid: SpecInput['namespaces']['pid'] = pidMode === 'host' ? 'host' : 'private';
  const pidPeer = peerOf(pidMode);
  if (pidPeer) {
    const o = resolve(pidPeer);
    if (!o.state.Running || !o.state.Pid) throw new ConflictError(`cannot join PID of a non running container: ${o.id}`);
    pid = { path: `/proc/${o.state.Pid}/ns/pid` };
  }
  const ipcPeer = peerOf(ipcMode);
  if (ipcPeer) {
    const o = resolve(ipcPeer);
    const what = `can't join IPC of container ${o.id}`;
    if (!o.state.Running || !o.state.Pid) throw new ConflictError(`${what}: container ${o.id} is not running`);
    if (o.hostConfig.IpcMode === 'host') return { pid, uts, ipc: 'host' };
    // only a donor whose /dev/shm lives outside it (IpcMode shareable) can be joined with it
    if (o.hostConfig.IpcMode !== 'shareable' || !shmMounted(o)) throw new ConflictError(`${what}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
    return { pid, uts, ipc: { path: `/proc/${o.state.Pid}/ns/ipc` }, shm: { bind: shmPath(o) } };
  }
  if (ipcMode === 'host') return { pid, uts, ipc: 'host' };
  if (ipcMode === 'shareable') return { pid, uts, ipc: 'private', shm: { bind: shmPath(c) } }; // mounted by the caller
  return { pid, uts, ipc: 'private', ...(ipcMode === 'none' ? { shm: 'none' as const } : {}) };
}
