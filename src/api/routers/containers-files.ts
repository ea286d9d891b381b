import type { ContainerFilesBackend, ContainerPathStat } from '../../core/containers/files-types.ts';
import type { ContainerConfig } from '../../core/containers/types.ts';
import { InvalidParameterError } from '../../core/errors.ts';
import { readJson, sendJson, type Req } from '../http.ts';
import type { Route } from '../router.ts';

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** The stat header: base64 of the JSON dockerd marshals (field order as Go's struct). */
export function pathStatHeader(s: ContainerPathStat): string {
  const json = JSON.stringify({ name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget });
  return Buffer.from(json).toString('base64');
}

function archivePath(r: Req): string {
  const p = r.query.get('path');
  if (!p) throw new InvalidParameterError('bad parameter: pathcannot be empty');
  return p;
}

/** dockerd's form booleans: anything but "", 0, no, false, none is true. */
function formBool(q: URLSearchParams, name: string, dflt: boolean): boolean {
  const v = q.get(name);
  if (v === null) return dflt;
  return !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

/** Engine API routes for a container's files: export, changes, archive (cp) and commit. */
export function containerFileRoutes(b: ContainerFilesBackend): Route[] {
  const id = (r: Req): string => r.params[0];
  /** Headers go out only once the backend knows it will succeed; later failures cut the stream. */
  const finish = (r: Req, e?: unknown): void => {
    if (!r.res.headersSent) throw e;
    if (e) r.res.destroy(e as Error);
    else if (!r.res.writableEnded) r.res.end();
  };
  const stream = async (r: Req, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (e) {
      return finish(r, e);
    }
    finish(r);
  };

  const exportRootfs = (r: Req): Promise<void> => stream(r, () => b.exportRootfs(id(r), () => {
    r.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    return r.res;
  }, r.signal));

  const head = async (r: Req): Promise<void> => {
    const stat = await b.statPath(id(r), archivePath(r));
    r.res.writeHead(200, { [STAT_HEADER]: pathStatHeader(stat) });
    r.res.end();
  };

  const get = (r: Req): Promise<void> => {
    const path = archivePath(r);
    return stream(r, () => b.archivePath(id(r), path, (stat) => {
      r.res.writeHead(200, { [STAT_HEADER]: pathStatHeader(stat), 'Content-Type': 'application/x-tar' });
      return r.res;
    }, r.signal));
  };

  const put = async (r: Req): Promise<void> => {
    const path = archivePath(r);
    const opts = { noOverwriteDirNonDir: formBool(r.query, 'noOverwriteDirNonDir', false), copyUIDGID: formBool(r.query, 'copyUIDGID', false) };
    await b.extractToDir(id(r), path, r.raw, opts, r.signal);
    r.res.writeHead(200);
    r.res.end();
  };

  const commit = async (r: Req): Promise<void> => {
    const q = r.query;
    const config = await readJson<Partial<ContainerConfig> | null>(r.raw);
    const res = await b.commit({
      container: q.get('container') ?? '',
      repo: q.get('repo') || undefined,
      tag: q.get('tag') || undefined,
      comment: q.get('comment') || undefined,
      author: q.get('author') || undefined,
      changes: q.getAll('changes'),
      // the API's default (1.13+) pauses the container
      pause: q.get('pause') === null || q.get('pause') === '' ? true : formBool(q, 'pause', true),
      config: config && typeof config === 'object' ? config : null,
    });
    sendJson(r.res, 201, { Id: res.id });
  };

  return [
    { method: 'GET', path: '/containers/{id*}/export', handler: exportRootfs },
    { method: 'GET', path: '/containers/{id*}/changes', handler: async (r) => {
      const changes = await b.changes(id(r));
      sendJson(r.res, 200, changes.length ? changes : null);
    } },
    { method: 'HEAD', path: '/containers/{id*}/archive', handler: head },
    { method: 'GET', path: '/containers/{id*}/archive', handler: get },
    { method: 'PUT', path: '/containers/{id*}/archive', handler: put },
    { method: 'POST', path: '/commit', handler: commit },
  ];
}
