/**
 * `docker network ls --filter` as dockerd's daemon/network/filter.go
 * (FilterNetworks): driver and scope exactly, name and id as filters.Args.Match
 * (equal, or a Go regexp that matches), labels, then dangling, then type.
 */
import { InvalidParameterError } from '../core/errors.ts';
import { goMatcher, matchKVList, type Filters } from '../core/filters.ts';
import type { NetworkRecord } from '../core/network/types.ts';

/** network.IsPredefined on Linux: the names of the daemon's own networks. */
export function isPredefined(name: string): boolean {
  return ['bridge', 'host', 'none', 'default'].includes(name);
}

/** Check the values FilterNetworks rejects before any network is looked at. */
function danglingOnly(f: Filters): boolean | undefined {
  const values = f.get('dangling');
  if (!values?.length) return undefined;
  if (values.length > 1) throw new InvalidParameterError('got more than one value for filter key "dangling"');
  if (values[0] === '1' || values[0] === 'true') return true;
  if (values[0] === '0' || values[0] === 'false') return false;
  throw new InvalidParameterError('invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")');
}

/**
 * The networks the filters keep, in the order given (with `type`: all of the
 * first type named, then the next). dockerd lists networks without their
 * containers before it filters, so `dangling` tells only the predefined
 * networks (in use) from the others (dangling), whatever is attached.
 */
export function filterNetworks(nets: NetworkRecord[], f: Filters): NetworkRecord[] {
  if (f.size === 0) return nets;
  const name = goMatcher(f.get('name'));
  const id = goMatcher(f.get('id'));
  const drivers = f.get('driver');
  const scopes = f.get('scope');
  let out = nets.filter((n) => (!drivers?.length || drivers.includes(n.driver))
    && (!name || name(n.name))
    && (!id || id(n.id))
    && matchKVList(f, 'label', n.labels)
    && (!scopes?.length || scopes.includes('local')));
  const dangling = danglingOnly(f);
  if (dangling !== undefined) out = out.filter((n) => isPredefined(n.name) !== dangling);
  const types = f.get('type');
  if (types) {
    out = types.flatMap((t) => {
      if (t !== 'builtin' && t !== 'custom') throw new InvalidParameterError(`invalid filter: 'type'='${t}'`);
      return out.filter((n) => isPredefined(n.name) === (t === 'builtin'));
    });
  }
  return out;
}
