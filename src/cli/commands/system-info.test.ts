import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tabwrite } from '../format/tabwriter.ts';
import { goInfo, goVersion } from './api-shapes.ts';
import { clientInfoText, needsServerInfo, reformatDate, serverInfoText, serverVersion, versionText } from './system-info.ts';

const VERSION = {
  Platform: { Name: 'Berth Engine' },
  Components: [
    { Name: 'Engine', Version: '0.1.0', Details: { ApiVersion: '1.50', Arch: 'amd64', BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: 'node v24.9.0', KernelVersion: '6.1', MinAPIVersion: '1.24', Os: 'linux' } },
    { Name: 'runc', Version: '1.1.5', Details: { GitCommit: '' } },
  ],
  Version: '0.1.0', ApiVersion: '1.50', MinAPIVersion: '1.24', GitCommit: '', GoVersion: 'node v24.9.0', Os: 'linux', Arch: 'amd64', KernelVersion: '6.1', BuildTime: '',
};
const CLIENT = { Version: '0.1.0', ApiVersion: '1.50', DefaultAPIVersion: '1.50', GoVersion: 'node v24.9.0', Os: 'linux', Arch: 'amd64', Context: 'default' };

test('version: client and server sections aligned like docker (tabwriter 20/1)', () => {
  const text = tabwrite(versionText(CLIENT, serverVersion(structuredClone(VERSION))), { minwidth: 20, padding: 1, padchar: ' ' });
  assert.equal(text, [
    'Client:',
    ' Version:           0.1.0',
    ' API version:       1.50',
    ' Go version:        node v24.9.0',
    ' Git commit:        ',
    ' Built:             ',
    ' OS/Arch:           linux/amd64',
    ' Context:           default',
    '',
    'Server: Berth Engine',
    ' Engine:',
    '  Version:          0.1.0',
    '  API version:      1.50 (minimum version 1.24)',
    '  Go version:       node v24.9.0',
    '  Git commit:       ',
    '  Built:            ',
    '  OS/Arch:          linux/amd64',
    '  Experimental:     false',
    ' runc:',
    '  Version:          1.1.5',
    '  GitCommit:        ',
    '',
  ].join('\n'));
});

test('version: without the daemon only the client part', () => {
  assert.match(versionText(CLIENT, undefined), /^Client:\n Version:\t0\.1\.0\n[^]*Context:\tdefault\n$/);
});

test('version: an Engine component is made up from the top-level fields when missing', () => {
  const sv = serverVersion({ ...structuredClone(VERSION), Components: [] });
  assert.equal(sv.Components[0].Name, 'Engine');
  assert.equal(sv.Components[0].Details.MinAPIVersion, '1.24');
  assert.equal(sv.APIVersion, '1.50');
});

test('version/info JSON shapes follow the Go structs (order, omitempty, zero values)', () => {
  assert.deepEqual(Object.keys(goVersion(VERSION)), ['Platform', 'Components', 'Version', 'ApiVersion', 'MinAPIVersion', 'GitCommit', 'GoVersion', 'Os', 'Arch', 'KernelVersion']);
  const info = goInfo({ Warnings: [], OomKillDisable: true, ID: 'x', Debug: false, NFd: 3 });
  const keys = Object.keys(info);
  assert.ok(keys.indexOf('NFd') < keys.indexOf('OomKillDisable') && keys.indexOf('OomKillDisable') < keys.indexOf('NGoroutines'));
  assert.equal(info.CDISpecDirs, null);
  assert.equal('SystemStatus' in info, false);
});

test('reformatDate gives time.ANSIC for RFC 3339 build times', () => {
  assert.equal(reformatDate('2025-05-30T12:07:14.000000000Z'), 'Fri May 30 12:07:14 2025');
  assert.equal(reformatDate('2025-05-03T02:07:14Z'), 'Sat May  3 02:07:14 2025');
  assert.equal(reformatDate(''), '');
});

