import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import type { HostFacts, HostLimits } from '../core/system/types.ts';
import { hostSysInfo } from '../runtime/sysinfo.ts';

const run = promisify(execFile);

function osRelease(): { name: string; version: string } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (k: string): string => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
    return { name: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
  } catch {
    return { name: 'Linux', version: '' };
  }
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { timeout: 5000 });
    return stdout.split('\n')[0].trim();
  } catch {
    return '';
  }
}

/** Gather host facts once (the daemon keeps them). */
export async function gatherFacts(): Promise<HostFacts> {
  const os = osRelease();
  const [runc, tini] = await Promise.all([firstLine('runc', ['--version']), firstLine('tini', ['--version'])]);
  const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' };
  const unameArch: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ia32: 'i686' };
  return {
    kernelVersion: release(),
    operatingSystem: os.name,
    osVersion: os.version,
    architecture: unameArch[arch()] ?? arch(),
    goArch: goArch[arch()] ?? arch(),
    ncpu: cpus().length,
    memTotal: totalmem(),
    hostname: hostname(),
    cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
    runcVersion: /version\s+(\S+)/.exec(runc)?.[1] ?? '',
    initVersion: /version\s+(\S+)/.exec(tini)?.[1] ?? '',
    limits: hostLimits(),
  };
}

function hostLimits(): HostLimits {
  const i = hostSysInfo();
  return {
    memoryLimit: i.memoryLimit, swapLimit: i.swapLimit, cpuCfs: i.cpuCfs, cpuShares: i.cpuShares, cpuset: i.cpuset, pidsLimit: i.pidsLimit,
    oomKillDisable: i.oomKillDisable, blkioWeight: i.blkioWeight, blkioWeightDevice: i.blkioWeightDevice,
    blkioReadBps: i.blkioReadBpsDevice, blkioWriteBps: i.blkioWriteBpsDevice, blkioReadIOps: i.blkioReadIOpsDevice, blkioWriteIOps: i.blkioWriteIOpsDevice,
  };
}

/** A 0/1 file under /proc/sys: true for 1, false for 0 or when it is not there. */
export function procSysOn(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** `docker info` warnings, as dockerd words them, for what this host lacks. */
export function infoWarnings(f: Pick<HostFacts, 'limits' | 'cgroupVersion'>, net: { ipv4Forwarding: boolean; bridgeNfIptables: boolean; bridgeNfIp6tables: boolean }): string[] {
  const l = f.limits;
  const v2 = f.cgroupVersion === '2';
  const w: string[] = [];
  const need = (ok: boolean, text: string): void => { if (!ok) w.push(`WARNING: ${text}`); };
  need(l.memoryLimit, 'No memory limit support');
  need(l.swapLimit, 'No swap limit support');
  if (!v2) need(l.oomKillDisable, 'No oom kill disable support');
  need(l.cpuCfs, 'No cpu cfs quota support');
  need(l.cpuCfs, 'No cpu cfs period support');
  need(l.cpuShares, 'No cpu shares support');
  need(l.cpuset, 'No cpuset support');
  if (v2) {
    need(l.blkioWeight, 'No io.weight support');
    need(l.blkioWeightDevice, 'No io.weight (per device) support');
  }
  need(l.blkioReadBps, v2 ? 'No io.max (rbps) support' : 'No blkio throttle.read_bps_device support');
  need(l.blkioWriteBps, v2 ? 'No io.max (wbps) support' : 'No blkio throttle.write_bps_device support');
  need(l.blkioReadIOps, v2 ? 'No io.max (riops) support' : 'No blkio throttle.read_iops_device support');
  need(l.blkioWriteIOps, v2 ? 'No io.max (wiops) support' : 'No blkio throttle.write_iops_device support');
  need(net.ipv4Forwarding, 'IPv4 forwarding is disabled');
  need(net.bridgeNfIptables, 'bridge-nf-call-iptables is disabled');
  need(net.bridgeNfIp6tables, 'bridge-nf-call-ip6tables is disabled');
  return w;
}
