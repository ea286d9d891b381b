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

/**
 * Take over the connection as dockerd does: `101 UPGRADED` for upgrade
 * requests (then raw bytes both ways), or a streamed 200 for plain ones.
 */
export function hijack(r: Req, contentType: string): Hijacked {
  const upgraded = (r.raw.headers.connection ?? '').toLowerCase().includes('upgrade') && !!r.raw.headers.upgrade;
  if (upgraded) {
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
