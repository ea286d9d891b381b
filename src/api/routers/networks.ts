import { parseFilters } from '../../core/filters.ts';
import type { EndpointConfig, NetworkBackend, NetworkCreateRequest } from '../../core/network/types.ts';
import { networkShape } from '../compat/networks.ts';
import { readJson, nullIfEmpty, sendJson, sendNoContent, type Req } from '../http.ts';
import type { Route } from '../router.ts';

const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];
const PRUNE_FILTERS = ['until', 'label', 'label!'];

/** Engine API routes for networks. */
export function networkRoutes(n: NetworkBackend): Route[] {
  const list = async (r: Req): Promise<void> => {
    const nets = await n.list(parseFilters(r.query.get('filters'), LIST_FILTERS));
    sendJson(r.res, 200, nets.map((x) => networkShape(x, null)));
  };
  const inspect = async (r: Req): Promise<void> => {
    const net = await n.get(r.params[0]);
    sendJson(r.res, 200, networkShape(net, n.endpoints(net.id)));
  };
  const create = async (r: Req): Promise<void> => {
    const body = (await readJson<NetworkCreateRequest>(r.raw)) ?? { Name: '' };
    const res = await n.create(body);
    sendJson(r.res, 201, { Id: res.id, Warning: res.warning });
  };
  const connect = async (r: Req): Promise<void> => {
    const body = (await readJson<{ Container?: string; EndpointConfig?: EndpointConfig | null }>(r.raw)) ?? {};
    await n.connect(r.params[0], body.Container ?? '', body.EndpointConfig ?? {});
    sendNoContent(r.res, 200);
  };
  const disconnect = async (r: Req): Promise<void> => {
    const body = (await readJson<{ Container?: string; Force?: boolean }>(r.raw)) ?? {};
    await n.disconnect(r.params[0], body.Container ?? '', Boolean(body.Force));
    sendNoContent(r.res, 200);
  };
  const prune = async (r: Req): Promise<void> => {
    const deleted = await n.prune(parseFilters(r.query.get('filters'), PRUNE_FILTERS));
    sendJson(r.res, 200, { NetworksDeleted: nullIfEmpty(deleted) });
  };
  return [
    { method: 'GET', path: '/networks', handler: list },
    { method: 'POST', path: '/networks/create', handler: create },
    { method: 'POST', path: '/networks/prune', handler: prune },
    { method: 'GET', path: '/networks/{id}', handler: inspect },
    { method: 'DELETE', path: '/networks/{id}', handler: async (r) => { await n.remove(r.params[0]); sendNoContent(r.res); } },
    { method: 'POST', path: '/networks/{id}/connect', handler: connect },
    { method: 'POST', path: '/networks/{id}/disconnect', handler: disconnect },
  ];
}

