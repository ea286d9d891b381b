import { matchLabels, matchNotLabels, type Filters } from '../core/filters.ts';
import type { NetworkRecord } from '../core/network/types.ts';

/** `docker network ls --filter`: `endpoints` is the number of containers on the network. */
export function networkMatches(n: NetworkRecord, f: Filters, endpoints: number): boolean {
  const any = (key: string, ok: (v: string) => boolean): boolean => !f.has(key) || f.get(key)!.some(ok);
  const type = ['bridge', 'host', 'none'].includes(n.name) && (n.isDefault || n.driver !== 'bridge') ? 'builtin' : 'custom';
  const dangling = endpoints === 0 && type === 'custom';
  return any('driver', (v) => v === n.driver) && any('id', (v) => n.id.startsWith(v)) && any('name', (v) => n.name.includes(v))
    && any('scope', (v) => v === 'local') && any('type', (v) => v === type) && any('dangling', (v) => (v === 'true' || v === '1') === dangling)
    && matchLabels(f, n.labels) && matchNotLabels(f, n.labels);
}
