/** Platform strings and manifest-list selection (containerd's platform matching, for linux). */
import { InvalidParameterError, NotFoundError } from './errors.ts';
import type { Descriptor, Platform } from './distribution/types.ts';

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386' };

/** Go's name for the host's architecture. */
export function hostArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

export function hostPlatform(): Platform {
  return { os: 'linux', architecture: hostArch() };
}

/** Parse "linux/amd64", "linux/arm/v7", "amd64" (os defaults to linux). */
export function parsePlatform(s: string): Platform {
  const parts = s.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => p === '' || !/^[a-z0-9_.-]+$/.test(p))) {
    throw new InvalidParameterError(`"${s}": unknown operating system or architecture: invalid argument`);
  }
  let [os, arch] = parts;
  let variant: string | undefined = parts[2];
  if (parts.length === 1) [os, arch] = ['linux', parts[0]];
  arch = ARCH_ALIASES[arch] ?? arch;
  if (arch === 'arm64' && variant === 'v8') variant = undefined;
  if (arch === 'arm' && !variant) variant = 'v7';
  return variant ? { os, architecture: arch, variant } : { os, architecture: arch };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function normVariant(p: Platform): string | undefined {
  if (p.architecture === 'arm64' && p.variant === 'v8') return undefined;
  if (p.architecture === 'arm' && !p.variant) return 'v7';
  return p.variant || undefined;
}

/** True when an image of platform `have` runs on `want`. */
export function platformMatches(want: Platform, have: Platform): boolean {
  return want.os === have.os && want.architecture === (ARCH_ALIASES[have.architecture] ?? have.architecture)
    && (normVariant(want) === undefined || normVariant(want) === normVariant(have));
}

/** The manifest of a list/index for `want` (exact variant first), or undefined. */
export function selectManifest(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = manifests.filter((m) => m.platform && platformMatches(want, m.platform) && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  return candidates.find((m) => normVariant(m.platform!) === normVariant(want)) ?? candidates[0];
}

/**
 * A local image asked for with a platform (`run --platform`, `push
 * --platform`): dockerd's NotFound when it is of another one, so that the
 * CLI goes on to pull the wanted variant.
 */
export function checkImagePlatform(ref: string, have: Platform, want: Platform): void {
  if (platformMatches(want, have)) return;
  throw new NotFoundError(`image with reference ${ref} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(have)}`);
}
