/** Registry client types: credentials, manifests, and what the API needs from the distribution service. */
import type { ProgressFn } from '../images/types.ts';

/** Docker's AuthConfig (X-Registry-Auth and POST /auth body). */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

export interface Platform { os: string; architecture: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] }

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ManifestIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface SearchResult { star_count: number; is_official: boolean; name: string; is_automated: boolean; description: string }

export interface PullOptions { tag?: string; platform?: string; auth?: AuthConfig; signal?: AbortSignal }
/** `platform`: the image pushed must be of it (`push --platform`, one-platform images here). */
export interface PushOptions { tag?: string; auth?: AuthConfig; signal?: AbortSignal; platform?: Platform }
export interface SearchOptions { term: string; limit?: number; auth?: AuthConfig; signal?: AbortSignal }

/** What the API needs from the registry client. */
/** GET /distribution/{name}/json */
export interface DistributionInspect { Descriptor: Descriptor; Platforms: Platform[] }

export interface DistributionBackend {
  inspect(image: string, opts: { auth?: AuthConfig; signal?: AbortSignal }): Promise<DistributionInspect>;
  pull(image: string, opts: PullOptions, progress: ProgressFn): Promise<void>;
  push(image: string, opts: PushOptions, progress: ProgressFn): Promise<void>;
  login(auth: AuthConfig): Promise<{ Status: string; IdentityToken?: string }>;
  search(opts: SearchOptions): Promise<SearchResult[]>;
}

/** Decode X-Registry-Auth (URL-safe or standard base64 JSON); junk means no credentials, as in dockerd. */
export function decodeAuthHeader(h: string | undefined | null): AuthConfig | undefined {
  if (!h) return undefined;
  try {
    const json = Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const v = JSON.parse(json) as AuthConfig;
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** username/password of an AuthConfig, from `auth` (base64 "user:pass") when not given directly. */
export function credentialsOf(a: AuthConfig | undefined): { username: string; password: string } | undefined {
  if (!a) return undefined;
  let { username, password } = a;
  if (!username && a.auth) {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) [username, password] = [plain.slice(0, i), plain.slice(i + 1)];
  }
  return username ? { username, password: password ?? '' } : undefined;
}
