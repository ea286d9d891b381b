import { InvalidParameterError } from '../../core/errors.ts';
import type { ContainerBackend, ContainerRecord, LogLine } from '../../core/containers/types.ts';
import type { ContainerNetView, EndpointConfig } from '../../core/network/types.ts';
import { parseFilters, parseTimestamp } from '../../core/filters.ts';
import type { AttachStreams } from '../../core/runtime/types.ts';
import { containerInspect, containerSummary, dockerTime } from '../compat/containers.ts';
import { SummaryCache } from '../compat/summary-cache.ts';
import { frame, hijack, upgradeBody } from '../hijack.ts';
import { qBool, qInt, readJson, nullIfEmpty, sendJson, sendJsonBytes, sendNoContent, type Req } from '../http.ts';
import type { Route } from '../router.ts';

const LIST_FILTERS = ['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'label!', 'name', 'network', 'publish', 'since', 'status', 'volume'];
const RAW = 'application/vnd.docker.raw-stream';
const MUX = 'application/vnd.docker.multiplexed-stream';

/** Parse docker's detach-keys spec ("ctrl-p,ctrl-q") into bytes. */
export function detachKeys(spec: string | null): Buffer {
  const keys = (spec || 'ctrl-p,ctrl-q').split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return m[1] === '@' ? 0 : m[1].charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new InvalidParameterError(`Invalid detach keys (${k}) provided`);
  });
  return Buffer.from(keys);
}

interface AttachOpts {
  stdin: boolean; stdout: boolean; stderr: boolean; stdinOnce: boolean;
  /** Send the container's logs so far (attach with logs=1). */
  replay?: (write: (stream: 1 | 2, data: Buffer) => void) => Promise<unknown>;
}

/**
 * Answer the attach at once (the CLI starts the container only after the
 * hijack), buffer client input until the container's stdio is reachable,
 * then copy both ways; the detach sequence is handled here, as dockerd does.
 */
async function pipeAttach(r: Req, streams: Promise<AttachStreams>, tty: boolean, opts: AttachOpts): Promise<void> {
  const keys = detachKeys(r.query.get('detachKeys'));
  const h = hijack(r, tty ? RAW : MUX);
  // logs=1: what the container wrote so far comes first (as dockerd; output meanwhile may be missed, as there)
  // (a log driver that cannot be read gives no replay; the hijacked stream can carry no error status)
  if (opts.replay) await opts.replay((stream, data) => h.write(tty ? data : frame(stream, data))).catch(() => undefined);
  let s: AttachStreams | null = null;
  const early: Buffer[] = [];
  let inputEnded = false;
  let matched = 0;
  // as dockerd's CopyStreams when the client's input ends: a StdinOnce container without a TTY gets
  // EOF on its stdin (and the stream ends when it exits); otherwise the attach ends, the container runs on
  const endInput = (): void => {
    if (!s) return;
    if (opts.stdinOnce && !tty) s.closeStdin();
    else { s.close(); h.close(); }
  };
  const onInput = (d: Buffer): void => {
    if (!s) { early.push(d); return; }
    for (let i = 0; i < d.length; i++) {
      matched = d[i] === keys[matched] ? matched + 1 : d[i] === keys[0] ? 1 : 0;
      if (matched === keys.length) {
        s.writeStdin(d.subarray(0, Math.max(0, i + 1 - keys.length)));
        s.close();
        h.close();
        return;
      }
    }
    s.writeStdin(d);
  };
  if (opts.stdin && h.in) {
    h.in.on('data', onInput);
    h.in.on('end', () => { inputEnded = true; endInput(); });
  }
  h.in?.resume();
  // The client may leave before the streams come (a start that failed): let go of its socket then.
  const gone = new Promise<null>((resolve) => {
    h.out.once('close', () => resolve(null));
    h.in?.once('close', () => resolve(null));
  });
  try {
    s = await Promise.race([streams, gone]);
  } catch {
    h.close();
    return;
  }
  if (!s) {
    h.close();
    streams.then((late) => late.close(), () => undefined);
    return;
  }
  const live = s;
  live.onOutput((stream, data) => {
    if ((stream === 1 && !opts.stdout) || (stream === 2 && !opts.stderr)) return;
    h.write(tty ? data : frame(stream, data));
  });
  live.onClose(() => h.close());
  h.out.on('close', () => live.close());
  for (const d of early.splice(0)) onInput(d);
  if (inputEnded) endInput();
  h.in?.on('close', () => live.close());
  r.signal.addEventListener('abort', () => live.close(), { once: true });
}

