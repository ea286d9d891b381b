/** Attach: the hijacked stream of a container's stdio, as dockerd serves it. */
import { InvalidParameterError } from '../../core/errors.ts';
import type { ContainerBackend } from '../../core/containers/types.ts';
import { DEFAULT_DETACH_KEYS, detachKeyBytes } from '../../core/containers/detach-keys.ts';
import type { AttachStreams } from '../../core/runtime/types.ts';
import { frame, hijack, upgradeBody } from '../hijack.ts';
import { qBool, type Req } from '../http.ts';

const RAW = 'application/vnd.docker.raw-stream';
const MUX = 'application/vnd.docker.multiplexed-stream';

/** The detach keys of an attach (dockerd's message for a bad spec); ctrl-p,ctrl-q when none is given. */
export function detachKeys(spec: string | null): Buffer {
  if (!spec) return DEFAULT_DETACH_KEYS;
  const keys = detachKeyBytes(spec);
  if (!keys) throw new InvalidParameterError(`Invalid detach keys (${spec}) provided`);
  return keys;
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

/** POST /containers/{id}/attach (logs=1 replays the output so far; stream=0 ends after it). */
export function attachHandler(c: ContainerBackend): (r: Req) => Promise<void> {
  return async (r: Req): Promise<void> => {
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
}
