import type { MetadataDb } from '../metadata/db.ts';
import type { LayerRecord } from '../core/images/types.ts';
import { nowRfc3339Nano } from '../core/time.ts';

/** A row of `images` with its references, without the config. */
export interface ImageRow {
  id: string;
  created: number;
  /** The config's creation time in milliseconds, with the fraction below one (filters compare these). */
  createdMs: number;
  size: number;
  parent: string;
  topChain: string | null;
  labels: Record<string, string>;
  added: number;
  lastTagTime: string | null;
  refs: { name: string; kind: 'tag' | 'digest' }[];
}

interface RawImage { id: string; created: number; created_ms: number | null; size: number; parent: string; top_chain: string | null; labels: string | null; added: number; last_tag_time: string | null }
interface RawLayer { chain_id: string; diff_id: string; parent: string | null; cache_id: string; size: number; tar_size: number }

function toLayer(r: RawLayer): LayerRecord {
  return { chainId: r.chain_id, diffId: r.diff_id, parent: r.parent, cacheId: r.cache_id, size: r.size, tarSize: r.tar_size };
}

/** SQL for images, references and layers. All methods are synchronous and run inside the caller's transaction if any. */
export class ImageDb {
  private readonly m: MetadataDb;

  constructor(m: MetadataDb) {
    this.m = m;
  }

  tx<T>(fn: () => T): T {
    return this.m.tx(fn);
  }

  private rowOf(r: RawImage, refs: ImageRow['refs']): ImageRow {
    return {
      id: r.id, created: r.created, createdMs: r.created_ms ?? r.created * 1000, size: r.size, parent: r.parent, topChain: r.top_chain,
      labels: r.labels ? JSON.parse(r.labels) : {}, added: r.added, lastTagTime: r.last_tag_time, refs,
    };
  }

  all(): ImageRow[] {
    const rows = this.m.db.prepare('SELECT * FROM images ORDER BY created DESC, added DESC').all() as unknown as RawImage[];
    const refs = this.m.db.prepare('SELECT name, image_id, kind FROM image_refs ORDER BY name').all() as unknown as { name: string; image_id: string; kind: 'tag' | 'digest' }[];
    const byImage = new Map<string, ImageRow['refs']>();
    for (const r of refs) {
      let l = byImage.get(r.image_id);
      if (!l) byImage.set(r.image_id, (l = []));
      l.push({ name: r.name, kind: r.kind });
    }
    return rows.map((r) => this.rowOf(r, byImage.get(r.id) ?? []));
  }

  get(id: string): ImageRow | undefined {
    const r = this.m.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as unknown as RawImage | undefined;
    if (!r) return undefined;
    const refs = this.m.db.prepare('SELECT name, kind FROM image_refs WHERE image_id = ? ORDER BY name').all(id) as unknown as ImageRow['refs'];
    return this.rowOf(r, refs);
  }

  idsWithPrefix(hexPrefix: string): string[] {
    const rows = this.m.db.prepare('SELECT id FROM images WHERE id >= ? AND id < ? LIMIT 2')
      .all(`sha256:${hexPrefix}`, `sha256:${hexPrefix}\uffff`) as { id: string }[];
    return rows.map((r) => r.id);
  }

  refTarget(name: string): string | undefined {
    const r = this.m.db.prepare('SELECT image_id FROM image_refs WHERE name = ?').get(name) as { image_id: string } | undefined;
    return r?.image_id;
  }

  insertImage(r: { id: string; created: number; createdMs?: number; size: number; parent: string; topChain: string | null; labels: Record<string, string> | null }): boolean {
    const res = this.m.db.prepare(
      'INSERT OR IGNORE INTO images (id, created, created_ms, size, parent, top_chain, labels, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(r.id, r.created, r.createdMs ?? r.created * 1000, r.size, r.parent, r.topChain, r.labels && Object.keys(r.labels).length ? JSON.stringify(r.labels) : null, Date.now());
    return res.changes > 0;
  }

  /** Point a reference at an image; returns the image it pointed to before, if another. */
  setRef(name: string, imageId: string, kind: 'tag' | 'digest'): string | undefined {
    const prev = this.refTarget(name);
    this.m.db.prepare('INSERT INTO image_refs (name, image_id, kind) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, kind = excluded.kind')
      .run(name, imageId, kind);
    this.m.db.prepare('UPDATE images SET last_tag_time = ? WHERE id = ?').run(nowRfc3339Nano(), imageId);
    return prev !== imageId ? prev : undefined;
  }

  removeRef(name: string): boolean {
    return this.m.db.prepare('DELETE FROM image_refs WHERE name = ?').run(name).changes > 0;
  }

  refsOf(id: string): ImageRow['refs'] {
    return this.m.db.prepare('SELECT name, kind FROM image_refs WHERE image_id = ? ORDER BY name').all(id) as unknown as ImageRow['refs'];
  }

  hasChildren(id: string): boolean {
    return this.m.db.prepare('SELECT 1 FROM images WHERE parent = ? LIMIT 1').get(id) !== undefined;
  }

  deleteImage(id: string): void {
    this.m.db.prepare('DELETE FROM images WHERE id = ?').run(id);
  }

  getLayer(chainId: string): LayerRecord | undefined {
    const r = this.m.db.prepare('SELECT * FROM layers WHERE chain_id = ?').get(chainId) as unknown as RawLayer | undefined;
    return r ? toLayer(r) : undefined;
  }

  insertLayer(l: LayerRecord): void {
    this.m.db.prepare('INSERT INTO layers (chain_id, diff_id, parent, cache_id, size, tar_size, created) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(l.chainId, l.diffId, l.parent, l.cacheId, l.size, l.tarSize, Date.now());
  }

  /** Layers of a chain, bottom first. */
  chain(topChain: string | null): LayerRecord[] {
    const out: LayerRecord[] = [];
    for (let c = topChain; c; ) {
      const l = this.getLayer(c);
      if (!l) throw new Error(`layer ${c} is missing from the store`);
      out.unshift(l);
      c = l.parent;
    }
    return out;
  }

  /** Delete the layers of a chain that nothing references any more; returns them, top first. */
  releaseChain(topChain: string | null): LayerRecord[] {
    const released: LayerRecord[] = [];
    const imageUses = this.m.db.prepare('SELECT 1 FROM images WHERE top_chain = ? LIMIT 1');
    const childUses = this.m.db.prepare('SELECT 1 FROM layers WHERE parent = ? LIMIT 1');
    for (let c = topChain; c; ) {
      if (imageUses.get(c) !== undefined || childUses.get(c) !== undefined) break;
      const l = this.getLayer(c);
      if (!l) break;
      this.m.db.prepare('DELETE FROM layers WHERE chain_id = ?').run(c);
      released.push(l);
      c = l.parent;
    }
    return released;
  }

  allCacheIds(): Set<string> {
    const rows = this.m.db.prepare('SELECT cache_id FROM layers').all() as { cache_id: string }[];
    return new Set(rows.map((r) => r.cache_id));
  }

  layersSize(): number {
    const r = this.m.db.prepare('SELECT COALESCE(SUM(size), 0) AS s FROM layers').get() as { s: number };
    return r.s;
  }
}
