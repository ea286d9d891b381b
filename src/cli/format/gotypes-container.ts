/**
 * container.InspectResponse of moby v28 (api/types/container, network,
 * mount, blkiodev, go-units, go-connections/nat) as a Go type schema:
 * fields in declaration order, JSON names where they differ.
 */
import type { GoStruct, StructType } from './govalues.ts';
import {
  BOOL, DESCRIPTOR, DRIVER_DATA, embed, FILEMODE, HEALTH_CONFIG, INT, map, PORT_SET, ptr, SET, slice, STR, STRMAP, STRS, struct, TIME,
} from './gotypes.ts';

const field = (s: GoStruct, name: string): unknown => s.values[s.type.fields.findIndex((f) => f.name === name)];

const HEALTHCHECK_RESULT = struct('container.HealthcheckResult', [['Start', TIME], ['End', TIME], ['ExitCode', INT], ['Output', STR]]);
const HEALTH = struct('container.Health', [['Status', STR], ['FailingStreak', INT], ['Log', slice(ptr(HEALTHCHECK_RESULT))]]);

const STATE = struct('container.State', [
  ['Status', STR], ['Running', BOOL], ['Paused', BOOL], ['Restarting', BOOL], ['OOMKilled', BOOL], ['Dead', BOOL],
  ['Pid', INT], ['ExitCode', INT], ['Error', STR], ['StartedAt', STR], ['FinishedAt', STR], ['Health', ptr(HEALTH)],
]);

/** nat.PortBinding and nat.PortMap. */
const PORT_BINDING = struct('nat.PortBinding', [['HostIP', STR, { json: 'HostIp' }], ['HostPort', STR]]);
const PORT_MAP = map(slice(PORT_BINDING), 'nat.Port');

const LOG_CONFIG = struct('container.LogConfig', [['Type', STR], ['Config', STRMAP]]);
const RESTART_POLICY = struct('container.RestartPolicy', [['Name', STR], ['MaximumRetryCount', INT]]);
const policy = (rp: GoStruct): unknown => field(rp, 'Name');
RESTART_POLICY.methods = {
  IsNone: (rp: GoStruct) => policy(rp) === 'no' || policy(rp) === '', IsAlways: (rp: GoStruct) => policy(rp) === 'always',
  IsOnFailure: (rp: GoStruct) => policy(rp) === 'on-failure', IsUnlessStopped: (rp: GoStruct) => policy(rp) === 'unless-stopped',
};
const DEVICE_MAPPING = struct('container.DeviceMapping', [['PathOnHost', STR], ['PathInContainer', STR], ['CgroupPermissions', STR]]);
const DEVICE_REQUEST = struct('container.DeviceRequest', [
  ['Driver', STR], ['Count', INT], ['DeviceIDs', STRS], ['Capabilities', slice(STRS)], ['Options', STRMAP],
]);
const pathColon = (value: string) => (s: GoStruct) => `${String(field(s, 'Path'))}:${String(field(s, value))}`;
const WEIGHT_DEVICE = struct('blkiodev.WeightDevice', [['Path', STR], ['Weight', INT]], pathColon('Weight'));
const THROTTLE_DEVICE = struct('blkiodev.ThrottleDevice', [['Path', STR], ['Rate', INT]], pathColon('Rate'));
const ULIMIT = struct('units.Ulimit', [['Name', STR], ['Hard', INT], ['Soft', INT]],
  (s) => `${String(field(s, 'Name'))}=${String(field(s, 'Soft'))}:${String(field(s, 'Hard'))}`);

