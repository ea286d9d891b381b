import type { EndpointRecord, NetworkRecord } from '../core/network/types.ts';
import type { MetadataDb } from '../metadata/db.ts';

/** Networks and endpoints in the metadata store (tables from migration 3). */
export class NetworkDb {
  private readonly meta: MetadataDb;
  private readonly nets = new Map<string, NetworkRecord>();
  private readonly eps = new Map<string, EndpointRecord>();

  constructor(meta: MetadataDb) {
    this.meta = meta;
    for (const r of meta.db.prepare('SELECT data FROM networks').all() as { data: string }[]) {
      const n = JSON.parse(r.data) as NetworkRecord;
      this.nets.set(n.id, n);
    }
    for (const r of meta.db.prepare('SELECT data FROM endpoints').all() as { data: string }[]) {
      const e = JSON.parse(r.data) as EndpointRecord;
      this.eps.set(key(e.containerId, e.networkId), e);
    }
  }

  networks(): NetworkRecord[] {
    return [...this.nets.values()];
  }

  network(id: string): NetworkRecord | undefined {
    return this.nets.get(id);
  }

  saveNetwork(n: NetworkRecord): void {
    this.meta.db.prepare('INSERT OR REPLACE INTO networks (id, name, data) VALUES (?, ?, ?)').run(n.id, n.name, JSON.stringify(n));
    this.nets.set(n.id, n);
  }

  deleteNetwork(id: string): void {
    this.meta.tx(() => {
      this.meta.db.prepare('DELETE FROM endpoints WHERE network_id = ?').run(id);
      this.meta.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
    });
    this.nets.delete(id);
    for (const [k, e] of this.eps) if (e.networkId === id) this.eps.delete(k);
  }

  /** Endpoints of a container in attach order, or of a network. */
  endpointsOf(q: { containerId?: string; networkId?: string }): EndpointRecord[] {
    return [...this.eps.values()].filter((e) => (!q.containerId || e.containerId === q.containerId) && (!q.networkId || e.networkId === q.networkId)).sort((a, b) => a.seq - b.seq);
  }

  endpoint(containerId: string, networkId: string): EndpointRecord | undefined {
    return this.eps.get(key(containerId, networkId));
  }

  saveEndpoint(e: EndpointRecord): void {
    this.meta.db.prepare('INSERT OR REPLACE INTO endpoints (container_id, network_id, data) VALUES (?, ?, ?)').run(e.containerId, e.networkId, JSON.stringify(e));
    this.eps.set(key(e.containerId, e.networkId), e);
  }

  deleteEndpoint(containerId: string, networkId: string): void {
    this.meta.db.prepare('DELETE FROM endpoints WHERE container_id = ? AND network_id = ?').run(containerId, networkId);
    this.eps.delete(key(containerId, networkId));
  }
}

function key(c: string, n: string): string {
  return `${c}/${n}`;
}
