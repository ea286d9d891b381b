import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpecInput } from '../core/runtime/types.ts';
import { ALL_CAPABILITIES, capsFromMask, DEFAULT_CAPABILITIES, tweakCapabilities } from '../core/runtime/caps.ts';
import { majorMinor } from './devices.ts';
import { missingAbis, parseLimits, RLIM_INFINITY, type HostFacts } from './host.ts';
import { mergeTmpfsOptions } from './mounts.ts';
import { specJson } from './oci-types.ts';
import { DEFAULT_SECCOMP_PROFILE, toOciSeccomp } from './seccomp.ts';
import { buildSpec, MASKED_PATHS } from './spec.ts';

const host: HostFacts = {
  arch: 'x64', kernel: '6.1.0-18-amd64', cgroupV2: false, swapAccounting: true, initPath: '/usr/bin/tini-static',
  limits: { nofile: { soft: 1024, hard: 20000 }, nproc: { soft: 1000, hard: 2000 }, core: { soft: 0, hard: RLIM_INFINITY } },
  capBounding: new Set(ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE')),
};

function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    id: 'c1', rootfs: '/r/merged', args: ['sh'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] },
    hostname: 'abc', tty: false, openStdin: false, etcFiles: { hosts: '/b/hosts', hostname: '/b/hostname', resolvConf: '/b/resolv.conf' },
    namespaces: { pid: 'private', ipc: 'private', uts: 'private', network: 'private' }, cgroupsPath: '/berth/c1', resources: {},
    capAdd: [], capDrop: [], privileged: false, readonlyRootfs: false, seccomp: 'default', noNewPrivileges: false, tmpfs: {},
    shmSize: 67108864, ulimits: [], devices: [], sysctls: {}, mounts: [], init: false, ...over,
  };
}

test('spec: Docker defaults for an ordinary container', async () => {
  const s = await buildSpec(input({ tty: true, user: { uid: 1000, gid: 100, additionalGids: [10] } }), host);
  assert.equal(s.process.terminal, true);
  assert.deepEqual(s.process.user, { uid: 1000, gid: 100, additionalGids: [10] });
  assert.deepEqual([...s.process.capabilities!.bounding].sort(), [...DEFAULT_CAPABILITIES].sort());
  assert.deepEqual(s.process.capabilities!.effective, s.process.capabilities!.bounding);
  assert.equal(s.process.oomScoreAdj, 0);
  assert.equal(s.process.noNewPrivileges, false);
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }], 'capped at the daemon hard limit');
  assert.equal(s.hostname, 'abc');
  assert.deepEqual(s.root, { path: '/r/merged', readonly: false });
  assert.deepEqual(s.linux.namespaces.map((n) => n.type), ['mount', 'network', 'uts', 'pid', 'ipc']);
  assert.equal(s.linux.cgroupsPath, '/berth/c1');
  assert.deepEqual(s.linux.maskedPaths, MASKED_PATHS);
  assert.ok(s.linux.readonlyPaths!.includes('/proc/sys'));
  assert.deepEqual(s.linux.resources!.devices![0], { allow: false, access: 'rwm' });
  assert.ok(s.linux.resources!.devices!.some((d) => d.allow && d.type === 'c' && d.major === 136 && d.minor === undefined));
  const dests = s.mounts.map((m) => m.destination);
  assert.deepEqual(dests, ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts']);
  assert.ok(s.mounts.find((m) => m.destination === '/dev/shm')!.options!.includes('size=67108864'));
  assert.ok(s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  assert.deepEqual(s.mounts.find((m) => m.destination === '/etc/hosts'), { destination: '/etc/hosts', type: 'bind', source: '/b/hosts', options: ['rbind', 'rprivate'] });
  assert.equal(s.linux.seccomp!.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.linux.seccomp!.defaultErrnoRet, 1);
  assert.equal(s.linux.devices, undefined);
});