const RESOURCES = struct('container.Resources', [
  ['CPUShares', INT, { json: 'CpuShares' }], ['Memory', INT], ['NanoCPUs', INT, { json: 'NanoCpus' }],
  ['CgroupParent', STR], ['BlkioWeight', INT], ['BlkioWeightDevice', slice(ptr(WEIGHT_DEVICE))],
  ['BlkioDeviceReadBps', slice(ptr(THROTTLE_DEVICE))], ['BlkioDeviceWriteBps', slice(ptr(THROTTLE_DEVICE))],
  ['BlkioDeviceReadIOps', slice(ptr(THROTTLE_DEVICE))], ['BlkioDeviceWriteIOps', slice(ptr(THROTTLE_DEVICE))],
  ['CPUPeriod', INT, { json: 'CpuPeriod' }], ['CPUQuota', INT, { json: 'CpuQuota' }],
  ['CPURealtimePeriod', INT, { json: 'CpuRealtimePeriod' }], ['CPURealtimeRuntime', INT, { json: 'CpuRealtimeRuntime' }],
  ['CpusetCpus', STR], ['CpusetMems', STR], ['Devices', slice(DEVICE_MAPPING)], ['DeviceCgroupRules', STRS],
  ['DeviceRequests', slice(DEVICE_REQUEST)], ['KernelMemory', INT], ['KernelMemoryTCP', INT], ['MemoryReservation', INT],
  ['MemorySwap', INT], ['MemorySwappiness', ptr(INT)], ['OomKillDisable', ptr(BOOL)], ['PidsLimit', ptr(INT)],
  ['Ulimits', slice(ptr(ULIMIT))], ['CPUCount', INT, { json: 'CpuCount' }], ['CPUPercent', INT, { json: 'CpuPercent' }],
  ['IOMaximumIOps', INT], ['IOMaximumBandwidth', INT],
]);

/** mount.Mount (HostConfig.Mounts). */
const BIND_OPTIONS = struct('mount.BindOptions', [
  ['Propagation', STR], ['NonRecursive', BOOL], ['CreateMountpoint', BOOL], ['ReadOnlyNonRecursive', BOOL], ['ReadOnlyForceRecursive', BOOL],
]);
const VOLUME_DRIVER = struct('mount.Driver', [['Name', STR], ['Options', STRMAP]]);
const VOLUME_OPTIONS = struct('mount.VolumeOptions', [['NoCopy', BOOL], ['Labels', STRMAP], ['Subpath', STR], ['DriverConfig', ptr(VOLUME_DRIVER)]]);
const IMAGE_OPTIONS = struct('mount.ImageOptions', [['Subpath', STR]]);
const TMPFS_OPTIONS = struct('mount.TmpfsOptions', [['SizeBytes', INT], ['Mode', FILEMODE], ['Options', slice(STRS)]]);
const CLUSTER_OPTIONS = struct('mount.ClusterOptions', []);
const MOUNT = struct('mount.Mount', [
  ['Type', STR], ['Source', STR], ['Target', STR], ['ReadOnly', BOOL], ['Consistency', STR],
  ['BindOptions', ptr(BIND_OPTIONS)], ['VolumeOptions', ptr(VOLUME_OPTIONS)], ['ImageOptions', ptr(IMAGE_OPTIONS)],
  ['TmpfsOptions', ptr(TMPFS_OPTIONS)], ['ClusterOptions', ptr(CLUSTER_OPTIONS)],
]);

const HOST_CONFIG = struct('container.HostConfig', [
  ['Binds', STRS], ['ContainerIDFile', STR], ['LogConfig', LOG_CONFIG], ['NetworkMode', STR], ['PortBindings', PORT_MAP],
  ['RestartPolicy', RESTART_POLICY], ['AutoRemove', BOOL], ['VolumeDriver', STR], ['VolumesFrom', STRS],
  ['ConsoleSize', { k: 'array', elem: INT, len: 2 }], ['Annotations', STRMAP],
  ['CapAdd', STRS], ['CapDrop', STRS], ['CgroupnsMode', STR], ['DNS', STRS, { json: 'Dns' }],
  ['DNSOptions', STRS, { json: 'DnsOptions' }], ['DNSSearch', STRS, { json: 'DnsSearch' }], ['ExtraHosts', STRS],
  ['GroupAdd', STRS], ['IpcMode', STR], ['Cgroup', STR], ['Links', STRS], ['OomScoreAdj', INT], ['PidMode', STR],
  ['Privileged', BOOL], ['PublishAllPorts', BOOL], ['ReadonlyRootfs', BOOL], ['SecurityOpt', STRS], ['StorageOpt', STRMAP],
  ['Tmpfs', STRMAP], ['UTSMode', STR], ['UsernsMode', STR], ['ShmSize', INT], ['Sysctls', STRMAP], ['Runtime', STR],
  ['Isolation', STR], embed(RESOURCES), ['Mounts', slice(MOUNT)], ['MaskedPaths', STRS], ['ReadonlyPaths', STRS],
  ['Init', ptr(BOOL)],
]);

