import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { BuildBackend, BuildOptions, BuildSink } from '../../core/build/types.ts';
import { InvalidParameterError, NotImplementedError, errorMessage } from '../../core/errors.ts';
import { parseFilters } from '../../core/filters.ts';
import { parseReference } from '../../core/reference/reference.ts';
import { qBool, sendJson, type Req } from '../http.ts';
import type { Route } from '../router.ts';

/** JSON lines that start (200 and headers) with the first message, so early errors keep their HTTP status. */
class LazyJsonStream implements BuildSink {
  private readonly res: ServerResponse;
  started = false;

  constructor(res: ServerResponse) {
    this.res = res;
  }

  write(msg: Record<string, unknown>): void {
    if (!this.started) {
      this.started = true;
      this.res.writeHead(200, { 'Content-Type': 'application/json' });
    }
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(`${JSON.stringify(msg)}\r\n`);
  }

  stream(text: string): void {
    this.write({ stream: text });
  }

  aux(value: Record<string, unknown>): void {
    this.write({ aux: value });
  }

  progress(msg: Record<string, unknown>): void {
    this.write(msg);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}

/** builder-next's Prune: label and label! are accepted (and ignored); a bad key fails the prune. */
function buildPruneFilters(raw: string | null): Map<string, string[]> {
  try {
    return parseFilters(raw, ['until', 'unused-for', 'label', 'label!', 'id', 'parent', 'type', 'description', 'inuse', 'shared', 'private']);
  } catch (e) {
    throw new InvalidParameterError(`failed to prune build cache: ${errorMessage(e)}`);
  }
}

function jsonParam<T>(q: URLSearchParams, name: string, dflt: T): T {
  const v = q.get(name);
  if (!v) return dflt;
  try {
    return JSON.parse(v) as T;
  } catch (e) {
    throw new InvalidParameterError(`invalid ${name} parameter: ${(e as Error).message}`);
  }
}

function num(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidParameterError(`invalid value for ${name}: ${v}`);
  return n;
}

function registryConfig(header: string | string[] | undefined): Record<string, unknown> | undefined {
  if (typeof header !== 'string' || !header) return undefined;
  try {
    return JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The query of POST /build as BuildOptions (moby's newImageBuildOptions). */
export function buildOptions(r: Req): BuildOptions {
  const q = r.query;
  if (q.get('version') === '2') throw new NotImplementedError('BuildKit (version=2) is not supported; use the classic builder (version=1)');
  const tags = q.getAll('t').filter(Boolean);
  for (const t of tags) {
    try {
      const ref = parseReference(t);
      if (ref.digest) throw new Error('digest');
    } catch {
      throw new InvalidParameterError(`invalid reference format: ${t}`);
    }
  }
  const isolation = q.get('isolation');
  if (isolation && isolation !== 'default') throw new InvalidParameterError(`Unsupported isolation: "${isolation}"`);
  return {
    dockerfile: q.get('dockerfile') ?? '',
    tags,
    buildArgs: jsonParam(q, 'buildargs', {} as Record<string, string | null>),
    labels: jsonParam(q, 'labels', {} as Record<string, string>),
    target: q.get('target') ?? '',
    noCache: qBool(q, 'nocache'),
    pull: qBool(q, 'pull'),
    rm: qBool(q, 'rm', true),
    forceRm: qBool(q, 'forcerm'),
    quiet: qBool(q, 'q'),
    cacheFrom: jsonParam(q, 'cachefrom', [] as string[]),
    networkMode: q.get('networkmode') ?? '',
    platform: q.get('platform') ?? '',
    extraHosts: (q.get('extrahosts') ?? '').split(',').filter(Boolean),
    shmSize: num(q, 'shmsize'),
    memory: num(q, 'memory'),
    memorySwap: num(q, 'memswap'),
    cpuShares: num(q, 'cpushares'),
    cpuQuota: num(q, 'cpuquota'),
    cpuPeriod: num(q, 'cpuperiod'),
    cpusetCpus: q.get('cpusetcpus') ?? undefined,
    remote: q.get('remote') ?? undefined,
    registryAuth: registryConfig(r.raw.headers['x-registry-config']),
  };
}

async function contextOf(r: Req, opts: BuildOptions): Promise<Readable> {
  const remote = opts.remote;
  if (!remote) return r.raw;
  if (!/^https?:\/\//i.test(remote)) throw new NotImplementedError(`remote context ${remote} is not supported (only http(s) tarball URLs)`);
  const res = await fetch(remote, { signal: r.signal });
  if (!res.ok || !res.body) throw new InvalidParameterError(`failed to GET ${remote} with status ${res.status} ${res.statusText}`);
  return Readable.fromWeb(res.body as never);
}

/** Engine API routes of the builder. */
export function buildRoutes(b: BuildBackend): Route[] {
  const build = async (r: Req): Promise<void> => {
    const opts = buildOptions(r);
    const out = new LazyJsonStream(r.res);
    try {
      await b.build(await contextOf(r, opts), opts, out, r.signal);
    } catch (e) {
      if (!out.started) throw e;
      const code = (e as { code?: unknown }).code;
      const message = errorMessage(e);
      out.write({ errorDetail: typeof code === 'number' ? { code, message } : { message }, error: message });
    }
    out.end();
  };
  const prune = async (r: Req): Promise<void> => {
    const filters = buildPruneFilters(r.query.get('filters'));
    const keep = Number(r.query.get('keep-storage') ?? r.query.get('reserved-space') ?? 0);
    sendJson(r.res, 200, await b.prune({ all: qBool(r.query, 'all'), keepStorage: keep, filters }));
  };
  return [
    { method: 'POST', path: '/build', handler: build },
    { method: 'POST', path: '/build/prune', handler: prune },
    { method: 'DELETE', path: '/build/prune', handler: prune },
  ];
}
