/**
 * Image references ("busybox", "localhost:5000/a/b:1", "x@sha256:...") parsed
 * and normalised as docker does it (the distribution/reference grammar and
 * its "familiar" Docker Hub forms), with docker's error messages.
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path-component { "/" path-component }
 *   domain    := host [ ":" port ]        (host: DNS-ish name, IPv4, or [IPv6])
 */
import { InvalidParameterError } from '../errors.ts';
import { digestError, isFullIdentifier } from './digest.ts';
import { pathMatch } from './match.ts';

export { isDigestLike, looksLikeImageIdPrefix, parseDigest } from './digest.ts';
export type { DigestAlgorithm } from './digest.ts';
export { pathMatch } from './match.ts';

/** A parsed, normalised reference. `domain`/`path` always set ("docker.io", "library/busybox"). */
export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
/** Longest repository path docker accepts. */
export const NAME_TOTAL_LENGTH_MAX = 255;

// ---- the grammar, built from its parts ----
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6})(?::[0-9]+)?`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE_RE = new RegExp(`^((?:${domainAndPort}/)?${remoteName})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const NAME_RE = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const TAG_RE = new RegExp(`^${tagPat}$`);
const DOMAIN_RE = new RegExp(`^${domainAndPort}$`);

export const ERR_REFERENCE_FORMAT = 'invalid reference format';

function fail(message: string): never {
  throw new InvalidParameterError(message);
}

/** True when `s` is a registry host with optional port, as the reference grammar allows it. */
export function isValidDomain(s: string): boolean {
  return DOMAIN_RE.test(s);
}

/** True when `s` is a valid tag (`[\w][\w.-]{0,127}`). */
export function isValidTag(s: string): boolean {
  return TAG_RE.test(s);
}

/** Split a familiar name into registry domain and remainder, adding Docker Hub defaults. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_REPO_PREFIX + name };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (first === 'localhost') [domain, remainder] = [first, rest];
  else if (first === LEGACY_DEFAULT_DOMAIN) [domain, remainder] = [DEFAULT_DOMAIN, rest];
  else if (/[.:]/.test(first)) [domain, remainder] = [first, rest];
  // An uppercase first component cannot be a namespace, so it must be a host.
  else if (first.toLowerCase() !== first) [domain, remainder] = [first, rest];
  else [domain, remainder] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/** Parse an already-qualified "domain/path[:tag][@digest]" string (distribution's Parse). */
function parseQualified(s: string): Reference {
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    if (lower !== s && REFERENCE_RE.test(lower)) fail('repository name must be lowercase');
    fail(ERR_REFERENCE_FORMAT);
  }
  const nm = NAME_RE.exec(m[1])!;
  const ref: Reference = { domain: nm[1] ?? '', path: nm[2] };
  if (ref.path.length > NAME_TOTAL_LENGTH_MAX) {
    fail(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    const err = digestError(m[3]);
    if (err !== undefined) fail(err);
    ref.digest = m[3];
  }
  return ref;
}

/**
 * Parse a user-supplied reference as docker does (ParseNormalizedNamed):
 * 'busybox' -> docker.io/library/busybox; a first component with '.' or ':'
 * or 'localhost' (or uppercase) is a registry; 'index.docker.io' -> docker.io.
 * Tag and digest may both be given. Throws InvalidParameterError with
 * docker's messages.
 */
export function parseReference(s: string): Reference {
  if (isFullIdentifier(s)) {
    fail(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) {
    fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parseQualified(`${domain}/${remainder}`);
}

/** The reference with tag "latest" when it has neither tag nor digest. */
export function withDefaultTag(r: Reference): Reference {
  if (r.tag !== undefined || r.digest !== undefined) return r;
  return { ...r, tag: DEFAULT_TAG };
}

/** The reference with a different tag (validated). Keeps any digest. */
export function withTag(r: Reference, tag: string): Reference {
  if (!TAG_RE.test(tag)) fail('invalid tag format');
  return { ...r, tag };
}

/** 'docker.io/library/busybox' — the canonical repository name without tag or digest. */
export function repositoryName(r: Reference): string {
  return r.domain === '' ? r.path : `${r.domain}/${r.path}`;
}

function suffix(r: Reference): string {
  return (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}

/** 'docker.io/library/busybox:latest' — canonical name plus ":tag" and/or "@digest". */
export function fullName(r: Reference): string {
  return repositoryName(r) + suffix(r);
}

/** The repository as docker shows it: 'busybox', 'user/x', 'localhost:5000/a/b'. */
export function familiarName(r: Reference): string {
  if (r.domain !== DEFAULT_DOMAIN) return repositoryName(r);
  if (r.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = r.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return r.path;
}

/** 'busybox:latest', 'busybox@sha256:...', 'busybox:1@sha256:...'. */
export function familiarString(r: Reference): string {
  return familiarName(r) + suffix(r);
}

/**
 * docker's FamiliarMatch: the glob `pattern` (Go path.Match) against the
 * familiar string ('busybox:latest') and then the familiar name ('busybox').
 * Throws InvalidParameterError('syntax error in pattern') on a bad pattern.
 */
export function matchReferencePattern(pattern: string, ref: Reference): boolean {
  return pathMatch(pattern, familiarString(ref)) || pathMatch(pattern, familiarName(ref));
}
