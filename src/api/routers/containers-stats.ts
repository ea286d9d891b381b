import { InvalidParameterError } from '../../core/errors.ts';
import type { ContainerStatsBackend, UpdateRequest } from '../../core/containers/stats-types.ts';
import { qBool, readJson, sendJson, type Req } from '../http.ts';
import type { Route } from '../router.ts';

/** Engine API routes for container stats and resource updates. */
export function containerStatsRoutes(svc: ContainerStatsBackend): Route[] {
  const stats = async (r: Req): Promise<void> => {
    const stream = qBool(r.query, 'stream', true);
    const oneShot = qBool(r.query, 'one-shot', false);
    if (stream && oneShot) throw new InvalidParameterError('cannot have stream=true and one-shot=true');
    const samples = await svc.stats(r.params[0], { stream, oneShot }, r.signal);
    r.res.writeHead(200, { 'Content-Type': 'application/json' });
    // A streaming client waits for the headers before the first sample (a second away).
    if (stream) r.res.flushHeaders();
    for await (const s of samples) {
      if (r.res.destroyed || r.signal.aborted) break;
      r.res.write(`${JSON.stringify(s)}\n`);
    }
    if (!r.res.writableEnded) r.res.end();
  };

  const update = async (r: Req): Promise<void> => {
    const body = (await readJson<UpdateRequest>(r.raw)) ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidParameterError('json: cannot unmarshal into Go value of type container.UpdateConfig');
    const res = await svc.update(r.params[0], body);
    // dockerd's nil slice: no warnings are null, not []
    sendJson(r.res, 200, { ...res, Warnings: res.Warnings?.length ? res.Warnings : null });
  };

  return [
    { method: 'GET', path: '/containers/{id*}/stats', handler: stats },
    { method: 'POST', path: '/containers/{id*}/update', handler: update },
  ];
}
