import { InvalidParameterError, errorMessage } from '../../core/errors.ts';
import { parseFilterJson, parseFilters, type Filters } from '../../core/filters.ts';
import type { VolumeBackend } from '../../core/volumes/types.ts';
import { volumeJson } from '../compat/volumes.ts';
import { qBool, readJson, nullIfEmpty, sendJson, sendNoContent, versionLess, type Req } from '../http.ts';
import type { Route } from '../router.ts';

interface CreateBody { Name?: string; Driver?: string; DriverOpts?: Record<string, string> | null; Labels?: Record<string, string> | null }

/** dockerd's getVolumesList: a filters parameter that does not parse is an error "reading volume filters". */
function volumeFilters(raw: string | null): Filters {
  try {
    return parseFilterJson(raw);
  } catch (e) {
    throw new InvalidParameterError(`error reading volume filters: ${errorMessage(e)}`);
  }
}

/** /volumes: list, create, inspect, remove, prune. */
export function volumeRoutes(v: VolumeBackend): Route[] {
  const list = async (r: Req): Promise<void> => {
    const filters = volumeFilters(r.query.get('filters'));
    sendJson(r.res, 200, { Volumes: (await v.list(filters)).map(volumeJson), Warnings: null });
  };
  const create = async (r: Req): Promise<void> => {
    const b = (await readJson<CreateBody>(r.raw)) ?? {};
    sendJson(r.res, 201, volumeJson(await v.create({ name: b.Name, driver: b.Driver, driverOpts: b.DriverOpts, labels: b.Labels })));
  };
  const prune = async (r: Req): Promise<void> => {
    const filters = parseFilters(r.query.get('filters'), ['label', 'label!', 'all']);
    // before API 1.42 a prune took every unused volume, named ones too
    if (versionLess(r.apiVersion, '1.42')) filters.set('all', ['true']);
    const res = await v.prune(filters);
    sendJson(r.res, 200, { VolumesDeleted: nullIfEmpty(res.deleted), SpaceReclaimed: res.reclaimed });
  };
  return [
    { method: 'GET', path: '/volumes', handler: list },
    { method: 'POST', path: '/volumes/create', handler: create },
    { method: 'POST', path: '/volumes/prune', handler: prune },
    { method: 'GET', path: '/volumes/{name}', handler: async (r) => sendJson(r.res, 200, volumeJson(await v.get(r.params[0]))) },
    {
      method: 'DELETE', path: '/volumes/{name}', handler: async (r) => {
        await v.remove(r.params[0], qBool(r.query, 'force'));
        sendNoContent(r.res);
      },
    },
  ];
}
