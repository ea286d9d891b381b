/** The registry client of the engine: pull, push, login and search behind the API's DistributionBackend. */
import {
  credentialsOf, type AuthConfig, type DistributionBackend, type DistributionInspect, type PullOptions, type PushOptions, type SearchOptions, type SearchResult,
} from '../core/distribution/types.ts';
import { ForbiddenError, InvalidParameterError, NotFoundError, SystemError, UnauthorizedError, errorMessage } from '../core/errors.ts';
import type { ProgressFn } from '../core/images/types.ts';
import { familiarName, fullName, isValidDomain, parseReference, repositoryName, type Reference } from '../core/reference/reference.ts';
import { AuthSession } from './auth.ts';
import type { DistributionContext } from './context.ts';
import { endpointsFor, INDEX_SERVER } from './endpoints.ts';
import { isTransportError, request } from './http.ts';
import { inspectDistribution } from './inspect.ts';
import { pullOne, translatePullError } from './pull.ts';
import { pushTag } from './push.ts';
import { checkImagePlatform } from '../core/platform.ts';
import { storeCompressed } from './precompress.ts';
import { withEndpoints } from './session.ts';

/**
 * Registry auth failures of a pull or push are not the daemon's 401 (the
 * docker CLI would prompt for a login): dockerd reports them as plain errors.
 */
function notUnauthorized(e: unknown): unknown {
  if (e instanceof UnauthorizedError || e instanceof ForbiddenError) return new SystemError(e.message, { cause: e });
  return e;
}

function parseRef(s: string): Reference {
  return parseReference(s);
}

export class DistributionService implements DistributionBackend {
  readonly ctx: DistributionContext;

  constructor(ctx: DistributionContext) {
    this.ctx = ctx;
  }

  /** Store the image's layers compressed (the ones without a blob), ready to push. */
  storeCompressed(imageId: string, signal?: AbortSignal): Promise<number> {
    return storeCompressed(this.ctx, imageId, signal);
  }

  async inspect(image: string, opts: { auth?: AuthConfig; signal?: AbortSignal }): Promise<DistributionInspect> {
    try {
      return await inspectDistribution(image, this.ctx.settings(), opts.auth, opts.signal);
    } catch (e) {
      throw notUnauthorized(translatePullError(e, parseRef(image)));
    }
  }

  async pull(image: string, opts: PullOptions, progress: ProgressFn): Promise<void> {
    let ref = parseRef(image);
    if (opts.tag) {
      if (opts.tag.includes(':')) {
        ref = parseRef(`${repositoryName(ref)}@${opts.tag}`);
      } else {
        ref = parseRef(`${repositoryName(ref)}:${opts.tag}`);
      }
    }
    const settings = this.ctx.settings();
    try {
      await withEndpoints(ref.domain, ref.path, settings, opts.auth, {}, async (repo) => {
        if (ref.tag || ref.digest) {
          const status = await pullOne(this.ctx, repo, ref, opts, progress);
          progress({ status: `Status: ${status}` });
          return;
        }
        const tags = await repo.tags(opts.signal);
        let newer = false;
        for (const t of tags) {
          const s = await pullOne(this.ctx, repo, { ...ref, tag: t }, opts, progress);
          if (s.startsWith('Downloaded')) newer = true;
        }
        const name = familiarName(ref);
        progress({ status: `Status: ${newer ? `Downloaded newer image for ${name}` : `Image is up to date for ${name}`}` });
      });
    } catch (e) {
      throw notUnauthorized(translatePullError(e, ref));
    }
  }

  async push(image: string, opts: PushOptions, progress: ProgressFn): Promise<void> {
    let ref = parseRef(image);
    if (opts.tag) ref = parseRef(`${repositoryName(ref)}:${opts.tag}`);
    const { db } = this.ctx.images.deps;
    const repoName = repositoryName(ref);
    let targets: { ref: Reference; id: string }[];
    if (ref.tag) {
      const id = db.refTarget(fullName(ref));
      targets = id ? [{ ref, id }] : [];
    } else {
      targets = db.all().flatMap((r) => r.refs.filter((x) => x.kind === 'tag' && x.name.startsWith(`${repoName}:`))
        .map((x) => ({ ref: parseRef(x.name), id: r.id })));
      targets.sort((a, b) => (a.ref.tag! < b.ref.tag! ? -1 : 1));
    }
    // as dockerd: a platform mismatch is the request's error; a missing tag comes in the stream, after its header
    if (opts.platform) {
      for (const t of targets) {
        const c = (await this.ctx.images.get(t.id)).config;
        checkImagePlatform(fullName(t.ref), { os: c.os, architecture: c.architecture, variant: c.variant }, opts.platform);
      }
    }
    progress({ status: `The push refers to repository [${repoName}]` });
    if (!targets.length) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(ref)}`);
    try {
      await withEndpoints(ref.domain, ref.path, this.ctx.settings(), opts.auth, { push: true }, async (repo) => {
        for (const t of targets) await pushTag(this.ctx, repo, t.ref, t.id, opts, progress);
      });
    } catch (e) {
      throw notUnauthorized(e);
    }
  }

  async login(auth: AuthConfig): Promise<{ Status: string; IdentityToken?: string }> {
    let server = (auth.serveraddress ?? '').trim();
    if (!server || server === INDEX_SERVER || /^(https?:\/\/)?(index\.)?docker\.io(\/v1\/?)?$/.test(server)) server = 'docker.io';
    server = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (!isValidDomain(server)) throw new InvalidParameterError(`invalid registry address ${JSON.stringify(auth.serveraddress)}`);
    const creds = credentialsOf(auth);
    const eps = (await endpointsFor(server, this.ctx.settings(), { push: true })).filter((e) => !e.mirror);
    let last: unknown;
    for (const ep of eps) {
      const s = new AuthSession(ep.url, ep.insecure, { username: creds?.username, password: creds?.password, identityToken: auth.identitytoken || undefined });
      try {
        await s.check();
        return { Status: 'Login Succeeded', IdentityToken: s.refreshToken ?? '' };
      } catch (e) {
        last = e;
        if (!isTransportError(e)) break;
      }
    }
    if (last instanceof UnauthorizedError) throw last;
    throw last;
  }

  async search(opts: SearchOptions): Promise<SearchResult[]> {
    let term = opts.term;
    let domain = 'docker.io';
    const slash = term.indexOf('/');
    if (slash > 0 && /[.:]|^localhost$/.test(term.slice(0, slash))) {
      domain = term.slice(0, slash);
      term = term.slice(slash + 1);
    }
    if (term.includes('://')) throw new InvalidParameterError(`invalid repository name: repository name (${opts.term}) should not have a scheme`);
    const limit = opts.limit ?? 25;
    if (limit < 1 || limit > 100) throw new InvalidParameterError(`limit ${limit} is outside the range of [1, 100]`);
    const eps = (await endpointsFor(domain === 'docker.io' ? 'index.docker.io' : domain, this.ctx.settings(), { push: true }));
    let last: unknown;
    for (const ep of eps) {
      const q = new URLSearchParams({ q: term, n: String(limit) });
      const creds = credentialsOf(opts.auth);
      const headers: Record<string, string> = {};
      if (creds) headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      try {
        const res = await request(`${ep.url}/v1/search?${q}`, { insecure: ep.insecure, headers, signal: opts.signal });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`Unexpected status code ${res.status}`);
        const v = JSON.parse(body) as { results?: SearchResult[] };
        return (v.results ?? []).slice(0, limit);
      } catch (e) {
        last = e;
        if (!isTransportError(e)) break;
      }
    }
    throw new Error(errorMessage(last));
  }
}
