import { InvalidParameterError } from '../../core/errors.ts';
import type { ContainerBackend, ContainerRecord, LogLine } from '../../core/containers/types.ts';
import type { ContainerNetView, EndpointConfig } from '../../core/network/types.ts';
import { parseFilters, parseTimestamp } from '../../core/filters.ts';
import { timestampNs } from '../../core/time.ts';
import { containerInspect, containerSummary, dockerTime } from '../compat/containers.ts';
import { SummaryCache } from '../compat/summary-cache.ts';
import { frame } from '../hijack.ts';
import { attachHandler } from './containers-attach.ts';
import { qBool, qInt, readJson, nullIfEmpty, sendJson, sendJsonBytes, sendNoContent, type Req } from '../http.ts';
import type { Route } from '../router.ts';

const LIST_FILTERS = ['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'name', 'network', 'publish', 'since', 'status', 'volume'];
const RAW = 'application/vnd.docker.raw-stream';
const MUX = 'application/vnd.docker.multiplexed-stream';

/**
 * Engine API routes for containers. `revision`, when given, names the version
 * of what a container's list item shows (see SummaryCache).
 */
export function containerRoutes(c: ContainerBackend, graph: (id: string) => Promise<Record<string, string> | null>, net?: (rec: ContainerRecord) => ContainerNetView,
  revision?: (rec: ContainerRecord) => string, execIds?: (containerId: string) => string[]): Route[] {
  const summaries = new SummaryCache();

  const create = async (r: Req): Promise<void> => {
    const body = (await readJson<Record<string, unknown>>(r.raw)) ?? {};
    const { HostConfig, NetworkingConfig, ...config } = body as { HostConfig?: Record<string, unknown>; NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointConfig> | null } | null };
    const res = await c.create(r.query.get('name') || undefined, config, HostConfig ?? {}, NetworkingConfig?.EndpointsConfig ?? {}, r.query.get('platform') || undefined);
    sendJson(r.res, 201, { Id: res.id, Warnings: res.warnings });
  };

  const list = async (r: Req): Promise<void> => {
    const filters = parseFilters(r.query.get('filters'), LIST_FILTERS);
    const all = qBool(r.query, 'all');
    const limit = qInt(r.query, 'limit', -1);
    const size = qBool(r.query, 'size');
    const out = await c.list({ all, limit, size, filters });
    const image = await c.listedImages(out);
    const names = c.listedNames();
    if (size) {
      const sizes = await c.sizes(out);
      sendJson(r.res, 200, out.map((rec, i) => ({ ...containerSummary(rec, net?.(rec), image(rec), names(rec)), ...(sizes[i].rw ? { SizeRw: sizes[i].rw } : {}), ...(sizes[i].rootFs ? { SizeRootFs: sizes[i].rootFs } : {}) }))); // omitempty, as dockerd
    } else if (revision) {
      const items = out.map((rec) => ({ rec, revision: revision(rec), view: () => net?.(rec), image: image(rec), names: names(rec) }));
      sendJsonBytes(r.res, 200, summaries.body(items, all && limit < 0 && filters.size === 0));
    } else {
      sendJson(r.res, 200, out.map((rec) => containerSummary(rec, net?.(rec), image(rec), names(rec))));
    }
  };

  const wait = async (r: Req): Promise<void> => {
    const cond = (r.query.get('condition') || 'not-running') as 'not-running' | 'next-exit' | 'removed';
    if (!['not-running', 'next-exit', 'removed'].includes(cond)) throw new InvalidParameterError(`invalid condition: "${cond}"`);
    await c.get(r.params[0]);
    // The CLI waits for the headers before it starts the container.
    r.res.writeHead(200, { 'Content-Type': 'application/json' });
    r.res.flushHeaders();
    try {
      const res = await c.wait(r.params[0], cond, r.signal);
      r.res.end(`${JSON.stringify({ StatusCode: res.StatusCode })}\n`);
    } catch (e) {
      r.res.end(`${JSON.stringify({ StatusCode: -1, Error: { Message: (e as Error).message } })}\n`);
    }
  };

  const logs = async (r: Req): Promise<void> => {
    const q = r.query;
    const stdout = qBool(q, 'stdout');
    const stderr = qBool(q, 'stderr');
    // checked before the container is looked up, as dockerd does
    if (!stdout && !stderr) throw new InvalidParameterError('Bad parameters: you must choose at least one stream');
    const rec = await c.get(r.params[0]);
    const tailRaw = q.get('tail') ?? 'all';
    const tail = tailRaw === 'all' || tailRaw === '' ? 'all' : Number.parseInt(tailRaw, 10);
    const since = q.get('since') && q.get('since') !== '0' ? timestampNs(q.get('since')!, (v) => parseTimestamp(v)) : undefined;
    const until = q.get('until') && q.get('until') !== '0' ? timestampNs(q.get('until')!, (v) => parseTimestamp(v)) : undefined;
    const timestamps = qBool(q, 'timestamps');
    const begin = (): void => {
      r.res.writeHead(200, { 'Content-Type': rec.config.Tty ? RAW : MUX });
      r.res.flushHeaders();
    };
    const send = (l: LogLine): void => {
      const data = timestamps ? Buffer.concat([Buffer.from(`${dockerTime(l.time)} `), l.data]) : l.data;
      r.res.write(rec.config.Tty ? data : frame(l.stream, data));
    };
    await c.logs(r.params[0], { stdout, stderr, follow: qBool(q, 'follow'), tail: Number.isNaN(tail as number) || (tail as number) < 0 ? 'all' : tail, since, until, timestamps, details: qBool(q, 'details') }, send, r.signal, begin);
    r.res.end();
  };

  const id = (r: Req): string => r.params[0];
  const noContent = (fn: (r: Req) => Promise<void>) => async (r: Req): Promise<void> => {
    try {
      await fn(r);
      sendNoContent(r.res);
    } catch (e) {
      if ((e as { kind?: string }).kind === 'not-modified') return sendNoContent(r.res, 304);
      throw e;
    }
  };
  const timeout = (r: Req): number | undefined => (r.query.get('t') ? Number(r.query.get('t')) : undefined);

  return [
    { method: 'POST', path: '/containers/create', handler: create },
    { method: 'GET', path: '/containers/json', handler: list },
    { method: 'POST', path: '/containers/prune', handler: async (r) => {
      const rep = await c.prune(parseFilters(r.query.get('filters'), ['until', 'label', 'label!']));
      sendJson(r.res, 200, { ...rep, ContainersDeleted: nullIfEmpty(rep.ContainersDeleted) });
    } },
    { method: 'GET', path: '/containers/{id*}/json', handler: async (r) => {
      const rec = await c.get(id(r));
      const body = containerInspect(rec, await graph(rec.id), net?.(rec), execIds?.(rec.id), c.inspectLinks(rec));
      if (!qBool(r.query, 'size')) return sendJson(r.res, 200, body);
      // `inspect -s`: the sizes right after GraphDriver, where dockerd has them
      const [sz] = await c.sizes([rec]);
      const withSizes: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) {
        withSizes[k] = v;
        if (k === 'GraphDriver') Object.assign(withSizes, { SizeRw: sz.rw, SizeRootFs: sz.rootFs });
      }
      sendJson(r.res, 200, withSizes);
    } },
    { method: 'POST', path: '/containers/{id*}/start', handler: noContent((r) => {
      // dockerd's check: more than an empty JSON object, or a body of unknown (chunked) length, is the old HostConfig-on-start
      if (Number(r.raw.headers['content-length'] ?? 0) > 7 || r.raw.headers['transfer-encoding'] !== undefined) {
        throw new InvalidParameterError('starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24');
      }
      return c.start(id(r));
    }) },
    { method: 'POST', path: '/containers/{id*}/stop', handler: noContent((r) => c.stop(id(r), { timeout: timeout(r), signal: r.query.get('signal') ?? undefined })) },
    { method: 'POST', path: '/containers/{id*}/restart', handler: noContent((r) => c.restart(id(r), { timeout: timeout(r), signal: r.query.get('signal') ?? undefined })) },
    { method: 'POST', path: '/containers/{id*}/kill', handler: noContent((r) => c.kill(id(r), r.query.get('signal') || undefined)) },
    { method: 'POST', path: '/containers/{id*}/pause', handler: noContent((r) => c.pause(id(r))) },
    { method: 'POST', path: '/containers/{id*}/unpause', handler: noContent((r) => c.unpause(id(r))) },
    { method: 'POST', path: '/containers/{id*}/rename', handler: noContent((r) => c.rename(id(r), r.query.get('name') ?? '')) },
    { method: 'POST', path: '/containers/{id*}/wait', handler: wait },
    { method: 'POST', path: '/containers/{id*}/attach', handler: attachHandler(c) },
    { method: 'GET', path: '/containers/{id*}/logs', handler: logs },
    { method: 'POST', path: '/containers/{id*}/resize', handler: async (r) => { await c.resize(id(r), qInt(r.query, 'h', 0), qInt(r.query, 'w', 0)); sendJson(r.res, 200, {}); } },
    { method: 'GET', path: '/containers/{id*}/top', handler: async (r) => sendJson(r.res, 200, await c.top(id(r), r.query.get('ps_args') ?? '')) },
    { method: 'DELETE', path: '/containers/{id*}', handler: noContent((r) => c.remove(id(r), { force: qBool(r.query, 'force'), volumes: qBool(r.query, 'v'), link: qBool(r.query, 'link') })) },
  ];
}