test('spec: --cap-add/--cap-drop follow Docker, ALL included, and stay within the daemon bounding set', () => {
  assert.deepEqual(tweakCapabilities(DEFAULT_CAPABILITIES, ['net_admin'], ['CHOWN', 'cap_kill']).sort(),
    [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_KILL'), 'CAP_NET_ADMIN'].sort());
  assert.deepEqual(tweakCapabilities(DEFAULT_CAPABILITIES, ['SYS_ADMIN'], ['ALL']), ['CAP_SYS_ADMIN']);
  assert.deepEqual(tweakCapabilities(DEFAULT_CAPABILITIES, ['ALL'], ['NET_RAW']).length, ALL_CAPABILITIES.length - 1);
  assert.throws(() => tweakCapabilities(DEFAULT_CAPABILITIES, ['NOPE'], []), /unknown capability: "CAP_NOPE"/);
  assert.deepEqual([...capsFromMask('0000000000000003')], ['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
});

test('spec: privileged gets every capability the daemon holds, all devices, no masking and no seccomp', async () => {
  const s = await buildSpec(input({ privileged: true }), host);
  assert.equal(s.process.capabilities!.bounding.length, ALL_CAPABILITIES.length - 1);
  assert.ok(!s.process.capabilities!.bounding.includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(s.linux.resources!.devices, [{ allow: true, access: 'rwm' }]);
  assert.ok(s.linux.devices!.some((d) => d.path === '/dev/null' && d.major === 1 && d.minor === 3));
  assert.equal(s.linux.maskedPaths, undefined);
  assert.equal(s.linux.readonlyPaths, undefined);
  assert.equal(s.linux.seccomp, undefined);
  assert.ok(s.mounts.find((m) => m.destination === '/sys')!.options!.includes('rw'));
});

test('spec: seccomp follows capabilities and architecture; unconfined and custom profiles', async () => {
  const seccomp = (caps: string[]) => toOciSeccomp(DEFAULT_SECCOMP_PROFILE, caps, host);
  const names = (caps: string[]) => new Set(seccomp(caps).syscalls!.flatMap((r) => r.names));
  assert.deepEqual(seccomp([]).architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  // a kernel built without the x32 ABI gets no x32 filter (it would only cost runc time)
  assert.deepEqual(toOciSeccomp(DEFAULT_SECCOMP_PROFILE, [], { ...host, missingAbis: ['SCMP_ARCH_X32'] }).architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  // a custom profile's explicit architectures stay as written
  assert.deepEqual(toOciSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X32'] }, [], { ...host, missingAbis: ['SCMP_ARCH_X32'] }).architectures, ['SCMP_ARCH_X32']);
  assert.ok(names([]).has('arch_prctl'));
  assert.ok(!names([]).has('s390_runtime_instr'));
  assert.ok(!names([]).has('mount'));
  assert.ok(names(['CAP_SYS_ADMIN']).has('mount'));
  // clone with namespace flags is allowed only with CAP_SYS_ADMIN; clone3 then gets ENOSYS
  const clone3 = seccomp([]).syscalls!.find((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO');
  assert.equal(clone3?.errnoRet, 38);
  assert.equal(seccomp(['CAP_SYS_ADMIN']).syscalls!.find((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO'), undefined);
  const socket = seccomp([]).syscalls!.find((r) => r.names[0] === 'socket' && r.args);
  assert.deepEqual(socket!.args, [{ index: 0, value: 38, valueTwo: 0, op: 'SCMP_CMP_LT' }]);
  const arm = toOciSeccomp(DEFAULT_SECCOMP_PROFILE, [], { arch: 'arm64', kernel: '6.1' });
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.ok(!new Set(arm.syscalls!.flatMap((r) => r.names)).has('arch_prctl'));

  assert.equal((await buildSpec(input({ seccomp: 'unconfined' }), host)).linux.seccomp, undefined);
  const custom = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'chmod', action: 'SCMP_ACT_ERRNO' }, { names: ['mount'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_SYS_ADMIN'] } }] };
  assert.deepEqual((await buildSpec(input({ seccomp: { profile: custom } }), host)).linux.seccomp,
    { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['chmod'], action: 'SCMP_ACT_ERRNO' }] });
  await assert.rejects(buildSpec(input({ seccomp: { profile: { syscalls: [] } } }), host), /defaultAction/);
});

test('spec: resources, ulimits and namespaces', async () => {
  let s = await buildSpec(input({
    resources: { memory: 64 << 20, memoryReservation: 32 << 20, oomKillDisable: true, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, cpusetCpus: '0', pidsLimit: 10 },
    ulimits: [{ name: 'nproc', soft: 100, hard: 5000 }, { name: 'nofile', soft: 50000, hard: 60000 }, { name: 'core', soft: -1, hard: -1 }],
    namespaces: { pid: 'host', ipc: 'host', uts: 'host', network: 'host' },
  }), host);
  assert.deepEqual(s.linux.resources!.memory, { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20, disableOOMKiller: true });
  assert.deepEqual(s.linux.resources!.cpu, { shares: 512, quota: 50000, period: 100000, cpus: '0' });
  assert.deepEqual(s.linux.resources!.pids, { limit: 10 });
  const more = await buildSpec(input({ resources: {
    memorySwappiness: 0, cpusetMems: '0', cpuRealtimePeriod: 1000, cpuRealtimeRuntime: 500,
    blkio: { weight: 300, throttleReadBpsDevice: [{ major: 7, minor: 0, rate: 1 << 20 }] },
  } }), host);
  assert.deepEqual(more.linux.resources!.memory, { swappiness: 0 });
  assert.deepEqual(more.linux.resources!.cpu, { mems: '0', realtimePeriod: 1000, realtimeRuntime: 500 });
  assert.deepEqual(more.linux.resources!.blockIO, { weight: 300, throttleReadBpsDevice: [{ major: 7, minor: 0, rate: 1 << 20 }] });
  assert.equal((await buildSpec(input({ resources: { blkio: {} } }), host)).linux.resources!.blockIO, undefined);
  assert.deepEqual(s.process.rlimits, [
    { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 },
    { type: 'RLIMIT_NPROC', hard: 2000, soft: 100 },
    { type: 'RLIMIT_CORE', hard: RLIM_INFINITY, soft: RLIM_INFINITY },
  ]);
  assert.match(specJson(s), /"hard": 18446744073709551615/);
  assert.deepEqual(s.linux.namespaces, [{ type: 'mount' }]);
  assert.equal(s.linux.sysctl, undefined, 'no netns sysctls in the host network namespace');
  assert.equal(s.hostname, undefined, 'no hostname without a UTS namespace');
  assert.deepEqual(s.mounts.find((m) => m.destination === '/dev/shm'), { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind'] }, 'the host\'s /dev/shm with its own flags');

  s = await buildSpec(input({ resources: { memory: 64 << 20, memorySwap: -1 }, namespaces: { pid: 'private', ipc: 'private', uts: 'private', network: { path: '/run/netns/x' } } }), host);
  assert.equal(s.linux.resources!.memory!.swap, -1);
  assert.deepEqual(s.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/x' });
  s = await buildSpec(input({ resources: { memory: 64 << 20 } }), { ...host, swapAccounting: false, cgroupV2: true });
  assert.deepEqual(s.linux.resources!.memory, { limit: 64 << 20 });
  assert.ok(s.linux.namespaces.some((n) => n.type === 'cgroup'), 'private cgroupns on v2');
  const limits = parseLimits('Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 20000                files\nMax core file size        0                    unlimited            bytes\n');
  assert.deepEqual(limits, { nofile: { soft: 1024, hard: 20000 }, core: { soft: 0, hard: RLIM_INFINITY } });
});

test('spec: mounts: tmpfs options, user mounts replace defaults and sort parents first, read-only rootfs, init', async () => {
  assert.deepEqual(mergeTmpfsOptions(['noexec', 'nosuid', 'nodev'], 'rw,exec,size=64k'), ['nosuid', 'nodev', 'rw', 'exec', 'size=64k']);
  const s = await buildSpec(input({
    readonlyRootfs: true, init: true,
    tmpfs: { '/run': 'size=1m', '/dev/shm': 'size=2m' },
    mounts: [{ source: '/h/b', destination: '/data/b', type: 'bind', options: ['rbind', 'ro'] }, { source: '/h/a', destination: '/data', type: 'bind', options: ['rbind', 'rw'] }],
  }), host);
  const dests = s.mounts.map((m) => m.destination);
  assert.equal(dests.filter((d) => d === '/dev/shm').length, 1);
  assert.deepEqual(s.mounts.find((m) => m.destination === '/dev/shm')!.options, ['noexec', 'nosuid', 'nodev', 'size=2m']);
  assert.ok(dests.indexOf('/data') < dests.indexOf('/data/b'));
  assert.deepEqual(s.mounts.find((m) => m.destination === '/etc/hosts')!.options, ['rbind', 'rprivate', 'ro']);
  assert.equal(s.root.readonly, true);
  assert.deepEqual(s.process.args, ['/sbin/docker-init', '--', 'sh']);
  assert.deepEqual(s.mounts.at(-1), { destination: '/sbin/docker-init', type: 'bind', source: '/usr/bin/tini-static', options: ['bind', 'ro'] });
  await assert.rejects(buildSpec(input({ init: true }), { ...host, initPath: null }), /init/);
  await assert.rejects(buildSpec(input({ args: [] }), host), /no command/);
});

test('spec: --device adds the node and a cgroup rule; sysctls pass through', async () => {
  const s = await buildSpec(input({ devices: [{ pathOnHost: '/dev/null', pathInContainer: '/dev/mynull', permissions: 'rw' }], sysctls: { 'net.ipv4.ip_forward': '1' } }), host);
  assert.deepEqual(s.linux.devices!.map((d) => [d.path, d.type, d.major, d.minor]), [['/dev/mynull', 'c', 1, 3]]);
  assert.deepEqual(s.linux.resources!.devices!.at(-1), { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' });
  assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ip_forward': '1' });
  await assert.rejects(buildSpec(input({ devices: [{ pathOnHost: '/dev/nope', pathInContainer: '/dev/nope', permissions: 'rwm' }] }), host), /no such file/);
  await assert.rejects(buildSpec(input({ devices: [{ pathOnHost: '/dev/null', pathInContainer: '/dev/x', permissions: 'rwx' }] }), host), /permissions/);
  assert.deepEqual(majorMinor(0x10305n), { major: 259, minor: 5 });
  assert.deepEqual(majorMinor(259 * 256 + 5), { major: 259, minor: 5 });
});

test('spec: a shared bind makes the root shared, a slave one rslave; private binds keep runc\'s default', async () => {
  const bind = (options: string[]) => ({ source: '/h', destination: '/b', type: 'bind', options });
  assert.equal((await buildSpec(input({ mounts: [bind(['rbind', 'rshared'])] }), host)).linux.rootfsPropagation, 'shared');
  assert.equal((await buildSpec(input({ mounts: [bind(['rbind', 'rslave'])] }), host)).linux.rootfsPropagation, 'rslave');
  assert.equal((await buildSpec(input({ mounts: [bind(['rbind', 'rprivate'])] }), host)).linux.rootfsPropagation, undefined);
  assert.equal((await buildSpec(input(), host)).linux.rootfsPropagation, undefined);
});

test('host: ABIs a kernel build config leaves out', () => {
  assert.deepEqual(missingAbis('CONFIG_IA32_EMULATION=y\n# CONFIG_X86_X32_ABI is not set\nCONFIG_COMPAT_32=y\n'), ['SCMP_ARCH_X32']);
  assert.deepEqual(missingAbis('# CONFIG_IA32_EMULATION is not set\n# CONFIG_X86_X32_ABI is not set\n'), ['SCMP_ARCH_X32', 'SCMP_ARCH_X86']);
  assert.deepEqual(missingAbis('CONFIG_IA32_EMULATION=y\nCONFIG_X86_X32_ABI=y\n'), []);
  // an unknown config (none readable) removes nothing
  assert.deepEqual(missingAbis(''), []);
});
