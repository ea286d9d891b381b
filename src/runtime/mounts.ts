/* The mounts of a container's spec, as Docker lays them out. */
import { existsSync } from 'node:fs';
import type { SpecInput } from '../core/runtime/types.ts';
import type { OciMount } from './oci-types.ts';

/** Where --init's binary appears inside the container (moby: /sbin/docker-init). */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

/** Docker's default --tmpfs options, merged with the user's. */
const TMPFS_DEFAULTS = ['noexec', 'nosuid', 'nodev'];
const FLAG_PAIRS: Record<string, string> = { exec: 'noexec', noexec: 'exec', suid: 'nosuid', nosuid: 'suid', dev: 'nodev', nodev: 'dev', ro: 'rw', rw: 'ro' };

/** Merge tmpfs options: later flags override their opposite, key=value pairs replace the same key. */
export function mergeTmpfsOptions(defaults: string[], user: string): string[] {
  const out = [...defaults];
  for (const raw of user.split(',')) {
    const opt = raw.trim();
    if (!opt) continue;
    const eq = opt.indexOf('=');
    if (eq > 0) {
      const key = opt.slice(0, eq + 1);
      const i = out.findIndex((o) => o.startsWith(key));
      if (i >= 0) out[i] = opt;
      else out.push(opt);
      continue;
    }
    const opposite = FLAG_PAIRS[opt];
    const j = opposite ? out.indexOf(opposite) : -1;
    if (j >= 0) out.splice(j, 1);
    if (!out.includes(opt)) out.push(opt);
  }
  return out;
}

function depth(p: string): number {
  return p.replace(/\/+$/, '').split('/').length;
}

/** Docker's default mounts: /proc, /dev, /dev/pts, /sys, /sys/fs/cgroup, /dev/mqueue, /dev/shm. */
function defaultMounts(input: SpecInput): OciMount[] {
  const priv = input.privileged;
  const hostIpc = input.namespaces.ipc === 'host';
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', priv ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', priv ? 'rw' : 'ro'] },
  ];
  // an mqueue mount shows the queues of the mounter's IPC namespace: the host's with --ipc host
  mounts.push({ destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] });
  if (input.shm === 'none') {
    // --ipc none: no /dev/shm at all
  } else if (typeof input.shm === 'object') {
    mounts.push({ destination: '/dev/shm', type: 'bind', source: input.shm.bind, options: ['rbind', 'nosuid', 'noexec', 'nodev'] });
  } else if (hostIpc && existsSync('/dev/shm')) {
    // the host's own /dev/shm, its mount flags as they are (dockerd binds it with rbind alone)
    mounts.push({ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind'] });
  } else {
    mounts.push({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${input.shmSize > 0 ? input.shmSize : 64 * 1024 * 1024}`] });
  }
  return mounts;
}

/**
 * All mounts of the spec: the defaults (less those a user mount replaces),
 * /etc/hosts, /etc/hostname, /etc/resolv.conf, then --tmpfs and user mounts
 * sorted so that parents mount before their children, then the init binary.
 */
export function buildMounts(input: SpecInput, initPath: string | null): OciMount[] {
  const user: OciMount[] = [
    ...Object.entries(input.tmpfs).map(([dest, opts]): OciMount => ({
      destination: dest, type: 'tmpfs', source: 'tmpfs', options: mergeTmpfsOptions(TMPFS_DEFAULTS, opts),
    })),
    ...input.mounts.map((m): OciMount => ({ destination: m.destination, type: m.type, source: m.source, options: [...m.options] })),
  ];
  const userDests = new Set(user.map((m) => m.destination.replace(/\/+$/, '') || '/'));
  const etcOpts = ['rbind', 'rprivate', ...(input.readonlyRootfs ? ['ro'] : [])];
  const etc: OciMount[] = [
    { destination: '/etc/resolv.conf', type: 'bind', source: input.etcFiles.resolvConf, options: etcOpts },
    { destination: '/etc/hostname', type: 'bind', source: input.etcFiles.hostname, options: etcOpts },
    { destination: '/etc/hosts', type: 'bind', source: input.etcFiles.hosts, options: etcOpts },
  ].filter((m) => m.source);
  const mounts = [...defaultMounts(input), ...etc].filter((m) => !userDests.has(m.destination));
  // stable sort: parents first, the user's order otherwise
  mounts.push(...user.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map((x) => x.m));
  if (input.init && initPath) {
    mounts.push({ destination: INIT_PATH_IN_CONTAINER, type: 'bind', source: initPath, options: ['bind', 'ro'] });
  }
  return mounts;
}
