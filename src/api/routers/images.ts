import { InvalidParameterError, NotImplementedError, errorMessage } from '../../core/errors.ts';
import { parseFilters } from '../../core/filters.ts';
import type { DistributionBackend } from '../../core/distribution/types.ts';
import type { ImageBackend } from '../../core/images/types.ts';
import { imageHistory, imageInspect, imageSummary, legacySummary } from '../compat/images.ts';
import { JsonStream, qBool, nullIfEmpty, sendJson, versionLess, type Req } from '../http.ts';
import type { Route } from '../router.ts';
import { registryAuth, streamProgress } from './distribution.ts';

// dockerd 28's own image store takes no label! in lists (its containerd store does)
const LIST_FILTERS = ['dangling', 'label', 'before', 'since', 'reference', 'until'];
const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'];

/** Engine API routes for images; handlers only translate HTTP to the backend. */
export function imageRoutes(images: ImageBackend, dist?: DistributionBackend): Route[] {
  const list = async (r: Req): Promise<void> => {
    const filters = parseFilters(r.query.get('filters'), LIST_FILTERS);
    const legacyName = r.query.get('filter');
    if (legacyName) filters.set('reference', [legacyName]);
    const all = qBool(r.query, 'all');
    const imgs = await images.list({ all, filters, sharedSize: qBool(r.query, 'shared-size') });
    const counts = qBool(r.query, 'shared-size') || qBool(r.query, 'containers') ? await images.containerCounts() : undefined;
    const out = imgs.map((i) => {
      const s = imageSummary(i, counts?.get(i.id) ?? (counts ? 0 : undefined), undefined);
      return versionLess(r.apiVersion, '1.44') ? legacySummary(s, { none: versionLess(r.apiVersion, '1.43'), virtualSize: true }) : s;
    });
    sendJson(r.res, 200, out);
  };

  const inspect = async (r: Req): Promise<void> => {
    const img = await images.get(r.params[0]);
    const layers = await images.layersOf(img);
    sendJson(r.res, 200, imageInspect(img, layers, await images.graphDriverData(img), versionLess(r.apiVersion, '1.50')));
  };

  const history = async (r: Req): Promise<void> => {
    const img = await images.get(r.params[0]);
    const ancestors = [];
    for (let p = img.parent; p && ancestors.length < 1000;) {
      const a = await images.get(p).catch(() => null);
      if (!a) break;
      ancestors.push(a);
      p = a.parent;
    }
    sendJson(r.res, 200, imageHistory(img, await images.layersOf(img), ancestors));
  };

  const tag = async (r: Req): Promise<void> => {
    const repo = r.query.get('repo');
    if (!repo) throw new InvalidParameterError('repository name must have at least one component');
    await images.tag(r.params[0], repo, r.query.get('tag') ?? '');
    r.res.writeHead(201);
    r.res.end();
  };

  const remove = async (r: Req): Promise<void> => {
    sendJson(r.res, 200, await images.remove(r.params[0], { force: qBool(r.query, 'force'), noprune: qBool(r.query, 'noprune') }));
  };

  const create = async (r: Req): Promise<void> => {
    const fromSrc = r.query.get('fromSrc');
    if (fromSrc === null) {
      const fromImage = r.query.get('fromImage');
      if (fromImage && dist) {
        const opts = { tag: r.query.get('tag') || undefined, platform: r.query.get('platform') || undefined, auth: registryAuth(r), signal: r.signal };
        await streamProgress(r, (progress) => dist.pull(fromImage, opts, progress));
        return;
      }
      if (fromImage) throw new NotImplementedError('pulling images from a registry is not supported yet');
      throw new InvalidParameterError('fromImage or fromSrc is required');
    }
    if (fromSrc !== '-') throw new NotImplementedError('importing from a URL is not supported yet; pipe the file with "-"');
    const out = new JsonStream(r.res);
    try {
      const img = await images.importTar(r.raw, { repo: r.query.get('repo') ?? undefined, tag: r.query.get('tag') ?? undefined }, {
        changes: r.query.getAll('changes'), message: r.query.get('message') ?? undefined, platform: r.query.get('platform') ?? undefined,
      });
      out.write({ status: img.id });
    } catch (e) {
      out.fail(errorMessage(e));
    }
    out.end();
  };

  const load = async (r: Req): Promise<void> => {
    const quiet = qBool(r.query, 'quiet');
    const out = new JsonStream(r.res);
    try {
      await images.load(r.raw, { quiet, signal: r.signal }, (m) => out.write(m));
    } catch (e) {
      out.fail(errorMessage(e));
    }
    out.end();
  };

  const save = async (r: Req, names: string[]): Promise<void> => {
    // No header goes out before the first byte: a missing image is still a proper 404.
    r.res.setHeader('Content-Type', 'application/x-tar');
    await images.save(names, r.res, { signal: r.signal });
    if (!r.res.writableEnded) r.res.end();
  };

  const prune = async (r: Req): Promise<void> => {
    const filters = parseFilters(r.query.get('filters'), PRUNE_FILTERS);
    const rep = await images.prune({ filters });
    sendJson(r.res, 200, { ...rep, ImagesDeleted: nullIfEmpty(rep.ImagesDeleted) });
  };

  return [
    { method: 'GET', path: '/images/json', handler: list },
    { method: 'POST', path: '/images/create', handler: create },
    { method: 'POST', path: '/images/load', handler: load },
    { method: 'POST', path: '/images/prune', handler: prune },
    { method: 'GET', path: '/images/get', handler: (r) => save(r, r.query.getAll('names')) },
    { method: 'GET', path: '/images/{name*}/get', handler: (r) => save(r, [r.params[0]]) },
    { method: 'GET', path: '/images/{name*}/json', handler: inspect },
    { method: 'GET', path: '/images/{name*}/history', handler: history },
    { method: 'POST', path: '/images/{name*}/tag', handler: tag },
    { method: 'DELETE', path: '/images/{name*}', handler: remove },
  ];
}
