/**
 * Storage keys, in distribution's filesystem layout (so a root written by
 * distribution's `registry` image can be served as it is). Every key is built
 * from a checked name, tag, digest or upload ID.
 */
import { checkDigest } from '../core/registry/names.ts';

export const V2 = 'docker/registry/v2';
export const REPOS = `${V2}/repositories`;
export const BLOBS = `${V2}/blobs`;

function dg(digest: string): string {
  const { algorithm, hex } = checkDigest(digest);
  return `${algorithm}/${hex}`;
}

export const paths = {
  blobDir: (digest: string) => { const { algorithm, hex } = checkDigest(digest); return `${BLOBS}/${algorithm}/${hex.slice(0, 2)}/${hex}`; },
  blobData: (digest: string) => `${paths.blobDir(digest)}/data`,
  repo: (name: string) => `${REPOS}/${name}`,
  layers: (name: string) => `${REPOS}/${name}/_layers`,
  layerLink: (name: string, digest: string) => `${REPOS}/${name}/_layers/${dg(digest)}/link`,
  revisions: (name: string) => `${REPOS}/${name}/_manifests/revisions`,
  revisionLink: (name: string, digest: string) => `${REPOS}/${name}/_manifests/revisions/${dg(digest)}/link`,
  tags: (name: string) => `${REPOS}/${name}/_manifests/tags`,
  tag: (name: string, tag: string) => `${REPOS}/${name}/_manifests/tags/${tag}`,
  tagCurrent: (name: string, tag: string) => `${REPOS}/${name}/_manifests/tags/${tag}/current/link`,
  tagIndex: (name: string, tag: string, digest: string) => `${REPOS}/${name}/_manifests/tags/${tag}/index/${dg(digest)}/link`,
  referrers: (name: string, subject: string) => `${REPOS}/${name}/_manifests/referrers/${dg(subject)}`,
  referrerLink: (name: string, subject: string, digest: string) => `${REPOS}/${name}/_manifests/referrers/${dg(subject)}/${dg(digest)}/link`,
  uploads: (name: string) => `${REPOS}/${name}/_uploads`,
  upload: (name: string, id: string) => `${REPOS}/${name}/_uploads/${id}`,
  uploadData: (name: string, id: string) => `${REPOS}/${name}/_uploads/${id}/data`,
  uploadStarted: (name: string, id: string) => `${REPOS}/${name}/_uploads/${id}/startedat`,
};
