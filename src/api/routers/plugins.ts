/*
 * Managed plugins (docker plugin …): berthd has none and cannot install
 * any, so the list is empty, a named plugin is not found (dockerd's words),
 * and installing or creating one says plugins are not supported.
 */
import { NotFoundError, NotImplementedError } from '../../core/errors.ts';
import { parseFilters } from '../../core/filters.ts';
import { sendJson, type Req } from '../http.ts';
import type { Route } from '../router.ts';

export function pluginRoutes(): Route[] {
  const notFound = (r: Req): never => { throw new NotFoundError(`plugin ${JSON.stringify(r.params[0])} not found`); };
  const unsupported = (): never => { throw new NotImplementedError('berthd does not support managed plugins'); };
  return [
    { method: 'GET', path: '/plugins', handler: (r) => {
      parseFilters(r.query.get('filters'), ['capability', 'enabled']);
      sendJson(r.res, 200, []);
    } },
    { method: 'GET', path: '/plugins/privileges', handler: unsupported },
    { method: 'POST', path: '/plugins/pull', handler: unsupported },
    { method: 'POST', path: '/plugins/create', handler: unsupported },
    { method: 'GET', path: '/plugins/{name}/json', handler: notFound },
    { method: 'DELETE', path: '/plugins/{name}', handler: notFound },
    ...['enable', 'disable', 'upgrade', 'push', 'set'].map((op) => ({ method: 'POST', path: `/plugins/{name}/${op}`, handler: notFound })),
  ];
}
