/** Test helpers: an in-process registry on a loopback port with a scratch root, and small HTTP and content helpers. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type RegistryConfig } from '../core/registry/config.ts';
import { Registry } from './registry.ts';
import { createRegistryServer } from './server.ts';

export interface TestRegistry { url: string; host: string; root: string; reg: Registry; close(): Promise<void> }

export async function startRegistry(overrides: Partial<RegistryConfig> = {}, keepRoot?: string): Promise<TestRegistry> {
  const root = keepRoot ?? mkdtempSync(join(tmpdir(), 'berth-registry-test-'));
  const config: RegistryConfig = { ...structuredClone(DEFAULT_CONFIG), root, deleteEnabled: true, accessLog: false, ...overrides };
  const reg = new Registry(config);
  const server = createRegistryServer(reg);
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, root, reg,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (!keepRoot) rmSync(root, { recursive: true, force: true });
    },
  };
}

export const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
export const sha512 = (b: Buffer | string) => 'sha512:' + createHash('sha512').update(b).digest('hex');
export const rand = (n: number) => randomBytes(n);

export interface Image { config: Buffer; layers: Buffer[]; manifest: Buffer; digest: string; mediaType: string }

/** An OCI image manifest over a config and layers (random contents unless given). */
export function makeImage(opts: { layers?: Buffer[]; mediaType?: string; subject?: { digest: string; size: number; mediaType: string }; artifactType?: string; annotations?: Record<string, string>; configType?: string } = {}): Image {
  const layers = opts.layers ?? [rand(1000), rand(2000)];
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(sha256) }, nonce: rand(8).toString('hex') }));
  const mediaType = opts.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
  const docker = mediaType.includes('docker');
  const doc: Record<string, unknown> = {
    schemaVersion: 2, mediaType,
    config: { mediaType: opts.configType ?? (docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json'), digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar', digest: sha256(l), size: l.length })),
  };
  if (opts.artifactType) doc.artifactType = opts.artifactType;
  if (opts.subject) doc.subject = opts.subject;
  if (opts.annotations) doc.annotations = opts.annotations;
  const manifest = Buffer.from(JSON.stringify(doc));
  return { config, layers, manifest, digest: sha256(manifest), mediaType };
}

/** fetch against a base URL with a Buffer body. */
export async function http(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<{ status: number; headers: Headers; body: Buffer; json(): any }> {
  const res = await fetch(base + path, { method, headers: opts.headers, body: opts.body, redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) };
}

/** Pushes a blob with POST then PUT (what every registry supports); returns the digest. */
export async function pushBlob(base: string, name: string, b: Buffer, headers: Record<string, string> = {}): Promise<string> {
  const p = await http(base, 'POST', `/v2/${name}/blobs/uploads/`, { headers });
  if (p.status !== 202) throw new Error(`blob upload start: ${p.status} ${p.body}`);
  const loc = new URL(p.headers.get('location') as string, base);
  loc.searchParams.set('digest', sha256(b));
  const r = await http(base, 'PUT', loc.pathname + loc.search, { body: b, headers: { ...headers, 'Content-Type': 'application/octet-stream' } });
  if (r.status !== 201) throw new Error(`blob push: ${r.status} ${r.body}`);
  return sha256(b);
}

/** Pushes blobs and then the manifest; returns the manifest digest. */
export async function pushImage(base: string, name: string, img: Image, tag = 'latest', headers: Record<string, string> = {}): Promise<string> {
  for (const b of [img.config, ...img.layers]) await pushBlob(base, name, b, headers);
  const r = await http(base, 'PUT', `/v2/${name}/manifests/${tag}`, { body: img.manifest, headers: { ...headers, 'Content-Type': img.mediaType } });
  if (r.status !== 201) throw new Error(`manifest push: ${r.status} ${r.body}`);
  return img.digest;
}
