/** What every handler gets: the request, the response, the route and the registry. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Grant } from '../auth/index.ts';
import type { Registry } from '../registry.ts';
import type { Route } from '../router.ts';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  route: Route;
  params: URLSearchParams;
  reg: Registry;
  grant: Grant;
  head: boolean;
}

export const encodeName = (name: string) => name.split('/').map(encodeURIComponent).join('/');
