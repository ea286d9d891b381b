/** Repository names, tags, digests and upload IDs as the distribution spec allows them (and nothing that could leave the storage root). */
import { digestError } from '../reference/digest.ts';
import { RegistryError } from './errors.ts';

const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const MAX_NAME_LENGTH = 255;

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

export function checkName(name: string): string {
  if (!isValidName(name)) throw new RegistryError('NAME_INVALID', { detail: { name } });
  return name;
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function isDigest(s: string): boolean {
  return s.includes(':');
}

export interface ParsedDigest { digest: string; algorithm: 'sha256' | 'sha512'; hex: string }

/** Parses a digest; 400 DIGEST_INVALID for anything malformed or of an unsupported algorithm. */
export function checkDigest(s: string): ParsedDigest {
  const why = digestError(s);
  if (why !== undefined) throw new RegistryError('DIGEST_INVALID', { message: why, detail: { digest: s } });
  const i = s.indexOf(':');
  return { digest: s, algorithm: s.slice(0, i) as 'sha256' | 'sha512', hex: s.slice(i + 1) };
}

export function isValidUploadId(id: string): boolean {
  return UUID_RE.test(id);
}
