/* Helpers for the image service tests: a real MetadataDb, content store and
 * event bus in a temp dir, with a fake LayerFiles and a controllable ImageUsage. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { EngineEvent } from '../core/events/types.ts';
import type { ImageUsage } from '../core/images/types.ts';
import type { ExtractedLayer, LayerFiles } from '../core/layers/types.ts';
import { FsContentStore } from '../content/store.ts';
import { EventBus } from '../events/bus.ts';
import { MetadataDb } from '../metadata/db.ts';
import { ImageService } from './service.ts';
import { ImageDb } from './store.ts';

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** LayerFiles that keeps nothing on disk: unpack hashes the stream; other calls are recorded. */
export class FakeLayerFiles implements LayerFiles {
  readonly unpacked: string[] = [];
  readonly commits: [string, string | null][] = [];
  readonly removed: string[] = [];
  readonly cleanups: Set<string>[] = [];
  private next = 1;

  async unpack(input: Readable): Promise<ExtractedLayer> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const c of input) {
      hash.update(c as Buffer);
      size += (c as Buffer).length;
    }
    const cacheId = `cache${String(this.next++).padStart(4, '0')}`;
    this.unpacked.push(cacheId);
    return { cacheId, diffId: `sha256:${hash.digest('hex')}`, size, tarSize: size };
  }

  unpackFile(): Promise<ExtractedLayer> {
    throw new Error('FakeLayerFiles.unpackFile is not used by these tests');
  }

  async commit(cacheId: string, parentCacheId: string | null): Promise<void> {
    this.commits.push([cacheId, parentCacheId]);
  }

  async remove(cacheId: string): Promise<void> {
    this.removed.push(cacheId);
  }

  tarStream(): Readable {
    throw new Error('FakeLayerFiles.tarStream is not used by these tests');
  }

  async cleanup(keep: Set<string>): Promise<string[]> {
    this.cleanups.push(keep);
    return this.unpacked.filter((c) => !keep.has(c));
  }

  async lowerDirs(cacheId: string): Promise<string> {
    return `l/${cacheId}`;
  }

  diffDir(cacheId: string): string {
    return `/layers/${cacheId}/diff`;
  }
}

/** Containers per image, set by the test. */
export class FakeUsage implements ImageUsage {
  readonly containers = new Map<string, { id: string; running: boolean }[]>();

  use(imageId: string, containerId: string, running: boolean): void {
    const l = this.containers.get(imageId) ?? [];
    l.push({ id: containerId, running });
    this.containers.set(imageId, l);
  }

  async containersUsing(imageId: string): Promise<{ id: string; running: boolean }[]> {
    return this.containers.get(imageId) ?? [];
  }

  async counts(): Promise<Map<string, number>> {
    return new Map([...this.containers].map(([id, l]) => [id, l.length]));
  }
}

export interface Harness {
  svc: ImageService;
  db: ImageDb;
  content: FsContentStore;
  layers: FakeLayerFiles;
  usage: FakeUsage;
  /** Every event published, in order. */
  events: EngineEvent[];
  dir: string;
}

export async function harness(t: TestContext): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-images-'));
  const meta = new MetadataDb(join(dir, 'berth.db'));
  t.after(() => {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const content = new FsContentStore(join(dir, 'content'));
  await content.init();
  const bus = new EventBus();
  const events: EngineEvent[] = [];
  bus.subscribe({}, (e) => events.push(e));
  const layers = new FakeLayerFiles();
  const usage = new FakeUsage();
  const db = new ImageDb(meta);
  const svc = new ImageService({ db, content, layers, events: bus, usage });
  return { svc, db, content, layers, usage, events, dir };
}

export interface ImageSpec {
  /** Layer contents, bottom first (each string is one fake layer tar). */
  layers: string[];
  /** Whole days after 2024-01-01 (the config's created time). */
  day?: number;
  /** The config's created time itself (instead of day). */
  created?: string;
  labels?: Record<string, string>;
  parent?: string;
  /** Tags to add, e.g. "busybox:latest". */
  tags?: string[];
  /** Makes the config (and so the image ID) unique. */
  comment?: string;
}

export interface Added { id: string; diffIds: string[]; cacheIds: string[]; isNew: boolean }

/** Unpack the layers through the fake, register a config listing them, and tag it. */
export async function addImage(h: Harness, spec: ImageSpec): Promise<Added> {
  const extracted: ExtractedLayer[] = [];
  for (const l of spec.layers) extracted.push(await h.layers.unpack(Readable.from([Buffer.from(l)])));
  const created = spec.created ?? new Date(Date.UTC(2024, 0, 1 + (spec.day ?? 0))).toISOString();
  const config = {
    architecture: 'amd64', os: 'linux', created, comment: spec.comment ?? '',
    config: { Labels: spec.labels ?? null },
    rootfs: { type: 'layers', diff_ids: extracted.map((e) => e.diffId) },
  };
  const r = await h.svc.registrar.register(Buffer.from(JSON.stringify(config)), extracted, spec.parent ? { parent: spec.parent } : {});
  for (const tag of spec.tags ?? []) {
    const i = tag.lastIndexOf(':');
    await h.svc.tag(r.id, tag.slice(0, i), tag.slice(i + 1));
  }
  return { id: r.id, diffIds: extracted.map((e) => e.diffId), cacheIds: extracted.map((e) => e.cacheId), isNew: r.isNew };
}

/** Layer directories are removed in a setImmediate after the request: let it run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Names of the tag references of an image, familiar-ish for short assertions. */
export function tagsOf(h: Harness, id: string): string[] {
  return h.db.refsOf(id).map((r) => r.name);
}
