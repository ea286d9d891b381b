/*
 * GET /containers/json with many containers: each item is serialized once per
 * revision of what it shows (the container record and the network state), and
 * only its Status ("Up 5 seconds") is written afresh at every request.
 */
import type { ContainerRecord } from '../../core/containers/types.ts';
import type { ContainerNetView } from '../../core/network/types.ts';
import { containerSummary, statusString } from './containers.ts';

/** An item's JSON without its Status value: `head` ends with `"Status":`, `tail` starts with `,"HostConfig"`. */
interface Entry { revision: string; head: Buffer; tail: Buffer }

export interface ListItem { rec: ContainerRecord; revision: string; view: () => ContainerNetView | undefined; image?: string; names?: string[] }

/** Past this many entries, the ones of containers no longer listed are dropped. */
const SWEEP_ABOVE = 4096;

const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]

export class SummaryCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * The entry of one item. `revision` must change whenever anything the item
   * shows may have changed (Status aside); `view` is only asked for on a miss.
   */
  private entry(c: ContainerRecord, revision: string, view: () => ContainerNetView | undefined, image?: string, names?: string[]): Entry {
    let e = this.entries.get(c.id);
    if (e?.revision !== revision) {
      const { Status: _status, HostConfig, NetworkSettings, Mounts, ...head } = containerSummary(c, view(), image, names);
      // Docker's key order: ..., State, Status, HostConfig, NetworkSettings, Mounts
      e = {
        revision,
        head: Buffer.from(`${JSON.stringify(head).slice(0, -1)},"Status":`),
        tail: Buffer.from(`,${JSON.stringify({ HostConfig, NetworkSettings, Mounts }).slice(1)}`),
      };
      this.entries.set(c.id, e);
    }
    return e;
  }

  /**
   * The whole list as one JSON body. The bytes are copied from the cached
   * entries into a single buffer outside the JS heap: a thousand containers
   * make ≈ 700 KB, which as strings would be garbage for the collector at
   * every request. Entries of containers that are gone are dropped when the
   * listing was complete or the cache is large.
   */
  body(items: ListItem[], complete: boolean): Buffer {
    const now = Date.now();
    const revision = (x: ListItem): string => `${x.revision}${x.image === undefined ? '' : `:${x.image}`}${x.names && x.names.length > 1 ? `:${x.names.join(',')}` : ''}`;
    const entries = items.map((x) => this.entry(x.rec, revision(x), x.view, x.image, x.names));
    // most items share their Status with others ("Created", "Up 2 minutes"): each text is encoded once
    const encoded = new Map<string, Buffer>();
    const statuses = items.map((x) => {
      const text = statusString(x.rec, now);
      let b = encoded.get(text);
      if (!b) encoded.set(text, b = Buffer.from(JSON.stringify(text)));
      return b;
    });
    let length = 2 + Math.max(0, items.length - 1);
    for (let i = 0; i < items.length; i++) length += entries[i].head.length + statuses[i].length + entries[i].tail.length;
    const out = Buffer.allocUnsafeSlow(length);
    let at = 0;
    out[at++] = OPEN;
    for (let i = 0; i < items.length; i++) {
      if (i) out[at++] = COMMA;
      out.set(entries[i].head, at);
      at += entries[i].head.length;
      out.set(statuses[i], at);
      at += statuses[i].length;
      out.set(entries[i].tail, at);
      at += entries[i].tail.length;
    }
    out[at++] = CLOSE;
    if (complete || this.entries.size > SWEEP_ABOVE) {
      const keep = new Set(items.map((x) => x.rec.id));
      for (const id of this.entries.keys()) if (!keep.has(id)) this.entries.delete(id);
    }
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}
