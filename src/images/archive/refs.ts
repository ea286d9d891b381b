/**
 * The little reference handling archives need: tags as written in
 * manifest.json ("busybox:latest") versus index.json annotations
 * ("docker.io/library/busybox:latest").
 */

import { familiarName, familiarString as coreFamiliarString, fullName, parseReference, withDefaultTag } from '../../core/reference/reference.ts';

export interface TaggedRef {
  domain: string;
  /** Repository path inside the domain ("library/busybox"). */
  path: string;
  tag: string;
}

/** Parse "name[:tag]" (no digest); a missing tag means "latest". Null when invalid or digested. */
export function parseTagged(ref: string): TaggedRef | null {
  try {
    const r = withDefaultTag(parseReference(ref));
    if (r.digest || !r.tag) return null;
    return { domain: r.domain, path: r.path, tag: r.tag };
  } catch {
    return null;
  }
}

/** "busybox:latest", "user/app:1", "localhost:5000/app:1". */
export function familiarString(r: TaggedRef): string {
  return coreFamiliarString(r);
}

/** "docker.io/library/busybox:latest". */
export function fullString(r: TaggedRef): string {
  return fullName(r);
}

/** Familiar name of the repository ("busybox"), as the legacy `repositories` file keys it. */
export function familiarRepo(r: TaggedRef): string {
  return familiarName(r);
}

/**
 * The tag an OCI index descriptor gives its image: `io.containerd.image.name`
 * (a full reference), else `org.opencontainers.image.ref.name` when that is a
 * reference with a repository (a bare tag such as "latest" names no image).
 */
export function tagFromAnnotations(annotations: unknown): string | null {
  if (!annotations || typeof annotations !== 'object') return null;
  const a = annotations as Record<string, unknown>;
  const full = a['io.containerd.image.name'];
  if (typeof full === 'string') {
    const r = parseTagged(full);
    return r ? familiarString(r) : null;
  }
  const ref = a['org.opencontainers.image.ref.name'];
  if (typeof ref === 'string' && (ref.includes('/') || ref.includes(':'))) {
    const r = parseTagged(ref);
    return r ? familiarString(r) : null;
  }
  return null;
}
