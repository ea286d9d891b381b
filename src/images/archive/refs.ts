/**
 * The little reference handling archives need: tags as written in
 * manifest.json ("busybox:latest") versus index.json annotations
 * ("docker.io/library/busybox:latest").
 */

export interface TaggedRef {
  domain: string;
  /** Repository path inside the domain ("library/busybox"). */
  path: string;
  tag: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

/** Parse "name[:tag]" (no digest); a missing tag means "latest". Null when invalid or digested. */
export function parseTagged(ref: string): TaggedRef | null {
  if (ref.includes('@')) return null;
  let name = ref;
  let tag = 'latest';
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) {
    name = ref.slice(0, colon);
    tag = ref.slice(colon + 1);
  }
  if (!TAG.test(tag) || name === '') return null;
  let domain = 'docker.io';
  let path = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = name.slice(slash + 1);
    }
  }
  if (!DOMAIN.test(domain) || !path.split('/').every((c) => COMPONENT.test(c))) return null;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  return { domain, path, tag };
}

/** "busybox:latest", "user/app:1", "localhost:5000/app:1". */
export function familiarString(r: TaggedRef): string {
  if (r.domain !== 'docker.io') return `${r.domain}/${r.path}:${r.tag}`;
  const path = r.path.startsWith('library/') && r.path.split('/').length === 2 ? r.path.slice('library/'.length) : r.path;
  return `${path}:${r.tag}`;
}

/** "docker.io/library/busybox:latest". */
export function fullString(r: TaggedRef): string {
  return `${r.domain}/${r.path}:${r.tag}`;
}

/** Familiar name of the repository ("busybox"), as the legacy `repositories` file keys it. */
export function familiarRepo(r: TaggedRef): string {
  const s = familiarString(r);
  return s.slice(0, s.length - r.tag.length - 1);
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