const INFO = {
  ID: 'id-1', Containers: 1, ContainersRunning: 1, ContainersPaused: 0, ContainersStopped: 0, Images: 2, Driver: 'overlay2',
  DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']],
  Plugins: { Volume: ['local'], Network: ['bridge', 'host'], Authorization: null, Log: ['json-file'] },
  Debug: false, LoggingDriver: 'json-file', CgroupDriver: 'cgroupfs', CgroupVersion: '1', KernelVersion: '6.1', OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
  OSType: 'linux', Architecture: 'x86_64', NCPU: 2, MemTotal: 25276502016, DockerRootDir: '/var/lib/berth', Name: 'vm', Labels: [],
  ExperimentalBuild: false, ServerVersion: '0.1.0', Runtimes: { runc: { path: 'runc' } }, DefaultRuntime: 'runc',
  Swarm: { LocalNodeState: 'inactive' }, LiveRestoreEnabled: false, InitBinary: 'docker-init', ContainerdCommit: { ID: '' },
  RuncCommit: { ID: '1.1.5' }, InitCommit: { ID: '0.19.0' }, SecurityOptions: ['name=seccomp,profile=builtin', 'name=cgroupns'],
  RegistryConfig: {
    IndexConfigs: { 'docker.io': { Name: 'docker.io', Secure: true }, 'reg.local:5000': { Name: 'reg.local:5000', Secure: false } },
    InsecureRegistryCIDRs: ['127.0.0.0/8'], Mirrors: ['https://mirror.example'],
  },
};

test('info: docker labels and layout for the server section', () => {
  assert.equal(serverInfoText(INFO, { debug: false, userName: '' }), [
    ' Containers: 1', '  Running: 1', '  Paused: 0', '  Stopped: 0', ' Images: 2', ' Server Version: 0.1.0', ' Storage Driver: overlay2',
    '  Backing Filesystem: extfs', '  Supports d_type: true', ' Logging Driver: json-file', ' Cgroup Driver: cgroupfs', ' Cgroup Version: 1',
    ' Plugins:', '  Volume: local', '  Network: bridge host', '  Log: json-file', ' Swarm: inactive', ' Runtimes: runc', ' Default Runtime: runc',
    ' Init Binary: docker-init', ' containerd version: ', ' runc version: 1.1.5', ' init version: 0.19.0', ' Security Options:', '  seccomp',
    '   Profile: builtin', '  cgroupns', ' Kernel Version: 6.1', ' Operating System: Debian GNU/Linux 12 (bookworm)', ' OSType: linux',
    ' Architecture: x86_64', ' CPUs: 2', ' Total Memory: 23.54GiB', ' Name: vm', ' ID: id-1', ' Docker Root Dir: /var/lib/berth',
    ' Debug Mode: false', ' Experimental: false', ' Insecure Registries:', '  reg.local:5000', '  127.0.0.0/8', ' Registry Mirrors:',
    '  https://mirror.example', ' Live Restore Enabled: false', '', '',
  ].join('\n'));
});

test('info: client section and debug lines', () => {
  assert.equal(clientInfoText({ Version: '0.1.0', Context: 'default', Debug: true }), 'Client:\n Version:    0.1.0\n Context:    default\n Debug Mode: true\n');
  assert.match(serverInfoText({ ...INFO, NFd: 12 }, { debug: true, userName: 'bob' }), /Debug Mode: false\n {2}File Descriptors: 12\n[^]* Username: bob\n/);
});

test('info --format: only templates reading server fields contact the daemon', () => {
  assert.equal(needsServerInfo('{{json .ClientInfo}}'), false);
  assert.equal(needsServerInfo('{{.ClientInfo.Version}} {{range .ClientErrors}}{{.}}{{end}}'), false);
  assert.equal(needsServerInfo('{{.ServerVersion}}'), true);
  assert.equal(needsServerInfo('{{json .}}'), true);
});
