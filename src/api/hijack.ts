import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Req } from './http.ts';

/** The two directions of an attach/exec stream after the HTTP answer. */
export interface Hijacked {
  out: Writable;
  /** Client input (stdin); null when the request was not upgraded. */
  in: Readable | null;
  close(): void;
  /** Write unless the client is gone. */
  write(b: Buffer): void;
}

/** A request Node's server handed over as an upgrade (`Connection: Upgrade` with an `Upgrade` header). */
export function isUpgrade(raw: IncomingMessage): boolean {
  return (raw.headers.connection ?? '').toLowerCase().includes('upgrade') && !!raw.headers.upgrade;
}

/**
 * The Content-Length body of an upgraded request: Node's parser stops at the
 * headers, so the body comes first on the raw socket, before any stream input
 * (exec start's options; the JSON options dockerode sends with an attach,
 * which dockerd never reads as input). The socket is left paused after it.
 */
export async function upgradeBody(raw: IncomingMessage): Promise<Buffer> {
  const len = Number(raw.headers['content-length'] ?? 0);
  if (!isUpgrade(raw) || !(len > 0)) return Buffer.alloc(0);
  const socket = raw.socket as Socket;
  const chunks: Buffer[] = [];
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      socket.pause();
      socket.off('data', onData);
      socket.off('error', reject);
      socket.off('end', onEnd);
    };
    const onEnd = (): void => { done(); reject(new Error('connection closed before the request body')); };
    const onData = (d: Buffer): void => {
      const need = len - got;
      if (d.length > need) {
        socket.pause();
        socket.unshift(d.subarray(need));
        d = d.subarray(0, need);
      }
      chunks.push(d);
      got += d.length;
      if (got >= len) { done(); resolve(); }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', onEnd);
  });
  return Buffer.concat(chunks);
}

/**
 * Take over the connection as dockerd does: `101 UPGRADED` for upgrade
 * requests (then raw bytes both ways), or a streamed 200 for plain ones.
 */
export function hijack(r: Req, contentType: string): Hijacked {
  if (isUpgrade(r.raw)) {
    const socket = r.raw.socket as Socket;
    r.res.detachSocket(socket);
    socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: 1.50\r\n\r\n`);
    socket.setNoDelay(true);
    // A client that goes away must never take the daemon down.
    socket.on('error', () => socket.destroy());
    return { out: socket, in: socket, close: () => socket.end(), write: (b) => { if (!socket.destroyed && socket.writable) socket.write(b); } };
  }
  r.res.writeHead(200, { 'Content-Type': contentType });
  r.res.flushHeaders();
  r.res.on('error', () => undefined);
  return { out: r.res, in: null, close: () => r.res.end(), write: (b) => { if (!r.res.destroyed && r.res.writable) r.res.write(b); } };
}

/** Docker's stdcopy frame: [stream,0,0,0,size BE] + payload. */
export function frame(stream: 1 | 2, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}
