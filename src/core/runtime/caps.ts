/* Linux capabilities: names, Docker's default set and --cap-add/--cap-drop. */
import { InvalidParameterError } from '../errors.ts';

/** Capability names by number (capability.h), up to CAP_CHECKPOINT_RESTORE (40). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Docker's default capabilities (moby oci/caps DefaultCapabilities). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** 'net_admin', 'NET_ADMIN', 'CAP_NET_ADMIN' → 'CAP_NET_ADMIN'; 'all' → 'ALL'. */
export function normalizeCap(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL' || upper === '') return upper;
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

function checkCaps(names: string[], what: 'CapAdd' | 'CapDrop'): string[] {
  const out = names.map(normalizeCap).filter((c) => c !== '');
  for (const c of out) {
    if (c !== 'ALL' && !ALL_CAPABILITIES.includes(c)) throw new InvalidParameterError(`invalid ${what}: unknown capability: "${c}"`);
  }
  return out;
}

/** --cap-add / --cap-drop names checked at create, with dockerd's words. */
export function checkCapabilities(capAdd: string[], capDrop: string[]): void {
  checkCaps(capAdd, 'CapAdd');
  checkCaps(capDrop, 'CapDrop');
}

/**
 * The container's capability set, as Docker computes it: --cap-add ALL gives
 * every capability but the dropped ones, --cap-drop ALL keeps only the added
 * ones, otherwise the defaults less the dropped plus the added.
 */
export function tweakCapabilities(base: readonly string[], capAdd: string[], capDrop: string[]): string[] {
  const add = checkCaps(capAdd, 'CapAdd');
  const drop = checkCaps(capDrop, 'CapDrop');
  let caps: string[];
  if (add.includes('ALL')) caps = ALL_CAPABILITIES.filter((c) => !drop.includes(c));
  else if (drop.includes('ALL')) caps = add;
  else caps = [...base.filter((c) => !drop.includes(c)), ...add];
  return [...new Set(caps)];
}

/** Capability names whose bits are set in a hex mask such as /proc/self/status's CapBnd. */
export function capsFromMask(hex: string): Set<string> {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  const out = new Set<string>();
  ALL_CAPABILITIES.forEach((name, bit) => {
    if ((mask >> BigInt(bit)) & 1n) out.add(name);
  });
  return out;
}
