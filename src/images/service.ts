import type { Readable, Writable } from 'node:stream';
import type { ContentStore } from '../core/content/types.ts';
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import type { EventSink } from '../core/events/types.ts';
import type { Filters } from '../core/filters.ts';
import type {
  ImageBackend, ImageChangeOptions, ImageConfig, ImageDeleteItem, ImageInfo, ImageListOptions, ImageRecord, ImageUsage, LayerRecord, ProgressFn,
} from '../core/images/types.ts';
import type { LayerFiles } from '../core/layers/types.ts';
import { familiarString, fullName, parseReference } from '../core/reference/reference.ts';
import { filterImages } from './filter.ts';
import { importImage } from './import.ts';
import { Registrar, parseConfig } from './register.ts';
import { removeImage, pruneImages } from './remove.ts';
import { resolveImage } from './resolve.ts';
import type { ImageDb, ImageRow } from './store.ts';
import { loadArchive, saveArchive } from './transfer.ts';

export interface ImageServiceDeps {
  db: ImageDb;
  content: ContentStore;
  layers: LayerFiles;
  events: EventSink;
  usage: ImageUsage;
}

/** The image service: the store of images, references and their layers. */
export class ImageService implements ImageBackend {
  readonly deps: ImageServiceDeps;
  readonly registrar: Registrar;

  constructor(deps: ImageServiceDeps) {
    this.deps = deps;
    this.registrar = new Registrar(deps);
  }

  /** Remove layer directories and blobs that no image references (start-up recovery). */
  async recover(): Promise<string[]> {
    return this.deps.layers.cleanup(this.deps.db.allCacheIds());
  }

  /** The config is read on demand (inspect, history); listings never need it. */
  async config(id: string): Promise<ImageConfig> {
    return parseConfig(await this.deps.content.read(id));
  }

  info(row: ImageRow): ImageInfo {
    return {
      id: row.id,
      labels: row.labels,
      created: row.created,
      size: row.size,
      parent: row.parent,
      topChain: row.topChain,
      repoTags: row.refs.filter((r) => r.kind === 'tag').map((r) => r.name),
      repoDigests: row.refs.filter((r) => r.kind === 'digest').map((r) => r.name),
      metadata: { lastTagTime: row.lastTagTime ?? undefined },
    };
  }

  async record(row: ImageRow): Promise<ImageRecord> {
    return { ...this.info(row), config: await this.config(row.id) };
  }

  resolveId(nameOrId: string): string {
    return resolveImage(this.deps.db, nameOrId).id;
  }

  async get(nameOrId: string): Promise<ImageRecord> {
    const { id } = resolveImage(this.deps.db, nameOrId);
    const row = this.deps.db.get(id);
    if (!row) throw new NotFoundError(`No such image: ${nameOrId}`);
    return this.record(row);
  }

  async list(opts: ImageListOptions): Promise<ImageInfo[]> {
    return filterImages(this.deps.db, this.deps.db.all(), opts).map((r) => this.info(r));
  }

  async layersOf(image: ImageInfo): Promise<LayerRecord[]> {
    return this.deps.db.chain(image.topChain);
  }

  async graphDriverData(image: ImageRecord): Promise<Record<string, string> | null> {
    const chain = this.deps.db.chain(image.topChain);
    if (!chain.length) return null;
    const dirs = chain.map((l) => this.deps.layers.diffDir(l.cacheId)).reverse();
    const top = dirs[0];
    const data: Record<string, string> = {};
    if (dirs.length > 1) data.LowerDir = dirs.slice(1).join(':');
    data.MergedDir = top.replace(/diff$/, 'merged');
    data.UpperDir = top;
    data.WorkDir = top.replace(/diff$/, 'work');
    return data;
  }

  async tag(source: string, repo: string, tag: string): Promise<void> {
    const { id } = resolveImage(this.deps.db, source);
    let ref;
    try {
      ref = parseReference(tag ? `${repo}:${tag}` : repo);
    } catch (e) {
      throw new InvalidParameterError((e as Error).message);
    }
    if (ref.digest) throw new InvalidParameterError('refusing to create a tag with a digest reference');
    if (!ref.tag) ref = { ...ref, tag: 'latest' };
    this.deps.db.tx(() => this.deps.db.setRef(fullName(ref), id, 'tag'));
    this.deps.events.publish('image', 'tag', id, { name: familiarString(ref) });
  }

  remove(nameOrId: string, opts: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]> {
    return removeImage(this, nameOrId, opts);
  }

  prune(opts: { filters: Filters }): Promise<{ ImagesDeleted: ImageDeleteItem[]; SpaceReclaimed: number }> {
    return pruneImages(this, opts.filters);
  }

  async importTar(input: Readable, target: { repo?: string; tag?: string }, opts: ImageChangeOptions): Promise<ImageRecord> {
    const id = await importImage(this, input, target, opts);
    return this.get(id);
  }

  load(input: Readable, opts: { quiet: boolean; signal?: AbortSignal }, progress: ProgressFn): Promise<void> {
    return loadArchive(this, input, opts, progress);
  }

  save(names: string[], out: Writable, opts?: { signal?: AbortSignal }): Promise<void> {
    return saveArchive(this, names, out, opts);
  }

  async layersSize(): Promise<number> {
    return this.deps.db.layersSize();
  }

  containerCounts(): Promise<Map<string, number>> {
    return this.deps.usage.counts();
  }
}
