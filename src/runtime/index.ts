export { RuncConmonRuntime, type RuncConmonRuntimeOptions, type RuntimeLogger } from './runtime.ts';
export { buildSpec, containerCapabilities, MASKED_PATHS, READONLY_PATHS } from './spec.ts';
export { toOciSeccomp, DEFAULT_SECCOMP_PROFILE, type DockerSeccompProfile } from './seccomp.ts';
export { DEFAULT_CAPABILITIES, ALL_CAPABILITIES, tweakCapabilities, normalizeCap } from '../core/runtime/caps.ts';
export { hostFacts, type HostFacts } from './host.ts';
export { removeCgroupTree, cgroupPids } from './cgroups.ts';
export type { OciSpec } from './oci-types.ts';
