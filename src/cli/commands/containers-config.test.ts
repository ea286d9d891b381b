import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseFlags } from '../framework/flags.ts';
import { buildCreateRequest } from './containers-config.ts';
import { createFlags } from './containers-flags.ts';
import {
  effectiveCaps, parseCpus, parseDevice, parseDuration, parseKeyValueFile, parseRestartPolicy, parseUlimit, ulimitList,
} from './containers-parse.ts';
import { csvFields, parseMount, parsePorts, splitVolumes } from './containers-ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function body(args: string[], env: Record<string, string> = {}): Record<string, any> {
  return buildCreateRequest(parseFlags(createFlags(), args, { interspersed: false }), env, [0, 0]).body;
}

test('defaults: the body docker 28 sends for `create busybox`', () => {
  const b = body(['busybox']);
  assert.deepEqual(Object.keys(b), [
    'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'Env', 'Cmd',
    'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels', 'HostConfig', 'NetworkingConfig',
  ]);
  const h = b.HostConfig;
  assert.deepEqual([b.Env, b.Cmd, b.Entrypoint, b.Labels, b.Volumes], [null, null, null, {}, {}]);
  assert.deepEqual([h.NetworkMode, h.RestartPolicy, h.MemorySwappiness, h.Dns, h.Ulimits, h.Devices, h.CapAdd, h.ConsoleSize],
    ['default', { Name: 'no', MaximumRetryCount: 0 }, -1, [], [], [], null, [0, 0]]);
  assert.equal(h.Init, undefined);
  assert.deepEqual(Object.keys(b.NetworkingConfig.EndpointsConfig), ['default']);
});

test('resources, limits, restart, health and namespaces', () => {
  const b = body(['--rm', '-m', '512m', '--memory-swap', '-1', '--memory-reservation', '100k', '--cpus', '1.5', '--shm-size', '64m',
    '--pids-limit', '100', '--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=10', '--ulimit', 'nofile=5', '--init', '--stop-timeout', '7',
    '--health-cmd', 'true', '--health-interval', '5s', '--health-timeout', '1m30s', '--pid', 'host', '--cap-add', 'net_admin',
    '--cap-drop', 'ALL', '--device', '/dev/null:/dev/x:r', '--tmpfs', '/tmp:size=1m', '--sysctl', 'net.a=1', 'busybox', 'sh']);
  const h = b.HostConfig;
  assert.deepEqual([h.Memory, h.MemorySwap, h.MemoryReservation, h.NanoCpus, h.ShmSize, h.PidsLimit, h.AutoRemove, h.Init, h.PidMode],
    [536870912, -1, 102400, 1500000000, 67108864, 100, true, true, 'host']);
  assert.deepEqual(h.Ulimits, [{ Name: 'nofile', Hard: 5, Soft: 5 }, { Name: 'nproc', Hard: 10, Soft: 10 }]);
  assert.deepEqual([h.CapAdd, h.CapDrop], [['CAP_NET_ADMIN'], ['ALL']]);
  assert.deepEqual(h.Devices, [{ PathOnHost: '/dev/null', PathInContainer: '/dev/x', CgroupPermissions: 'r' }]);
  assert.deepEqual([h.Tmpfs, h.Sysctls], [{ '/tmp': 'size=1m' }, { 'net.a': '1' }]);
  assert.deepEqual(b.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Timeout: 90e9 });
  assert.equal(b.StopTimeout, 7);
});

test('env files, -e from the environment, label files', () => {
  const envFile = join(dir, 'env.list');
  writeFileSync(envFile, '\uFEFFA=1\n# comment\n  FROMHOST\nUNSET\nC=3  \n\n');
  const labels = join(dir, 'labels');
  writeFileSync(labels, 'la=1\nbare\n');
  const b = body(['--env-file', envFile, '-e', 'X=1', '-e', 'FROMHOST', '-e', 'NOPE', '--label-file', labels, '-l', 'k', 'busybox'], { FROMHOST: 'h' });
  assert.deepEqual(b.Env, ['A=1', 'FROMHOST=h', 'C=3  ', 'X=1', 'FROMHOST=h', 'NOPE']);
  assert.deepEqual(b.Labels, { k: '', la: '1' });
  writeFileSync(envFile, 'export X=1\n');
  assert.throws(() => body(['--env-file', envFile, 'busybox']), /invalid env file \(.*env.list\): variable 'export X' contains whitespaces/);
  assert.throws(() => parseKeyValueFile(join(dir, 'none')), /open .*none: no such file or directory/);
});

