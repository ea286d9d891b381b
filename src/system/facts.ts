import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import type { HostFacts } from '../core/system/types.ts';

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
  };
}