/** "80", "80/udp", "8000-8010/tcp" as port keys. */
function portKeys(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(spec);
  if (!m) throw new InvalidParameterError(`invalid filter value: ${spec}`);
  const out: string[] = [];
  for (let p = Number(m[1]); p <= Number(m[2] ?? m[1]) && out.length < 65536; p++) out.push(`${p}/${m[3] ?? 'tcp'}`);
  return out;
}

/** The ps filters that need the network view: network, publish, expose. */
function networkFilters(f: Map<string, string[]>, rec: ContainerRecord, v: ContainerNetView): boolean {
  const nets = f.get('network');
  if (nets && !nets.some((n) => Object.entries(v.networks).some(([name, ep]) => name === n || ep.NetworkID === n))) return false;
  const pub = f.get('publish');
  if (pub && !pub.flatMap(portKeys).some((k) => (v.ports[k] ?? []).length > 0)) return false;
  const exp = f.get('expose');
  if (exp && !exp.flatMap(portKeys).some((k) => Object.hasOwn(rec.config.ExposedPorts ?? {}, k) || Object.hasOwn(v.ports, k))) return false;
  return true;
}

/**
 * Engine API routes for containers. `revision`, when given, names the version
 * of what a container's list item shows (see SummaryCache).
 */
export function containerRoutes(c: ContainerBackend, graph: (id: string) => Promise<Record<string, string> | null>, net?: (rec: ContainerRecord) => ContainerNetView,
  revision?: (rec: ContainerRecord) => string, execIds?: (containerId: string) => string[]): Route[] {
  const summaries = new SummaryCache();

  const create = async (r: Req): Promise<void> => {
    const body = (await readJson<Record<string, unknown>>(r.raw)) ?? {};
    const { HostConfig, NetworkingConfig, ...config } = body as { HostConfig?: Record<string, unknown>; NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointConfig> | null } | null };
    const res = await c.create(r.query.get('name') || undefined, config, HostConfig ?? {}, NetworkingConfig?.EndpointsConfig ?? {}, r.query.get('platform') || undefined);
    sendJson(r.res, 201, { Id: res.id, Warnings: res.warnings });
  };

  const list = async (r: Req): Promise<void> => {
    const filters = parseFilters(r.query.get('filters'), LIST_FILTERS);
    const all = qBool(r.query, 'all');
    const limit = qInt(r.query, 'limit', -1);
    const size = qBool(r.query, 'size');
    let out = await c.list({ all, limit, size, filters });
    if (net && ['network', 'publish', 'expose'].some((k) => filters.has(k))) out = out.filter((rec) => networkFilters(filters, rec, net(rec)));
    if (size) {
      const sizes = await c.sizes(out);
      sendJson(r.res, 200, out.map((rec, i) => ({ ...containerSummary(rec, net?.(rec)), ...(sizes[i].rw ? { SizeRw: sizes[i].rw } : {}), ...(sizes[i].rootFs ? { SizeRootFs: sizes[i].rootFs } : {}) }))); // omitempty, as dockerd
    } else if (revision) {
      const items = out.map((rec) => ({ rec, revision: revision(rec), view: () => net?.(rec) }));
      sendJsonBytes(r.res, 200, summaries.body(items, all && limit < 0 && filters.size === 0));
    } else {
      sendJson(r.res, 200, out.map((rec) => containerSummary(rec, net?.(rec))));
    }
  };

  const wait = async (r: Req): Promise<void> => {
    const cond = (r.query.get('condition') || 'not-running') as 'not-running' | 'next-exit' | 'removed';
    if (!['not-running', 'next-exit', 'removed'].includes(cond)) throw new InvalidParameterError(`invalid condition: "${cond}"`);
    await c.get(r.params[0]);
    // The CLI waits for the headers before it starts the container.
    r.res.writeHead(200, { 'Content-Type': 'application/json' });
    r.res.flushHeaders();
    try {
      const res = await c.wait(r.params[0], cond, r.signal);
      r.res.end(`${JSON.stringify({ StatusCode: res.StatusCode })}\n`);
    } catch (e) {
      r.res.end(`${JSON.stringify({ StatusCode: -1, Error: { Message: (e as Error).message } })}\n`);
    }
  };

  const attach = async (r: Req): Promise<void> => {
    const stream = qBool(r.query, 'stream');
    const withLogs = qBool(r.query, 'logs');
    if (!stream && !withLogs) throw new InvalidParameterError('at least one of stream or logs must be set');
    // dockerode sends its options as a JSON body too: not container input (dockerd never reads it)
    await upgradeBody(r.raw);
    const stdout = qBool(r.query, 'stdout');
    const stderr = qBool(r.query, 'stderr');
    const replay = withLogs ? (write: (stream: 1 | 2, data: Buffer) => void) => c.logs(r.params[0], { stdout, stderr, follow: false, tail: 'all', timestamps: false }, (l) => write(l.stream, l.data), r.signal) : undefined;
    if (!stream) {
      // logs only: the output so far, then the end of the stream
      const rec = await c.get(r.params[0]);
      const h = hijack(r, rec.config.Tty ? RAW : MUX);
      if (stdout || stderr) await replay!((s, data) => h.write(rec.config.Tty ? data : frame(s, data))).catch(() => undefined);
      h.close();
      return;
    }
    const { record, streams } = await c.attach(r.params[0], r.signal);
    const opts = { stdin: qBool(r.query, 'stdin'), stdout, stderr, stdinOnce: record.config.StdinOnce, replay: stdout || stderr ? replay : undefined };
    await pipeAttach(r, streams, record.config.Tty, opts);
  };

  const logs = async (r: Req): Promise<void> => {
    const rec = await c.get(r.params[0]);
    const q = r.query;
    const stdout = qBool(q, 'stdout');
    const stderr = qBool(q, 'stderr');
    if (!stdout && !stderr) throw new InvalidParameterError('Bad parameters: you must choose at least one stream');
    const tailRaw = q.get('tail') ?? 'all';
    const tail = tailRaw === 'all' || tailRaw === '' ? 'all' : Number.parseInt(tailRaw, 10);
    const since = q.get('since') && q.get('since') !== '0' ? parseTimestamp(q.get('since')!) : undefined;
    const until = q.get('until') && q.get('until') !== '0' ? parseTimestamp(q.get('until')!) : undefined;
    const timestamps = qBool(q, 'timestamps');
    const begin = (): void => {
      r.res.writeHead(200, { 'Content-Type': rec.config.Tty ? RAW : MUX });
      r.res.flushHeaders();
    };
    const send = (l: LogLine): void => {
      const data = timestamps ? Buffer.concat([Buffer.from(`${dockerTime(l.time)} `), l.data]) : l.data;
      r.res.write(rec.config.Tty ? data : frame(l.stream, data));
    };
    await c.logs(r.params[0], { stdout, stderr, follow: qBool(q, 'follow'), tail: Number.isNaN(tail as number) || (tail as number) < 0 ? 'all' : tail, since, until, timestamps, details: qBool(q, 'details') }, send, r.signal, begin);
    r.res.end();
  };

  const id = (r: Req): string => r.params[0];
  const noContent = (fn: (r: Req) => Promise<void>) => async (r: Req): Promise<void> => {
    try {
      await fn(r);
      sendNoContent(r.res);
    } catch (e) {
      if ((e as { kind?: string }).kind === 'not-modified') return sendNoContent(r.res, 304);
      throw e;
    }
  };
  const timeout = (r: Req): number | undefined => (r.query.get('t') ? Number(r.query.get('t')) : undefined);

  return [
    { method: 'POST', path: '/containers/create', handler: create },
    { method: 'GET', path: '/containers/json', handler: list },
    { method: 'POST', path: '/containers/prune', handler: async (r) => {
      const rep = await c.prune(parseFilters(r.query.get('filters'), ['until', 'label', 'label!']));
      sendJson(r.res, 200, { ...rep, ContainersDeleted: nullIfEmpty(rep.ContainersDeleted) });
    } },
    { method: 'GET', path: '/containers/{id}/json', handler: async (r) => {
      const rec = await c.get(id(r));
      const body = containerInspect(rec, await graph(rec.id), net?.(rec), execIds?.(rec.id));
      if (!qBool(r.query, 'size')) return sendJson(r.res, 200, body);
      // `inspect -s`: the sizes right after GraphDriver, where dockerd has them
      const [sz] = await c.sizes([rec]);
      const withSizes: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) {
        withSizes[k] = v;
        if (k === 'GraphDriver') Object.assign(withSizes, { SizeRw: sz.rw, SizeRootFs: sz.rootFs });
      }
      sendJson(r.res, 200, withSizes);
    } },
    { method: 'POST', path: '/containers/{id}/start', handler: noContent((r) => {
      // dockerd's check: more than an empty JSON object, or a body of unknown (chunked) length, is the old HostConfig-on-start
      if (Number(r.raw.headers['content-length'] ?? 0) > 7 || r.raw.headers['transfer-encoding'] !== undefined) {
        throw new InvalidParameterError('starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24');
      }
      return c.start(id(r));
    }) },
    { method: 'POST', path: '/containers/{id}/stop', handler: noContent((r) => c.stop(id(r), { timeout: timeout(r), signal: r.query.get('signal') ?? undefined })) },
    { method: 'POST', path: '/containers/{id}/restart', handler: noContent((r) => c.restart(id(r), { timeout: timeout(r), signal: r.query.get('signal') ?? undefined })) },
    { method: 'POST', path: '/containers/{id}/kill', handler: noContent((r) => c.kill(id(r), r.query.get('signal') || undefined)) },
    { method: 'POST', path: '/containers/{id}/pause', handler: noContent((r) => c.pause(id(r))) },
    { method: 'POST', path: '/containers/{id}/unpause', handler: noContent((r) => c.unpause(id(r))) },
    { method: 'POST', path: '/containers/{id}/rename', handler: noContent((r) => c.rename(id(r), r.query.get('name') ?? '')) },
    { method: 'POST', path: '/containers/{id}/wait', handler: wait },
    { method: 'POST', path: '/containers/{id}/attach', handler: attach },
    { method: 'GET', path: '/containers/{id}/logs', handler: logs },
    { method: 'POST', path: '/containers/{id}/resize', handler: async (r) => { await c.resize(id(r), qInt(r.query, 'h', 0), qInt(r.query, 'w', 0)); sendJson(r.res, 200, {}); } },
    { method: 'GET', path: '/containers/{id}/top', handler: async (r) => sendJson(r.res, 200, await c.top(id(r), r.query.get('ps_args') ?? '')) },
    { method: 'DELETE', path: '/containers/{id}', handler: noContent((r) => c.remove(id(r), { force: qBool(r.query, 'force'), volumes: qBool(r.query, 'v') })) },
  ];
}
