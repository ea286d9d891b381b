import { InvalidParameterError } from '../core/errors.ts';
import { matchLabels, matchNotLabels, parseTimestamp, type Filters } from '../core/filters.ts';
import type { ContainerListOptions, ContainerRecord } from '../core/containers/types.ts';
import { familiarName, parseReference } from '../core/reference/reference.ts';
import type { ContainerDb } from './store.ts';
import { timeNs } from '../core/time.ts';

export const CONTAINER_LIST_FILTERS = ['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'label!', 'name', 'network', 'publish', 'since', 'status', 'volume'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

function ancestorMatch(c: ContainerRecord, want: string): boolean {
  if (c.imageId === want || c.imageId.replace(/^sha256:/, '').startsWith(want.replace(/^sha256:/, ''))) return true;
  try {
    const w = parseReference(want);
    const have = parseReference(c.image);
    return familiarName(w) === familiarName(have) && (!w.tag || w.tag === (have.tag ?? 'latest'));
  } catch {
    return false;
  }
}

/** `docker ps` selection: all/limit and the filters, newest first. */
export function filterContainers(db: ContainerDb, o: ContainerListOptions): ContainerRecord[] {
  const f = o.filters;
  for (const s of f.get('status') ?? []) if (!STATUSES.includes(s)) throw new InvalidParameterError(`invalid filter 'status=${s}'`);
  const exited = (f.get('exited') ?? []).map((x) => {
    if (!/^-?\d+$/.test(x)) throw new InvalidParameterError(`invalid filter 'exited=${x}'`);
    return Number(x);
  });
  const createdNs = (c: ContainerRecord): bigint => timeNs(c.created) ?? 0n;
  const createdOf = (ref: string): bigint => createdNs(db.resolve(ref));
  const before = f.get('before')?.map(createdOf);
  const since = f.get('since')?.map(createdOf);
  const showAll = o.all || f.has('status') || f.has('exited') || o.limit > 0 || !!before || !!since;
  let out = db.all();
  if (f.size === 0) out = showAll ? out : out.filter((c) => c.state.Running);
  else out = out.filter((c) => {
    if (!showAll && !c.state.Running) return false;
    const any = (key: string, pred: (v: string) => boolean): boolean => !f.has(key) || f.get(key)!.some(pred);
    if (!any('status', (s) => s === c.state.Status)) return false;
    if (!any('id', (s) => c.id.startsWith(s))) return false;
    if (!any('name', (s) => new RegExp(s).test(c.name.slice(1)) || new RegExp(s).test(c.name))) return false;
    if (!any('ancestor', (s) => ancestorMatch(c, s))) return false;
    if (exited.length && (c.state.Running || !c.hasBeenStarted || !exited.includes(c.state.ExitCode))) return false;
    if (!matchLabels(f, c.config.Labels) || !matchNotLabels(f, c.config.Labels)) return false;
    if (before && !before.every((t) => createdNs(c) < t)) return false;
    if (since && !since.every((t) => createdNs(c) > t)) return false;
    const health = (c.state as { Health?: { Status: string } }).Health?.Status ?? 'none';
    if (!any('health', (h) => h === health)) return false;
    if (!any('volume', (v) => (c.mountPoints ?? []).some((m) => m.Destination === v || (m.Name || m.Source) === v))) return false;
    return true;
  });
  if (o.limit > 0) out = out.slice(0, o.limit);
  return out;
}

/** `container prune` filters: until and labels. */
export function pruneFilter(f: Filters): (c: ContainerRecord) => boolean {
  const until = f.get('until')?.map((v) => parseTimestamp(v));
  return (c) => matchLabels(f, c.config.Labels) && matchNotLabels(f, c.config.Labels)
    && (!until || until.every((t) => Date.parse(c.created) < t));
}
