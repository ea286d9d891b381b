import type { ContentStore } from '../core/content/types.ts';
import { InvalidParameterError } from '../core/errors.ts';
import type { ImageConfig } from '../core/images/types.ts';
import type { ExtractedLayer, LayerFiles } from '../core/layers/types.ts';
import { timeNs } from '../core/time.ts';
import { chainIds, sha256Of } from './chain.ts';
import type { ImageDb } from './store.ts';

export interface RegisterDeps { db: ImageDb; content: ContentStore; layers: LayerFiles }

/** Parse and check an image config's shape. */
export function parseConfig(bytes: Buffer): ImageConfig {
  let cfg: ImageConfig;
  try {
    cfg = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new InvalidParameterError(`invalid image config: ${(e as Error).message}`);
  }
  if (!cfg || typeof cfg !== 'object' || !cfg.rootfs || !Array.isArray(cfg.rootfs.diff_ids)) {
    throw new InvalidParameterError('invalid image config: missing rootfs.diff_ids');
  }
  for (const d of cfg.rootfs.diff_ids) {
    if (typeof d !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d)) throw new InvalidParameterError(`invalid image config: bad diff_id ${JSON.stringify(d)}`);
  }
  return cfg;
}

/**
 * Registration is serialised so that two loads of the same new layer cannot
 * race; the directory work happens before the one DB transaction that makes
 * the image visible.
 */
export class Registrar {
  private readonly deps: RegisterDeps;
  private queue: Promise<unknown> = Promise.resolve();
  /** cacheIds committed by this process, so a layer shared by two images of one archive is kept. */
  private readonly committed = new Set<string>();

  constructor(deps: RegisterDeps) {
    this.deps = deps;
  }

  register(configBytes: Buffer, extracted: ExtractedLayer[], opts: { parent?: string } = {}): Promise<{ id: string; config: ImageConfig; isNew: boolean }> {
    const run = this.queue.then(() => this.doRegister(configBytes, extracted, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doRegister(configBytes: Buffer, extracted: ExtractedLayer[], opts: { parent?: string }): Promise<{ id: string; config: ImageConfig; isNew: boolean }> {
    const { db, content, layers } = this.deps;
    const config = parseConfig(configBytes);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== extracted.length) {
      throw new InvalidParameterError(`invalid image: config lists ${diffIds.length} layers, ${extracted.length} given`);
    }
    extracted.forEach((l, i) => {
      if (l.diffId !== diffIds[i]) throw new InvalidParameterError(`invalid diffID for layer ${i}: expected "${diffIds[i]}", got "${l.diffId}"`);
    });
    const chains = chainIds(diffIds);
    const id = sha256Of(configBytes);
    await content.put(configBytes, id);

    const duplicates: string[] = [];
    const fresh: { index: number; parentCacheId: string | null }[] = [];
    let parentCacheId: string | null = null;
    for (let i = 0; i < chains.length; i++) {
      const existing = db.getLayer(chains[i]);
      if (existing) {
        if (existing.cacheId !== extracted[i].cacheId && !this.committed.has(extracted[i].cacheId)) duplicates.push(extracted[i].cacheId);
        parentCacheId = existing.cacheId;
      } else {
        if (this.committed.has(extracted[i].cacheId)) {
          throw new InvalidParameterError(`layer ${extracted[i].diffId} is used on top of two different parent chains in one archive; load these images separately`);
        }
        await layers.commit(extracted[i].cacheId, parentCacheId);
        this.committed.add(extracted[i].cacheId);
        fresh.push({ index: i, parentCacheId });
        parentCacheId = extracted[i].cacheId;
      }
    }
    let size = 0;
    const isNew = db.tx(() => {
      for (const { index } of fresh) {
        const l = extracted[index];
        db.insertLayer({ chainId: chains[index], diffId: l.diffId, parent: index ? chains[index - 1] : null, cacheId: l.cacheId, size: l.size, tarSize: l.tarSize });
      }
      size = db.chain(chains.at(-1) ?? null).reduce((s, l) => s + l.size, 0);
      const ns = config.created ? timeNs(config.created) : null;
      const createdMs = ns !== null ? Number(ns) / 1e6 : config.created ? Date.parse(config.created) || 0 : 0;
      return db.insertImage({
        id, created: Math.floor(createdMs / 1000), createdMs, size, parent: opts.parent ?? '', topChain: chains.at(-1) ?? null, labels: config.config?.Labels ?? null,
      });
    });
    for (const c of duplicates) await layers.remove(c);
    return { id, config, isNew };
  }
}
