/*
 * Swarm mode's endpoints (swarm, services, tasks, nodes, secrets, configs):
 * berthd is never part of a swarm, so each answers as dockerd does on a node
 * outside one (503), and init/join say that swarm mode is not supported.
 */
import { NotImplementedError, UnavailableError } from '../../core/errors.ts';
import type { Route } from '../router.ts';

const NOT_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

export function swarmRoutes(): Route[] {
  const notManager = (): never => { throw new UnavailableError(NOT_MANAGER); };
  const unsupported = (): never => { throw new NotImplementedError('berthd does not support swarm mode'); };
  const routes: Route[] = [
    { method: 'POST', path: '/swarm/init', handler: unsupported },
    { method: 'POST', path: '/swarm/join', handler: unsupported },
    { method: 'POST', path: '/swarm/leave', handler: () => { throw new UnavailableError('This node is not part of a swarm'); } },
  ];
  for (const area of ['swarm', 'services', 'tasks', 'nodes', 'secrets', 'configs']) {
    for (const method of ['GET', 'POST', 'DELETE']) {
      routes.push({ method, path: `/${area}`, handler: notManager }, { method, path: `/${area}/{rest*}`, handler: notManager });
    }
  }
  return routes;
}
