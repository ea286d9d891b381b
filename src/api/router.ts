import { InvalidParameterError } from '../core/errors.ts';
import type { Req } from './http.ts';

export type Handler = (req: Req) => Promise<void> | void;

export interface Route {
  method: string;
  /** Path pattern; `{name}` matches one segment, `{name*}` matches the rest (image names contain slashes). */
  path: string;
  handler: Handler;
}

interface Compiled { method: string; re: RegExp; handler: Handler }

function compile(path: string): RegExp {
  const src = path.replace(/[.+?^$()[\]\\|]/g, '\\$&').replace(/\{(\w+)(\*?)\}/g, (_m, _n, star) => (star ? '(.+)' : '([^/]+)'));
  return new RegExp(`^${src}$`);
}

/** decodeURIComponent, with a malformed escape as a client error (Go: `invalid URL escape "%zz"`). */
function decodeParam(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    const bad = /%(?![0-9a-fA-F]{2}).{0,2}/s.exec(s)?.[0];
    throw new InvalidParameterError(bad !== undefined ? `invalid URL escape ${JSON.stringify(bad)}` : `invalid URL escape in ${JSON.stringify(s)}`);
  }
}

/** A flat route table matched in order. */
export class Router {
  private readonly routes: Compiled[] = [];

  add(routes: Route[]): void {
    for (const r of routes) this.routes.push({ method: r.method, re: compile(r.path), handler: r.handler });
  }

  /** Finds the handler; `methodMismatch` is true when the path exists with other methods. */
  match(method: string, path: string): { handler?: Handler; params: string[]; methodMismatch: boolean } {
    let methodMismatch = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) {
        return { handler: r.handler, params: m.slice(1).map(decodeParam), methodMismatch: false };
      }
      methodMismatch = true;
    }
    return { params: [], methodMismatch };
  }
}
