/**
 * image.InspectResponse, network.Inspect and volume.Volume of moby v28
 * (api/types/image, network, volume; dockerspec/ocispec image config) as Go
 * type schemas: fields in declaration order, JSON names where they differ.
 */
import type { StructType } from './govalues.ts';
import { CONTAINER_CONFIG } from './gotypes-container.ts';
import {
  ANY, BOOL, DESCRIPTOR, DRIVER_DATA, embed, HEALTH_CONFIG, INT, map, PLATFORM, ptr, SET, slice, STR, STRMAP, STRS, struct, TIME,
} from './gotypes.ts';

/** ocispec.ImageConfig + dockerspec.DockerOCIImageConfigExt = dockerspec.DockerOCIImageConfig. */
const OCI_IMAGE_CONFIG = struct('v1.ImageConfig', [
  ['User', STR], ['ExposedPorts', SET], ['Env', STRS], ['Entrypoint', STRS], ['Cmd', STRS], ['Volumes', SET],
  ['WorkingDir', STR], ['Labels', STRMAP], ['StopSignal', STR], ['ArgsEscaped', BOOL],
]);
const DOCKER_CONFIG_EXT = struct('v1.DockerOCIImageConfigExt', [['Healthcheck', ptr(HEALTH_CONFIG)], ['OnBuild', STRS], ['Shell', STRS]]);
const DOCKER_OCI_IMAGE_CONFIG = struct('v1.DockerOCIImageConfig', [embed(OCI_IMAGE_CONFIG), embed(DOCKER_CONFIG_EXT)]);

const ROOTFS = struct('image.RootFS', [['Type', STR], ['Layers', STRS]]);
const METADATA = struct('image.Metadata', [['LastTagTime', TIME]]);

const IMAGE_PROPERTIES = struct('image.ImageProperties', [
  ['Platform', PLATFORM], ['Size', struct('struct { Unpacked int64 }', [['Unpacked', INT]])], ['Containers', STRS],
]);
const ATTESTATION_PROPERTIES = struct('image.AttestationProperties', [['For', STR]]);
const MANIFEST_SUMMARY = struct('image.ManifestSummary', [
  ['ID', STR], ['Descriptor', DESCRIPTOR], ['Available', BOOL],
  ['Size', struct('struct { Content int64; Total int64 }', [['Content', INT], ['Total', INT]])], ['Kind', STR],
  ['ImageData', ptr(IMAGE_PROPERTIES)], ['AttestationData', ptr(ATTESTATION_PROPERTIES)],
]);

/** image.InspectResponse: GET /images/{name}/json. */
export const IMAGE_INSPECT: StructType = struct('image.InspectResponse', [
  ['ID', STR, { json: 'Id' }], ['RepoTags', STRS], ['RepoDigests', STRS], ['Parent', STR], ['Comment', STR], ['Created', STR],
  ['Container', STR], ['ContainerConfig', ptr(CONTAINER_CONFIG)], ['DockerVersion', STR], ['Author', STR],
  ['Config', ptr(DOCKER_OCI_IMAGE_CONFIG)], ['Architecture', STR], ['Variant', STR], ['Os', STR], ['OsVersion', STR],
  ['Size', INT], ['VirtualSize', INT], ['GraphDriver', DRIVER_DATA], ['RootFS', ROOTFS], ['Metadata', METADATA],
  ['Descriptor', ptr(DESCRIPTOR)], ['Manifests', slice(MANIFEST_SUMMARY)],
]);

const IPAM_CONFIG = struct('network.IPAMConfig', [
  ['Subnet', STR], ['IPRange', STR], ['Gateway', STR], ['AuxAddress', STRMAP, { json: 'AuxiliaryAddresses' }],
]);
const IPAM = struct('network.IPAM', [['Driver', STR], ['Options', STRMAP], ['Config', slice(IPAM_CONFIG)]]);
const ENDPOINT_RESOURCE = struct('network.EndpointResource', [
  ['Name', STR], ['EndpointID', STR], ['MacAddress', STR], ['IPv4Address', STR], ['IPv6Address', STR],
]);
const PEER_INFO = struct('network.PeerInfo', [['Name', STR], ['IP', STR]]);
const TASK = struct('network.Task', [['Name', STR], ['EndpointID', STR], ['EndpointIP', STR], ['Info', STRMAP]]);
const SERVICE_INFO = struct('network.ServiceInfo', [['VIP', STR], ['Ports', STRS], ['LocalLBIndex', INT], ['Tasks', slice(TASK)]]);

/** network.Inspect: GET /networks/{id}. */
export const NETWORK_INSPECT: StructType = struct('network.Inspect', [
  ['Name', STR], ['ID', STR, { json: 'Id' }], ['Created', TIME], ['Scope', STR], ['Driver', STR], ['EnableIPv4', BOOL],
  ['EnableIPv6', BOOL], ['IPAM', IPAM], ['Internal', BOOL], ['Attachable', BOOL], ['Ingress', BOOL],
  ['ConfigFrom', struct('network.ConfigReference', [['Network', STR]])], ['ConfigOnly', BOOL],
  ['Containers', map(ENDPOINT_RESOURCE)], ['Options', STRMAP], ['Labels', STRMAP], ['Peers', slice(PEER_INFO)],
  ['Services', map(SERVICE_INFO)],
]);

/** volume.Volume: GET /volumes/{name} (ClusterVolume is swarm-only: kept as decoded JSON). */
export const VOLUME_INSPECT: StructType = struct('volume.Volume', [
  ['ClusterVolume', ptr(ANY)], ['CreatedAt', STR], ['Driver', STR], ['Labels', STRMAP], ['Mountpoint', STR], ['Name', STR],
  ['Options', STRMAP], ['Scope', STR], ['Status', map(ANY)],
  ['UsageData', ptr(struct('volume.UsageData', [['RefCount', INT], ['Size', INT]]))],
]);
