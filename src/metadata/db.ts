import { DatabaseSync } from 'node:sqlite';

/** Schema migrations, applied in order; the index is the schema version. */
const MIGRATIONS: string[] = [
  `CREATE TABLE layers (
     chain_id TEXT PRIMARY KEY,
     diff_id TEXT NOT NULL,
     parent TEXT,
     cache_id TEXT NOT NULL UNIQUE,
     size INTEGER NOT NULL,
     tar_size INTEGER NOT NULL,
     created INTEGER NOT NULL
   );
   CREATE INDEX layers_parent ON layers(parent);
   CREATE TABLE images (
     id TEXT PRIMARY KEY,
     created INTEGER NOT NULL,
     size INTEGER NOT NULL,
     parent TEXT NOT NULL DEFAULT '',
     top_chain TEXT,
     labels TEXT,
     added INTEGER NOT NULL,
     last_tag_time TEXT
   );
   CREATE INDEX images_top ON images(top_chain);
   CREATE INDEX images_parent ON images(parent);
   CREATE TABLE image_refs (
     name TEXT PRIMARY KEY,
     image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
     kind TEXT NOT NULL
   );
   CREATE INDEX image_refs_image ON image_refs(image_id);`,
  `CREATE TABLE containers (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     image_id TEXT NOT NULL,
     created TEXT NOT NULL,
     data TEXT NOT NULL
   );
   CREATE INDEX containers_image ON containers(image_id);`,
  `CREATE TABLE volumes (
     name TEXT PRIMARY KEY,
     driver TEXT NOT NULL,
     created TEXT NOT NULL,
     labels TEXT NOT NULL,
     options TEXT NOT NULL
   );`,
  `CREATE TABLE networks (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     data TEXT NOT NULL
   );
   CREATE TABLE endpoints (
     container_id TEXT NOT NULL,
     network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
     data TEXT NOT NULL,
     PRIMARY KEY (container_id, network_id)
   );`,
  // the creation time to the sub-millisecond (before/since/until filters); NULL for older rows: created * 1000
  'ALTER TABLE images ADD COLUMN created_ms REAL;',
];

/**
 * The one transactional metadata store (SQLite, WAL). Services own their
 * tables; this class only opens, migrates and offers transactions.
 */
export class MetadataDb {
  readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    this.migrate();
  }

  private migrate(): void {
    const row = this.db.prepare('PRAGMA user_version').get() as { user_version: number };
    for (let v = row.user_version; v < MIGRATIONS.length; v++) {
      this.tx(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.exec(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }

  /** Run fn in one transaction (nested calls join the outer one). */
  tx<T>(fn: () => T): T {
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
