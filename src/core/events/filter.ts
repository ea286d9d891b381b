import type { Filters } from '../filters.ts';
import { familiarName, parseReference } from '../reference/reference.ts';
import type { EngineEvent } from './types.ts';

/** dockerd's stripTag: the familiar repository name without tag or digest; the input when it does not parse. */
function stripTag(image: string): string {
  try {
    return familiarName(parseReference(image));
  } catch {
    return image;
  }
}

/** filters.Args.ExactMatch: true when the key is absent or empty, else the source is one of the values. */
function exact(f: Filters, key: string, source: string): boolean {
  const want = f.get(key);
  return !want || want.length === 0 || want.includes(source);
}

/** filters.Args.FuzzyMatch: ExactMatch, or some value is a prefix of the source. */
function fuzzy(f: Filters, key: string, source: string): boolean {
  return exact(f, key, source) || f.get(key)!.some((v) => source.startsWith(v));
}

/** filters.Args.MatchKVList: every `k` or `k=v` value is among the attributes. */
function matchKVList(f: Filters, key: string, attrs: Record<string, string>): boolean {
  const want = f.get(key);
  if (!want || want.length === 0) return true;
  if (Object.keys(attrs).length === 0) return false;
  return want.every((l) => {
    const i = l.indexOf('=');
    const k = i < 0 ? l : l.slice(0, i);
    if (!Object.hasOwn(attrs, k)) return false;
    return i < 0 || attrs[k] === l.slice(i + 1);
  });
}

const FUZZY_EVENTS = new Set(['health_status', 'exec_create', 'exec_start']);
const NAMED_TYPES = ['daemon', 'container', 'plugin', 'volume', 'network', 'node', 'service', 'secret', 'config'] as const;

/**
 * Does an event pass docker's /events filters? dockerd's daemon/events
 * Filter.Include, clause by clause: unknown keys are ignored; a
 * container/volume/network/... filter is an ID or name prefix of the actor of
 * any event type (so `container=web` also passes an image tag named web:1);
 * `event` is exact unless one of its values is health_status, exec_create or
 * exec_start, when every value becomes a prefix.
 */
export function eventMatches(e: EngineEvent, f: Filters): boolean {
  const attrs = e.Actor.Attributes;
  const events = f.get('event') ?? [];
  const eventOk = events.some((v) => FUZZY_EVENTS.has(v)) ? fuzzy(f, 'event', e.Action) : exact(f, 'event', e.Action);
  if (!eventOk || !exact(f, 'type', e.Type) || !exact(f, 'scope', e.scope)) return false;
  for (const t of NAMED_TYPES) {
    if (!fuzzy(f, t, e.Actor.ID) && !fuzzy(f, t, attrs.name ?? '')) return false;
  }
  const imageName = (e.Type === 'image' ? attrs.name : attrs.image) ?? '';
  const imageOk = exact(f, 'image', e.Actor.ID) || exact(f, 'image', imageName) || exact(f, 'image', stripTag(e.Actor.ID)) || exact(f, 'image', stripTag(imageName));
  return imageOk && matchKVList(f, 'label', attrs);
}
