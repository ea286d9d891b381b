/** Token scopes (`repository:library/busybox:pull,push`) as docker and distribution write them. */
import type { AccessEntry } from './types.ts';

/** Parses one scope string; several are separated by spaces. Malformed parts are dropped. */
export function parseScopes(scope: string): AccessEntry[] {
  const out: AccessEntry[] = [];
  for (const part of scope.split(' ')) {
    if (!part) continue;
    const first = part.indexOf(':');
    const last = part.lastIndexOf(':');
    if (first < 0 || last === first) continue;
    let type = part.slice(0, first);
    // `repository(plugin):name:pull` carries a resource class.
    const paren = type.indexOf('(');
    if (paren > 0) type = type.slice(0, paren);
    out.push({ type, name: part.slice(first + 1, last), actions: part.slice(last + 1).split(',').filter(Boolean) });
  }
  return out;
}

export function formatScope(e: AccessEntry): string {
  return `${e.type}:${e.name}:${e.actions.join(',')}`;
}

/** True when `granted` allows `action` on `type:name`. */
export function allows(granted: AccessEntry[], type: string, name: string, action: string): boolean {
  return granted.some((g) => g.type === type && g.name === name && (g.actions.includes(action) || g.actions.includes('*')));
}

/** Glob match for ACL names: `*` matches anything but '/', `**` anything. */
export function globMatch(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') { re += '.*'; i++; } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(name);
}
