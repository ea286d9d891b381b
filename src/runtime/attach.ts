/*
 * conmon's attach socket (AF_UNIX SOCK_SEQPACKET, <dir>/attach): each packet
 * from conmon starts with 2 (stdout) or 3 (stderr); input is raw bytes in
 * packets conmon reads with a 32 KiB - 1 buffer. Node's net cannot open
 * SEQPACKET sockets; node-unix-socket can. Paths longer than sun_path go
 * through /proc/self/fd/<dirfd>/attach.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { SeqpacketSocket } from 'node-unix-socket';
import { ConflictError, NotFoundError, SystemError } from '../core/errors.ts';
import type { AttachStreams } from '../core/runtime/types.ts';

const MAX_SUN_PATH = 107;
/** conmon reads input with recvfrom(buf, CONN_SOCK_BUF_SIZE - 1). */
export const MAX_INPUT_PACKET = 32 * 1024 - 1;
const STDOUT = 2;
const STDERR = 3;

class AttachConnection implements AttachStreams {
  private readonly sock: SeqpacketSocket;
  private outputCb: ((stream: 1 | 2, data: Buffer) => void) | null = null;
  private pending: [1 | 2, Buffer][] = [];
  private readonly closeCbs: (() => void)[] = [];
  private closed = false;
  private stdinClosed = false;

  constructor(sock: SeqpacketSocket) {
    this.sock = sock;
    sock.on('data', (buf: Buffer) => {
      if (buf.length < 1) return;
      const stream: 1 | 2 = buf[0] === STDERR ? 2 : 1;
      if (buf[0] !== STDOUT && buf[0] !== STDERR) return;
      const data = Buffer.from(buf.subarray(1));
      if (this.outputCb) this.outputCb(stream, data);
      else this.pending.push([stream, data]);
    });
    sock.on('end', () => this.finish());
    sock.on('error', () => this.finish());
  }

  onOutput(cb: (stream: 1 | 2, data: Buffer) => void): void {
    this.outputCb = cb;
    const pending = this.pending;
    this.pending = [];
    for (const [s, d] of pending) cb(s, d);
  }

  writeStdin(data: Buffer): void {
    if (this.closed || this.stdinClosed) return;
    for (let off = 0; off < data.length; off += MAX_INPUT_PACKET) {
      const chunk = data.subarray(off, Math.min(off + MAX_INPUT_PACKET, data.length));
      this.sock.write(chunk, 0, chunk.length);
    }
  }

  closeStdin(): void {
    if (this.closed || this.stdinClosed) return;
    this.stdinClosed = true;
    this.sock.end(); // shutdown(SHUT_WR) once written: conmon closes the container's stdin
  }

  close(): void {
    this.finish();
  }

  onClose(cb: () => void): void {
    if (this.closed) queueMicrotask(cb);
    else this.closeCbs.push(cb);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.destroy();
    for (const cb of this.closeCbs.splice(0)) cb();
  }
}

/** Connect to the attach socket in `dir` (a container's bundle or an exec session's directory). */
export async function connectAttach(dir: string): Promise<AttachStreams> {
  const direct = join(dir, 'attach');
  let dirFd = -1;
  let path = direct;
  if (Buffer.byteLength(direct) > MAX_SUN_PATH) {
    dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    path = `/proc/self/fd/${dirFd}/attach`;
  }
  const sock = new SeqpacketSocket();
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      try {
        sock.connect(path, () => {
          sock.off('error', reject);
          resolve();
        });
      } catch (e) {
        reject(e as Error);
      }
    });
  } catch (e) {
    sock.destroy();
    const msg = (e as Error).message ?? String(e);
    if (/ENOENT|No such file|ECONNREFUSED|refused/i.test(msg)) throw new ConflictError(`cannot attach: the container is not running (${msg})`, { cause: e });
    throw new SystemError(`cannot attach to ${direct}: ${msg}`, { cause: e });
  } finally {
    if (dirFd >= 0) closeSync(dirFd);
  }
  return new AttachConnection(sock);
}

/** Write one control message to conmon's control fifo (<dir>/ctl): `1 ROWS COLS` resizes, `2 0 0` reopens the log. */
async function writeCtl(dir: string, message: string, what: string): Promise<void> {
  let fh;
  try {
    fh = await open(join(dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw new ConflictError(`cannot ${what}: the container is not running`);
    if (code === 'ENOENT') throw new NotFoundError(`cannot ${what}: no terminal control for this container`);
    throw e;
  }
  try {
    await fh.write(message);
  } finally {
    await fh.close();
  }
}

/** Set the TTY size. */
export function resizeTerminal(dir: string, rows: number, cols: number): Promise<void> {
  return writeCtl(dir, `1 ${Math.max(0, Math.trunc(rows))} ${Math.max(0, Math.trunc(cols))}\n`, 'resize');
}

/** Make conmon reopen its log file (after the daemon renamed it away). */
export function reopenLog(dir: string): Promise<void> {
  return writeCtl(dir, '2 0 0\n', 'reopen the log');
}
