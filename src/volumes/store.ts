import type { VolumeRecord } from '../core/volumes/types.ts';
import type { MetadataDb } from '../metadata/db.ts';

interface Row { name: string; driver: string; created: string; labels: string; options: string }

/** Volume records in the metadata DB. */
export class VolumeDb {
  private readonly m: MetadataDb;

  constructor(m: MetadataDb) {
    this.m = m;
  }

  private static record(r: Row): VolumeRecord {
    return { name: r.name, driver: r.driver, createdAt: r.created, labels: JSON.parse(r.labels), options: JSON.parse(r.options) };
  }

  get(name: string): VolumeRecord | undefined {
    const r = this.m.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return r ? VolumeDb.record(r) : undefined;
  }

  all(): VolumeRecord[] {
    return (this.m.db.prepare('SELECT * FROM volumes ORDER BY name').all() as unknown as Row[]).map(VolumeDb.record);
  }

  insert(v: VolumeRecord): void {
    this.m.db.prepare('INSERT INTO volumes (name, driver, created, labels, options) VALUES (?, ?, ?, ?, ?)')
      .run(v.name, v.driver, v.createdAt, JSON.stringify(v.labels), JSON.stringify(v.options));
  }

  delete(name: string): void {
    this.m.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
  }
}
