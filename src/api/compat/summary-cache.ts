/*
 * GET /containers/json with many containers: each item is serialized once per
 * revision of what it shows (the container record and the network state), and
 * only its Status ("Up 5 seconds") is written afresh at every request.
 */
import type { ContainerRecord } from '../../core/containers/types.ts';
import type { ContainerNetView } from '../../core/network/types.ts';
import { containerSummary, statusString } from './containers.ts';

interface Entry { revision: string; head: string; tail: string }

export interface ListItem { rec: ContainerRecord; revision: string; view: () => ContainerNetView | undefined }

/** Items per piece of parts(): ≈ 70 KB, under V8's 128 KB large-object threshold. */
const PER_PART = 100;

/** Past this many entries, the ones of containers no longer listed are dropped. */
const SWEEP_ABOVE = 4096;

export class SummaryCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * One item of the list as JSON. `revision` must change whenever anything
   * the item shows may have changed (Status aside); `view` is only asked for
   * on a miss.
   */
  item(c: ContainerRecord, revision: string, view: () => ContainerNetView | undefined, now = Date.now()): string {
    let e = this.entries.get(c.id);
    if (e?.revision !== revision) {
      const { Status: _status, HostConfig, NetworkSettings, Mounts, ...head } = containerSummary(c, view());
      // Docker's key order: ..., State, Status, HostConfig, NetworkSettings, Mounts
      e = { revision, head: JSON.stringify(head).slice(0, -1), tail: JSON.stringify({ HostConfig, NetworkSettings, Mounts }).slice(1) };
      this.entries.set(c.id, e);
    }
    return `${e.head},"Status":${JSON.stringify(statusString(c, now))},${e.tail}`;
  }

  /**
   * The whole list, as consecutive pieces of at most `perPart` items each;
   * entries of containers that are gone are dropped when the listing was
   * complete or the cache is large. A
   * thousand containers make ≈ 700 KB of JSON: as one string it lands in
   * V8's large-object space, which only a full collection frees (and that
   * marks concurrently, on the core the client wants); pieces of ~100 items
   * stay small and die young.
   */
  parts(items: ListItem[], complete: boolean, perPart = PER_PART): string[] {
    const now = Date.now();
    const out: string[] = [];
    for (let i = 0; i < items.length; i += perPart) {
      const chunk = items.slice(i, i + perPart).map((x) => this.item(x.rec, x.revision, x.view, now)).join(',');
      out.push(i === 0 ? chunk : `,${chunk}`);
    }
    if (complete || this.entries.size > SWEEP_ABOVE) {
      const keep = new Set(items.map((x) => x.rec.id));
      for (const id of this.entries.keys()) if (!keep.has(id)) this.entries.delete(id);
    }
    if (!out.length) return ['[]'];
    out[0] = `[${out[0]}`;
    out[out.length - 1] += ']';
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}
