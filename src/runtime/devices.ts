/* Device nodes: --device, privileged containers' host devices, and the default cgroup rules. */
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameterError } from '../core/errors.ts';
import type { OciDevice, OciDeviceRule } from './oci-types.ts';

/** Docker's default device cgroup rules (moby oci.DefaultLinuxSpec): deny all, then these. */
export const DEFAULT_DEVICE_RULES: readonly OciDeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },                      // mknod of any char device
  { allow: true, type: 'b', access: 'm' },                      // mknod of any block device
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // /dev/console
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 136, access: 'rwm' },        // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
];

/** Linux's dev_t encoding (glibc major()/minor()). */
export function majorMinor(rdev: number | bigint): { major: number; minor: number } {
  const d = BigInt(rdev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  return { major, minor };
}

/** The device node at `path`, or null when it is not a character or block device. */
export async function deviceAt(path: string, pathInContainer = path): Promise<OciDevice | null> {
  const st = await stat(path, { bigint: true });
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : null;
  if (!type) return null;
  const { major, minor } = majorMinor(st.rdev);
  return { type, path: pathInContainer, major, minor, fileMode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/**
 * Devices for one --device: a device node, or every device under a directory
 * (as Docker does), with cgroup rules for `permissions` (a subset of "rwm").
 */
export async function userDevices(pathOnHost: string, pathInContainer: string, permissions: string): Promise<{ devices: OciDevice[]; rules: OciDeviceRule[] }> {
  if (!/^[rwm]{1,3}$/.test(permissions)) throw new InvalidParameterError(`invalid device cgroup permissions: ${permissions}`);
  let st;
  try {
    st = await stat(pathOnHost);
  } catch (e) {
    throw new InvalidParameterError(`error gathering device information while adding custom device "${pathOnHost}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  const devices: OciDevice[] = [];
  if (st.isDirectory()) {
    for (const d of await walkDevices(pathOnHost, [])) {
      devices.push({ ...d, path: join(pathInContainer, d.path.slice(pathOnHost.length)) });
    }
  } else {
    const d = await deviceAt(pathOnHost, pathInContainer);
    if (!d) throw new InvalidParameterError(`error gathering device information while adding custom device "${pathOnHost}": not a device node`);
    devices.push(d);
  }
  const rules = devices.map((d): OciDeviceRule => ({ allow: true, type: d.type as 'c' | 'b', major: d.major, minor: d.minor, access: permissions }));
  return { devices, rules };
}

const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

async function walkDevices(dir: string, out: OciDevice[], top = true): Promise<OciDevice[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = await lstat(p).catch(() => null);
    if (!st) continue;
    if (st.isDirectory()) {
      if (!(top && SKIP_DIRS.has(name))) await walkDevices(p, out, false);
      continue;
    }
    if (p === '/dev/console' || !(st.isCharacterDevice() || st.isBlockDevice())) continue;
    const d = await deviceAt(p).catch(() => null);
    if (d) out.push(d);
  }
  return out;
}

/** Every device node of the host's /dev, for privileged containers (moby devices.HostDevices). */
export async function hostDevices(): Promise<OciDevice[]> {
  return walkDevices('/dev', []);
}

/**
 * A --device-cgroup-rule ("c 42:* rmw", "b 8:0 r", "a *:* rwm") as an OCI
 * device rule; "*" is a wildcard (left out). dockerd's error for a malformed one.
 */
export function parseDeviceCgroupRule(rule: string): OciDeviceRule {
  const m = /^([acb]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(rule.trim());
  if (!m) throw new InvalidParameterError(`invalid device cgroup format '${rule}'`);
  const out: OciDeviceRule = { allow: true, type: m[1] as 'a' | 'c' | 'b', access: m[4] };
  if (m[2] !== '*') out.major = Number(m[2]);
  if (m[3] !== '*') out.minor = Number(m[3]);
  return out;
}
