/**
 * Content digests ("sha256:<hex>") and image-ID prefixes, validated the way
 * the OCI go-digest package does it (the same error texts).
 */
import { InvalidParameterError } from '../errors.ts';

export type DigestAlgorithm = 'sha256' | 'sha512';

/** Hex length per supported algorithm. */
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** The loose shape of any digest: algorithm components, a colon, an encoded part. */
const LOOSE_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export const DIGEST_INVALID_FORMAT = 'invalid checksum digest format';
export const DIGEST_INVALID_LENGTH = 'invalid checksum digest length';
export const DIGEST_UNSUPPORTED = 'unsupported digest algorithm';

/** The reason `s` is not a valid digest, or undefined when it is one. */
export function digestError(s: string): string | undefined {
  const colon = s.indexOf(':');
  if (colon < 0 || colon === s.length - 1) return DIGEST_INVALID_FORMAT;
  const alg = s.slice(0, colon);
  const encoded = s.slice(colon + 1);
  if (alg !== 'sha256' && alg !== 'sha512') {
    // go-digest reports the algorithm as unsupported only for well-formed digests.
    return LOOSE_DIGEST.test(s) ? DIGEST_UNSUPPORTED : DIGEST_INVALID_FORMAT;
  }
  if (encoded.length !== HEX_LENGTH[alg]) return DIGEST_INVALID_LENGTH;
  if (!/^[a-f0-9]+$/.test(encoded)) return DIGEST_INVALID_FORMAT;
  return undefined;
}

/** True when `s` is a complete, valid `sha256:`/`sha512:` digest. */
export function isDigestLike(s: string): boolean {
  return digestError(s) === undefined;
}

/** Split a digest into algorithm and hex; throws InvalidParameterError with go-digest's message. */
export function parseDigest(s: string): { algorithm: DigestAlgorithm; hex: string } {
  const err = digestError(s);
  if (err !== undefined) throw new InvalidParameterError(err);
  const colon = s.indexOf(':');
  return { algorithm: s.slice(0, colon) as DigestAlgorithm, hex: s.slice(colon + 1) };
}

/**
 * True when `s` can only be meant as (a prefix of) an image ID: 1 to 64
 * lowercase hex characters, optionally after "sha256:". Docker tries these
 * as ID prefixes (a name like "abc" is tried as a name first by the caller).
 */
export function looksLikeImageIdPrefix(s: string): boolean {
  return /^(?:sha256:)?[a-f0-9]{1,64}$/.test(s);
}

/** A full 64-hex image identifier without algorithm (docker refuses these as repository names). */
export function isFullIdentifier(s: string): boolean {
  return /^[a-f0-9]{64}$/.test(s);
}