const CONFIG = struct('container.Config', [
  ['Hostname', STR], ['Domainname', STR], ['User', STR], ['AttachStdin', BOOL], ['AttachStdout', BOOL], ['AttachStderr', BOOL],
  ['ExposedPorts', PORT_SET], ['Tty', BOOL], ['OpenStdin', BOOL], ['StdinOnce', BOOL], ['Env', STRS], ['Cmd', STRS],
  ['Healthcheck', ptr(HEALTH_CONFIG)], ['ArgsEscaped', BOOL], ['Image', STR], ['Volumes', SET], ['WorkingDir', STR],
  ['Entrypoint', STRS], ['NetworkDisabled', BOOL], ['MacAddress', STR], ['OnBuild', STRS], ['Labels', STRMAP],
  ['StopSignal', STR], ['StopTimeout', ptr(INT)], ['Shell', STRS],
]);

const MOUNT_POINT = struct('container.MountPoint', [
  ['Type', STR], ['Name', STR], ['Source', STR], ['Destination', STR], ['Driver', STR], ['Mode', STR], ['RW', BOOL], ['Propagation', STR],
]);

const ENDPOINT_IPAM_CONFIG = struct('network.EndpointIPAMConfig', [['IPv4Address', STR], ['IPv6Address', STR], ['LinkLocalIPs', STRS]]);
export const ENDPOINT_SETTINGS = struct('network.EndpointSettings', [
  ['IPAMConfig', ptr(ENDPOINT_IPAM_CONFIG)], ['Links', STRS], ['Aliases', STRS], ['MacAddress', STR], ['DriverOpts', STRMAP],
  ['GwPriority', INT], ['NetworkID', STR], ['EndpointID', STR], ['Gateway', STR], ['IPAddress', STR], ['IPPrefixLen', INT],
  ['IPv6Gateway', STR], ['GlobalIPv6Address', STR], ['GlobalIPv6PrefixLen', INT], ['DNSNames', STRS],
]);

const ADDRESS = struct('network.Address', [['Addr', STR], ['PrefixLen', INT]]);
const NETWORK_SETTINGS_BASE = struct('container.NetworkSettingsBase', [
  ['Bridge', STR], ['SandboxID', STR], ['SandboxKey', STR], ['Ports', PORT_MAP], ['HairpinMode', BOOL],
  ['LinkLocalIPv6Address', STR], ['LinkLocalIPv6PrefixLen', INT], ['SecondaryIPAddresses', slice(ADDRESS)],
  ['SecondaryIPv6Addresses', slice(ADDRESS)],
]);
const DEFAULT_NETWORK_SETTINGS = struct('container.DefaultNetworkSettings', [
  ['EndpointID', STR], ['Gateway', STR], ['GlobalIPv6Address', STR], ['GlobalIPv6PrefixLen', INT], ['IPAddress', STR],
  ['IPPrefixLen', INT], ['IPv6Gateway', STR], ['MacAddress', STR],
]);
const NETWORK_SETTINGS = struct('container.NetworkSettings', [
  embed(NETWORK_SETTINGS_BASE), embed(DEFAULT_NETWORK_SETTINGS), ['Networks', map(ptr(ENDPOINT_SETTINGS))],
]);

const CONTAINER_JSON_BASE = struct('container.ContainerJSONBase', [
  ['ID', STR, { json: 'Id' }], ['Created', STR], ['Path', STR], ['Args', STRS], ['State', ptr(STATE)], ['Image', STR],
  ['ResolvConfPath', STR], ['HostnamePath', STR], ['HostsPath', STR], ['LogPath', STR], ['Name', STR], ['RestartCount', INT],
  ['Driver', STR], ['Platform', STR], ['MountLabel', STR], ['ProcessLabel', STR], ['AppArmorProfile', STR], ['ExecIDs', STRS],
  ['HostConfig', ptr(HOST_CONFIG)], ['GraphDriver', DRIVER_DATA], ['SizeRw', ptr(INT)], ['SizeRootFs', ptr(INT)],
]);

/** container.InspectResponse: GET /containers/{id}/json. */
export const CONTAINER_INSPECT: StructType = struct('container.InspectResponse', [
  embed(ptr(CONTAINER_JSON_BASE)), ['Mounts', slice(MOUNT_POINT)], ['Config', ptr(CONFIG)],
  ['NetworkSettings', ptr(NETWORK_SETTINGS)], ['ImageManifestDescriptor', ptr(DESCRIPTOR)],
]);

/** container.Config, also the image's ContainerConfig. */
export const CONTAINER_CONFIG = CONFIG;
