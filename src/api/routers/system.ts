import { eventMatches } from '../../core/events/filter.ts';
import { eventToJson } from '../../core/events/json.ts';
import type { EngineEvent, EventSource } from '../../core/events/types.ts';
import { InvalidParameterError } from '../../core/errors.ts';
import { parseFilters, parseTimestamp } from '../../core/filters.ts';
import type { ContainerRecord } from '../../core/containers/types.ts';
import type { ContainerNetView } from '../../core/network/types.ts';
import type { DiskUsage, SystemBackend } from '../../core/system/types.ts';
import { containerSummary } from '../compat/containers.ts';
import { imageSummary, legacySummary } from '../compat/images.ts';
import { volumeJson } from '../compat/volumes.ts';
import { sendJson, versionLess, type Req } from '../http.ts';
import type { Route } from '../router.ts';

function diskUsageShape(du: DiskUsage, view?: (c: ContainerRecord) => ContainerNetView | undefined, virtualSize = false): Record<string, unknown> {
  // dockerd's DiskUsage: every key, null for the kinds not asked for (or with nothing in them); sizes of 0 left out as omitempty does
  return {
    LayersSize: du.layersSize ?? 0,
    Images: du.images?.map((i) => {
      const s = imageSummary(i.image, i.containers, i.sharedSize);
      return virtualSize ? legacySummary(s, { none: false, virtualSize }) : s; // VirtualSize before API 1.44
    }) ?? null,
    Containers: du.containers?.map((u) => ({ ...containerSummary(u.container, view?.(u.container)), ...(u.sizeRw ? { SizeRw: u.sizeRw } : {}), ...(u.sizeRootFs ? { SizeRootFs: u.sizeRootFs } : {}) })) ?? null,
    Volumes: du.volumes?.map(volumeJson) ?? null,
    BuildCache: du.buildCache?.length ? du.buildCache : null,
  };
}

/** /_ping, /version, /info, /system/df, /events. */
export function systemRoutes(system: SystemBackend, events: EventSource, view?: (c: ContainerRecord) => ContainerNetView | undefined): Route[] {
  const ping = (r: Req): void => {
    r.res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache',
      'Builder-Version': '1', Swarm: 'inactive', 'Content-Length': 2,
    });
    r.res.end(r.raw.method === 'HEAD' ? undefined : 'OK');
  };

  const stream = async (r: Req): Promise<void> => {
    const now = Date.now();
    const since = r.query.get('since') ? parseTimestamp(r.query.get('since')!, now) : undefined;
    const until = r.query.get('until') ? parseTimestamp(r.query.get('until')!, now) : undefined;
    if (until !== undefined && until < (since ?? -Infinity)) {
      throw new InvalidParameterError(`\`since\` time (${r.query.get('since')}) cannot be after \`until\` time (${r.query.get('until')})`);
    }
    const filters = parseFilters(r.query.get('filters'), null);
    r.res.writeHead(200, { 'Content-Type': 'application/json' });
    r.res.flushHeaders();
    const send = (e: EngineEvent): void => {
      if (eventMatches(e, filters)) r.res.write(`${eventToJson(e)}\n`);
    };
    await new Promise<void>((resolve) => {
      const sub = events.subscribe({ since, until }, send);
      for (const e of sub.past) send(e);
      const finish = (): void => {
        sub.close();
        clearTimeout(timer);
        resolve();
      };
      const timer = until !== undefined ? setTimeout(finish, Math.max(0, until - Date.now())) : undefined;
      r.signal.addEventListener('abort', finish, { once: true });
    });
    if (!r.res.writableEnded) r.res.end();
  };

  return [
    { method: 'GET', path: '/_ping', handler: ping },
    { method: 'GET', path: '/version', handler: (r) => sendJson(r.res, 200, system.version()) },
    { method: 'GET', path: '/info', handler: async (r) => sendJson(r.res, 200, await system.info()) },
    { method: 'GET', path: '/system/df', handler: async (r) => sendJson(r.res, 200, diskUsageShape(await system.diskUsage(r.query.getAll('type')), view, versionLess(r.apiVersion, '1.44'))) },
    { method: 'GET', path: '/events', handler: stream },
  ];
}
