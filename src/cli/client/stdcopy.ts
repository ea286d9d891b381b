/**
 * The multiplexed stream format of attach, exec and logs without a TTY
 * (docker's stdcopy): frames of an 8-byte header [stream, 0, 0, 0, size as
 * uint32 big-endian] followed by `size` bytes; stream 0 stdin (echoed to
 * stdout), 1 stdout, 2 stderr, 3 an error from the daemon.
 */

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;

/** One frame's header and payload. */
export function encodeFrame(stream: number, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Splits a byte stream into frames, across chunk boundaries. */
export class FrameDecoder {
  #pending: Buffer = Buffer.alloc(0);
  readonly #onFrame: (stream: number, payload: Buffer) => void;

  constructor(onFrame: (stream: number, payload: Buffer) => void) {
    this.#onFrame = onFrame;
  }

  push(chunk: Buffer): void {
    let buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const stream = buf[0];
      if (stream > SYSTEMERR) throw new Error(`Unrecognized input header: ${stream}`);
      this.#onFrame(stream, buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
    this.#pending = Buffer.from(buf);
  }

  /** Bytes of an unfinished frame left at the end of the stream. */
  get leftover(): number {
    return this.#pending.length;
  }
}

function writeTo(out: NodeJS.WritableStream | undefined, data: Buffer): Promise<void> | undefined {
  if (!out) return undefined;
  if (out.write(data)) return undefined;
  return new Promise((resolve) => out.once('drain', () => resolve()));
}

/**
 * stdcopy.StdCopy: reads frames from `src` until it ends, stdout frames to
 * `stdout` and stderr frames to `stderr`; a stream-3 frame ends the copy with
 * "error from daemon in stream: ...". Honours back-pressure on the outputs.
 */
export async function demux(src: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, stdout?: NodeJS.WritableStream, stderr?: NodeJS.WritableStream): Promise<void> {
  let failure: Error | undefined;
  const waits: Promise<void>[] = [];
  const decoder = new FrameDecoder((stream, payload) => {
    if (failure) return;
    if (stream === SYSTEMERR) {
      failure = new Error(`error from daemon in stream: ${payload.toString('utf8')}`);
      return;
    }
    const wait = writeTo(stream === STDERR ? stderr : stdout, Buffer.from(payload));
    if (wait) waits.push(wait);
  });
  for await (const chunk of src) {
    decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (failure) throw failure;
    if (waits.length > 0) {
      await Promise.all(waits.splice(0));
    }
  }
  if (failure) throw failure;
}
