import type { EndpointRecord, NetworkRecord } from '../core/network/types.ts';
import type { MetadataDb } from '../metadata/db.ts';

/** Networks and endpoints in the metadata store (tables from migration 3). */
export class NetworkDb {
  private readonly meta: MetadataDb;
  private readonly nets = new Map<string, NetworkRecord>();
  private readonly eps = new Map<string, EndpointRecord>();
  /** The same endpoints by container: `ps` asks for every container's (no scan of them all each time). */
  private readonly byContainer = new Map<string, Map<string, EndpointRecord>>();

  constructor(meta: MetadataDb) {
    this.meta = meta;
    for (const r of meta.db.prepare('SELECT data FROM networks').all() as { data: string }[]) {
      const n = JSON.parse(r.data) as NetworkRecord;
      this.nets.set(n.id, n);
    }
    for (const r of meta.db.prepare('SELECT data FROM endpoints').all() as { data: string }[]) {
      this.remember(JSON.parse(r.data) as EndpointRecord);
    }
  }

  /** Goes up at every change of a network or endpoint (for caches of derived views). */
  revision = 0;

  networks(): NetworkRecord[] {
    return [...this.nets.values()];
  }

  network(id: string): NetworkRecord | undefined {
    return this.nets.get(id);
  }

  saveNetwork(n: NetworkRecord): void {
    this.revision++;
    this.meta.db.prepare('INSERT OR REPLACE INTO networks (id, name, data) VALUES (?, ?, ?)').run(n.id, n.name, JSON.stringify(n));
    this.nets.set(n.id, n);
  }

  deleteNetwork(id: string): void {
    this.revision++;
    this.meta.tx(() => {
      this.meta.db.prepare('DELETE FROM endpoints WHERE network_id = ?').run(id);
      this.meta.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
    });
    this.nets.delete(id);
    for (const e of [...this.eps.values()]) if (e.networkId === id) this.forget(e.containerId, id);
  }

  private remember(e: EndpointRecord): void {
    this.eps.set(key(e.containerId, e.networkId), e);
    let m = this.byContainer.get(e.containerId);
    if (!m) this.byContainer.set(e.containerId, (m = new Map()));
    m.set(e.networkId, e);
  }

  private forget(containerId: string, networkId: string): void {
    this.eps.delete(key(containerId, networkId));
    const m = this.byContainer.get(containerId);
    m?.delete(networkId);
    if (m?.size === 0) this.byContainer.delete(containerId);
  }

  /** Endpoints of a container in attach order, or of a network. */
  endpointsOf(q: { containerId?: string; networkId?: string }): EndpointRecord[] {
    const pool = q.containerId !== undefined ? this.byContainer.get(q.containerId)?.values() ?? [] : this.eps.values();
    return [...pool].filter((e) => (!q.containerId || e.containerId === q.containerId) && (!q.networkId || e.networkId === q.networkId)).sort((a, b) => a.seq - b.seq);
  }

  endpoint(containerId: string, networkId: string): EndpointRecord | undefined {
    return this.eps.get(key(containerId, networkId));
  }

  saveEndpoint(e: EndpointRecord): void {
    this.revision++;
    this.meta.db.prepare('INSERT OR REPLACE INTO endpoints (container_id, network_id, data) VALUES (?, ?, ?)').run(e.containerId, e.networkId, JSON.stringify(e));
    this.remember(e);
  }

  deleteEndpoint(containerId: string, networkId: string): void {
    this.revision++;
    this.meta.db.prepare('DELETE FROM endpoints WHERE container_id = ? AND network_id = ?').run(containerId, networkId);
    this.forget(containerId, networkId);
  }
}

function key(c: string, n: string): string {
  return `${c}/${n}`;
}
