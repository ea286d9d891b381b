/** Shared state of the distribution service: limits, in-flight layer downloads, blob bookkeeping. */
import type { ExtractedLayer } from '../core/layers/types.ts';
import type { ImageService } from '../images/service.ts';
import type { BlobMeta } from './blobmeta.ts';
import type { RegistrySettings } from './endpoints.ts';
import { Limiter } from './limiter.ts';

export interface DistributionSettings extends RegistrySettings {
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
}

export class DistributionContext {
  readonly images: ImageService;
  readonly meta: BlobMeta;
  readonly settings: () => DistributionSettings;
  readonly downloads: Limiter;
  readonly uploads: Limiter;
  private readonly flights = new Map<string, { promise: Promise<ExtractedLayer>; users: number }>();
  private sweepWanted = false;

  constructor(images: ImageService, meta: BlobMeta, settings: () => DistributionSettings) {
    this.images = images;
    this.meta = meta;
    this.settings = settings;
    this.downloads = new Limiter(() => settings().maxConcurrentDownloads);
    this.uploads = new Limiter(() => settings().maxConcurrentUploads);
  }

  /** Run `fn` once per key while it is in flight: two pulls of one layer download it once. */
  inflight(key: string, fn: () => Promise<ExtractedLayer>): Promise<ExtractedLayer> {
    let f = this.flights.get(key);
    if (!f) {
      f = { promise: fn(), users: 0 };
      f.promise.catch(() => {});
      this.flights.set(key, f);
    }
    f.users++;
    return f.promise;
  }

  /** A pull is done with these keys: layers and blobs nothing registered are removed. */
  async release(keys: string[]): Promise<void> {
    const done: ExtractedLayer[] = [];
    for (const k of keys) {
      const f = this.flights.get(k);
      if (!f) continue;
      if (--f.users > 0) continue;
      this.flights.delete(k);
      const r = await f.promise.then((v) => v, () => null);
      if (r) done.push(r);
    }
    const keep = this.images.deps.db.allCacheIds();
    for (const l of done) if (!keep.has(l.cacheId)) await this.images.deps.layers.remove(l.cacheId);
    await this.collectBlobs(false);
    if (this.sweepWanted) await this.sweep();
  }

  /**
   * An image was deleted: remove, in the background, the stored blobs of
   * layers that no image uses any more (deferred while a pull runs).
   */
  imageDeleted(): void {
    this.sweepWanted = true;
    setImmediate(() => { void this.sweep(); });
  }

  private async sweep(): Promise<void> {
    if (!this.sweepWanted || this.flights.size > 0) return;
    this.sweepWanted = false;
    await this.collectBlobs(true).catch(() => 0);
  }

  /** Delete stored blobs whose layer never got registered (or, with `all`, no image uses any more). */
  async collectBlobs(all: boolean): Promise<number> {
    if (this.flights.size > 0) return 0;
    const { db, content } = this.images.deps;
    let diffIds: Set<string> | null = null;
    if (all) {
      diffIds = new Set();
      for (const row of db.all()) for (const l of db.chain(row.topChain)) diffIds.add(l.diffId);
    }
    let n = 0;
    for (const b of this.meta.all()) {
      if (this.flights.size > 0) break; // a pull started: it may be storing these
      if (b.diffId && (!diffIds || diffIds.has(b.diffId))) continue;
      await content.delete(b.digest);
      await this.meta.delete(b.digest);
      n++;
    }
    return n;
  }
}
