import { compileGoRegexp } from './go-regexp.ts';

/**
 * The extra attributes json-file keeps with each log line (dockerd's
 * logger.Info.ExtraAttributes): the container labels named by the `labels`
 * log-opt or matching `labels-regex`, and the env variables named by `env`
 * or matching `env-regex` — only keys the container has; an env key wins over
 * a label of the same name. Labels, env and log-opts are fixed at create, so
 * berthd works them out when the log is read rather than storing them in
 * every line. Throws GoRegexpError for a bad regexp (as dockerd's logger
 * fails to start). The local driver keeps no attributes.
 */
export function logAttrs(driver: string, opts: Record<string, string>, labels: Record<string, string>, env: string[]): Record<string, string> {
  const extra: Record<string, string> = Object.create(null) as Record<string, string>;
  if ((driver || 'json-file') !== 'json-file') return extra;
  const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
  if (opts.labels) for (const k of opts.labels.split(',')) if (has(labels, k)) extra[k] = labels[k];
  if (opts['labels-regex']) {
    const re = compileGoRegexp(opts['labels-regex']);
    for (const [k, v] of Object.entries(labels)) if (re.test(k)) extra[k] = v;
  }
  const envMap: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq >= 0) envMap[e.slice(0, eq)] = e.slice(eq + 1);
  }
  if (opts.env) for (const k of opts.env.split(',')) if (has(envMap, k)) extra[k] = envMap[k];
  if (opts['env-regex']) {
    const re = compileGoRegexp(opts['env-regex']);
    for (const [k, v] of Object.entries(envMap)) if (re.test(k)) extra[k] = v;
  }
  return extra;
}

/** Go's url.QueryEscape: unreserved bytes as they are, space as "+", every other UTF-8 byte as %XX. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The attrs as `docker logs --details` prints them before each line: sorted by key, `k=v` query-escaped, comma-joined. */
export function formatAttrs(attrs: Record<string, string>): string {
  return Object.keys(attrs)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((k) => `${queryEscape(k)}=${queryEscape(attrs[k])}`)
    .join(',');
}
