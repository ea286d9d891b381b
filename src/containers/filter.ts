/**
 * `docker ps` selection, as dockerd's daemon/list.go: the filters are checked
 * first (foldFilter), then each container, newest first, is kept, skipped, or
 * ends the walk (includeContainerInList).
 */
import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { goMatcher, matchLabels, matchNotLabels, type Filters } from '../core/filters.ts';
import { pruneUntil } from '../core/go-time.ts';
import { timeNs } from '../core/time.ts';
import type { ContainerListOptions, ContainerRecord } from '../core/containers/types.ts';
import type { ImageBackend } from '../core/images/types.ts';
import type { ContainerNetView } from '../core/network/types.ts';

const STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];
const HEALTHS = ['none', 'starting', 'healthy', 'unhealthy'];

/** What the filters need besides the records. */
export interface ListContext {
  /** The network service's view of a container: its networks and the ports `ps` shows. */
  net?: (c: ContainerRecord) => ContainerNetView;
  /** With an `ancestor` filter: the IDs of the images it names and of their descendants. */
  ancestors?: Set<string>;
}

/** Go's strconv.Atoi, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** Go's strconv.ParseUint(s, 10, 16). */
function parsePort(s: string): number {
  const err = (why: string): never => { throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: ${why}`); };
  if (!/^\d+$/.test(s)) err('invalid syntax');
  const n = Number(s);
  if (n > 65535) err('value out of range');
  return n;
}

/** A `publish`/`expose` value (`80`, `80/udp`, `8000-8010/tcp`) as the port keys it names (moby's portOp). */
export function filterPorts(key: string, value: string): string[] {
  if (value.includes(':')) throw new InvalidParameterError(`filter for '${key}' should not contain ':': ${value}`);
  const parts = value.split('/');
  const proto = parts.length === 1 || parts[1] === '' ? 'tcp' : parts[1];
  const range = parts[0];
  try {
    if (range === '') throw new Error('empty string specified for ports');
    const [a, b] = range.split('-');
    const start = parsePort(a);
    const end = b === undefined ? start : parsePort(b);
    if (end < start) throw new Error(`invalid range specified for port: ${range}`);
    const out: string[] = [];
    for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
    return out;
  } catch (e) {
    throw new InvalidParameterError(`error while looking up for ${key} ${value}: ${(e as Error).message}`);
  }
}

/** idOrNameFilter: a whole ID or a name (not an ID prefix, unlike other lookups). */
function idOrName(list: ContainerRecord[], value: string): ContainerRecord {
  const c = list.find((x) => x.id === value) ?? list.find((x) => x.name === `/${value.replace(/^\//, '')}`);
  if (!c) throw new NotFoundError(`No such container: ${value}`);
  return c;
}

/** The ports `ps` shows for a container: "<public>/<proto>" and "<private>/<proto>" keys. */
function shownPorts(v: ContainerNetView | undefined): { published: string[]; exposed: string[] } {
  const published: string[] = [];
  const exposed: string[] = [];
  for (const [key, binds] of Object.entries(v?.ports ?? {})) {
    const [port, proto] = key.split('/');
    for (const b of binds?.length ? binds : [null]) {
      published.push(`${b ? Number(b.HostPort) : 0}/${proto}`);
      exposed.push(`${port}/${proto}`);
    }
  }
  return { published, exposed };
}

/** The `docker ps` list: newest first, as the options and filters select. */
export function filterContainers(list: ContainerRecord[], o: ContainerListOptions, ctx: ListContext = {}): ContainerRecord[] {
  const f = o.filters;
  const exited = (f.get('exited') ?? []).map((v) => {
    try {
      return atoi(v);
    } catch (e) {
      throw new InvalidParameterError(`invalid filter 'exited=${v}': ${(e as Error).message}`);
    }
  });
  for (const s of f.get('status') ?? []) {
    if (!STATES.includes(s)) throw new InvalidParameterError(`invalid filter 'status=${s}': invalid value for state (${s}): must be one of ${STATES.join(', ')}`);
  }
  const all = o.all || f.has('status');
  const task = f.get('is-task');
  if (task && !task.includes('true') && !task.includes('false')) throw new InvalidParameterError(`invalid filter 'is-task=[${task.join(' ')}]'`);
  for (const h of f.get('health') ?? []) {
    if (!HEALTHS.includes(h)) throw new InvalidParameterError(`invalid filter 'health=${h}': invalid value for health (${h}): must be one of ${HEALTHS.join(', ')}`);
  }
  let before = f.get('before')?.map((v) => idOrName(list, v)).at(-1);
  const since = f.get('since')?.map((v) => idOrName(list, v)).at(-1);
  const publish = new Set((f.get('publish') ?? []).flatMap((v) => filterPorts('publish', v)));
  const expose = new Set((f.get('expose') ?? []).flatMap((v) => filterPorts('expose', v)));
  if (f.size === 0) return (all || o.limit > 0 ? list : list.filter((c) => c.state.Running)).slice(0, o.limit > 0 ? o.limit : undefined);

  const candidates = byNameOrId(list, f);
  const name = goMatcher(f.get('name'));
  const id = goMatcher(f.get('id'));
  const status = goMatcher(f.get('status'));
  const health = f.get('health');
  const volumes = f.get('volume');
  const networks = f.get('network');
  const out: ContainerRecord[] = [];
  for (const c of candidates) {
    if (before) {
      if (c.id === before.id) before = undefined;
      continue;
    }
    if (since && c.id === since.id) break;
    if (!c.state.Running && !all && o.limit <= 0) continue;
    if (name && !name(c.name) && !name(c.name.slice(1))) continue;
    if (id && !id(c.id)) continue;
    if (task?.includes('true')) continue; // no container here is a swarm task
    if (!matchLabels(f, c.config.Labels)) continue;
    // `isolation` is a Windows filter: dockerd on Linux accepts it and ignores it
    if (o.limit > 0 && out.length === o.limit) break;
    if (exited.length && (c.state.Running || !c.hasBeenStarted || !exited.includes(c.state.ExitCode))) continue;
    if (status && !status(c.state.Status)) continue;
    if (health && !health.includes((c.state as { Health?: { Status: string } }).Health?.Status ?? 'none')) continue;
    if (volumes && !volumes.some((v) => (c.mountPoints ?? []).some((m) => m.Destination === v || (m.Name || m.Source) === v))) continue;
    if (ctx.ancestors && !ctx.ancestors.has(c.imageId)) continue;
    const view = (networks || publish.size || expose.size) ? ctx.net?.(c) : undefined;
    if (networks && !networks.some((n) => Object.hasOwn(view?.networks ?? {}, n)
      || Object.values(view?.networks ?? {}).some((ep) => typeof ep.NetworkID === 'string' && ep.NetworkID.startsWith(n)))) continue;
    if (publish.size || expose.size) {
      const shown = shownPorts(view);
      if (!shown.published.some((p) => publish.has(p)) && !shown.exposed.some((p) => expose.has(p))) continue;
    }
    out.push(c);
  }
  return out;
}

/**
 * filterByNameIDMatches: with `id` or `name` filters, only the containers an
 * ID names as a unique prefix, and those whose name matches (among the former
 * when IDs are given).
 */
function byNameOrId(list: ContainerRecord[], f: Filters): ContainerRecord[] {
  const ids = f.get('id') ?? [];
  const names = f.get('name') ?? [];
  if (!ids.length && !names.length) return list;
  const picked = new Set<string>();
  for (const prefix of ids) {
    const hits = prefix ? list.filter((c) => c.id.startsWith(prefix)) : [];
    if (hits.length === 1) picked.add(hits[0].id);
  }
  const name = goMatcher(names);
  if (name) {
    for (const c of list) {
      if (ids.length && !picked.has(c.id)) continue;
      if (name(c.name) || name(c.name.slice(1))) picked.add(c.id);
    }
  }
  return list.filter((c) => picked.has(c.id));
}

/** The images `refs` name and all made from them (populateImageFilterByParents); a name that resolves to nothing adds nothing. */
export async function imageFamily(images: Pick<ImageBackend, 'resolveId' | 'list'>, refs: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const roots = refs.flatMap((r) => {
    try {
      return [images.resolveId(r)];
    } catch {
      return [];
    }
  });
  if (!roots.length) return found;
  const children = new Map<string, string[]>();
  for (const i of await images.list({ all: true, filters: new Map() })) {
    if (i.parent) children.set(i.parent, [...(children.get(i.parent) ?? []), i.id]);
  }
  const pending = [...roots];
  while (pending.length) {
    const idNow = pending.pop()!;
    if (found.has(idNow)) continue;
    found.add(idNow);
    pending.push(...(children.get(idNow) ?? []));
  }
  return found;
}

/** `container prune` filters: labels, and one `until` read as dockerd's GetTimestamp (its errors included). */
export function pruneFilter(f: Filters): (c: ContainerRecord) => boolean {
  const until = pruneUntil(f);
  return (c) => matchLabels(f, c.config.Labels) && matchNotLabels(f, c.config.Labels)
    && (until === undefined || Number(timeNs(c.created) ?? 0n) / 1e6 <= until);
}