test('ports, volumes, mounts and networks', () => {
  const b = body(['-p', '127.0.0.1:8000-8001:80-81/udp', '-p', '9000', '--expose', '7000', '-v', '/a:/b:ro', '-v', '/anon',
    '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', '--network', 'mynet', '--network-alias', 'web', 'busybox']);
  assert.deepEqual(b.ExposedPorts, { '7000/tcp': {}, '80/udp': {}, '81/udp': {}, '9000/tcp': {} });
  assert.deepEqual(b.HostConfig.PortBindings['81/udp'], [{ HostIp: '127.0.0.1', HostPort: '8001' }]);
  assert.deepEqual([b.HostConfig.Binds, b.Volumes], [['/a:/b:ro'], { '/anon': {} }]);
  assert.deepEqual(b.HostConfig.Mounts, [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576 } }]);
  assert.deepEqual(b.NetworkingConfig.EndpointsConfig.mynet.Aliases, ['web']);
  assert.equal(b.HostConfig.NetworkMode, 'mynet');
  assert.deepEqual(body(['--network', 'host', 'busybox']).NetworkingConfig.EndpointsConfig, {});
  assert.throws(() => body(['--network-alias', 'x', 'busybox']), /network-scoped aliases are only supported for user-defined networks/);
  assert.throws(() => body(['--network', 'host', '--network', 'mynet', 'busybox']), /cannot attach both user-defined and non-user-defined/);
});

test('conflicts and invalid values report docker\'s messages', () => {
  assert.throws(() => body(['--rm', '--restart', 'always', 'busybox']), /conflicting options: cannot specify both --restart and --rm/);
  assert.throws(() => body(['--no-healthcheck', '--health-retries', '2', 'busybox']), /--no-healthcheck conflicts with --health-\* options/);
  assert.throws(() => body(['--memory-swappiness', '101', 'busybox']), /invalid value: 101\. Valid memory swappiness range is 0-100/);
  assert.throws(() => body(['--pid', 'bogus', 'busybox']), /--pid: invalid PID mode/);
  assert.throws(() => body(['-p', '80:80:80:x', 'busybox']), /invalid IP address: 80:80/);
  assert.throws(() => body(['--security-opt', 'bad', 'busybox']), /Invalid --security-opt: "bad"/);
  assert.throws(() => parseFlags(createFlags(), ['-e', '=x', 'busybox']), /invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x/);
  assert.throws(() => parseFlags(createFlags(), ['--sysctl', 'kernel.x=1']), /sysctl 'kernel.x=1' is not allowed/);
});

test('value parsers: cpus, durations, ulimits, devices, restart policies, capabilities', () => {
  assert.deepEqual([parseCpus('1.5'), parseCpus('3/2'), parseCpus('2e-3'), parseCpus('-1')], [1.5e9, 1.5e9, 2e6, -1e9]);
  assert.throws(() => parseCpus('1/3'), /value is too precise/);
  assert.throws(() => parseCpus('abc'), /failed to parse abc as a rational number/);
  assert.deepEqual([parseDuration('1m30s'), parseDuration('100ms'), parseDuration('1.5h'), parseDuration('0')], [90e9, 1e8, 5400e9, 0]);
  assert.throws(() => parseDuration('5'), /time: missing unit in duration "5"/);
  assert.throws(() => parseDuration('5x'), /time: unknown unit "x" in duration "5x"/);
  assert.deepEqual(parseUlimit('nofile=-1'), { Name: 'nofile', Hard: -1, Soft: -1 });
  assert.throws(() => parseUlimit('nofile=5:3'), /soft limit must be less than or equal to hard limit: 5 > 3/);
  assert.throws(() => parseUlimit('nofile=1:2:3'), /too many limit value arguments/);
  assert.equal(ulimitList([]).length, 0);
  assert.deepEqual(parseDevice('/dev/sda:rw'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rw' });
  assert.throws(() => parseDevice('/dev/sda:/x:bad'), /bad mode specified: bad/);
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.throws(() => parseRestartPolicy(':3'), /no policy provided before colon/);
  assert.deepEqual(effectiveCaps(['chown', 'ALL'], ['chown', 'net_raw']), { capAdd: ['ALL'], capDrop: ['CAP_CHOWN', 'CAP_NET_RAW'] });
});

test('port specs, volume split, csv fields and --mount options', () => {
  assert.deepEqual(parsePorts(['8080-8090:80'], []).bindings, { '80/tcp': [{ HostIp: '', HostPort: '8080-8090' }] });
  assert.deepEqual(parsePorts(['[::1]:80:80'], []).bindings['80/tcp'], [{ HostIp: '::1', HostPort: '80' }]);
  assert.throws(() => parsePorts(['80-81:90-95'], []), /invalid ranges specified for container and host Ports: 90-95 and 80-81/);
  assert.throws(() => parsePorts([], ['80:90']), /invalid port format for --expose: 80:90/);
  assert.deepEqual(splitVolumes(['/x']), { binds: null, volumes: { '/x': {} } });
  assert.deepEqual(csvFields('a,"b,c",d'), ['a', 'b,c', 'd']);
  assert.deepEqual(parseMount('type=volume,dst=/a,volume-opt=o=1,volume-nocopy,volume-driver=local'),
    { Type: 'volume', Target: '/a', VolumeOptions: { NoCopy: true, DriverConfig: { Name: 'local', Options: { o: '1' } } } });
  assert.throws(() => parseMount('type=bind'), /target is required/);
  assert.throws(() => parseMount('type=bind,dst=/a,volume-nocopy'), /cannot mix 'volume-\*' options with mount type 'bind'/);
});
