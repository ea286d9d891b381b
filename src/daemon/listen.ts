import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type Server as NetServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { createServer, type Server } from 'node:http';
import { upgradeListener, type RequestListener } from '../api/server.ts';

function groupId(name: string): number | undefined {
  try {
    const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
    return line ? Number(line.split(':')[2]) : undefined;
  } catch {
    return undefined;
  }
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export interface TlsFiles { cacert?: string; cert?: string; key?: string }

/**
 * Close a server without waiting for its clients: closeAllConnections ends
 * HTTP connections, but hijacked (attach, exec) sockets are the server's
 * own business and would keep close() waiting for as long as they live.
 */
function closeNow(server: Server | HttpsServer): Promise<void> {
  const sockets = (server as unknown as { berthSockets?: Set<Socket> }).berthSockets ?? new Set<Socket>();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
    for (const s of sockets) s.destroy();
  });
}

/** Remember every connection so that closeNow can end it. */
function track(server: NetServer): void {
  const sockets = new Set<Socket>();
  (server as unknown as { berthSockets: Set<Socket> }).berthSockets = sockets;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
}

/** Listen on one `unix://` or `tcp://` host; returns the server and a cleanup. */
export async function listenHost(host: string, listener: RequestListener, tls: TlsFiles): Promise<{ server: Server; close(): Promise<void> }> {
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      if (await socketAnswers(path)) throw new Error(`${path}: another daemon is already listening on this socket`);
      unlinkSync(path);
    }
    const server = createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, listener);
    server.on('upgrade', upgradeListener(listener));
    track(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    chmodSync(path, 0o660);
    const gid = groupId('berth');
    if (gid !== undefined) chownSync(path, 0, gid);
    return {
      server,
      close: () => {
        try { unlinkSync(path); } catch { /* gone */ }
        return closeNow(server);
      },
    };
  }
  if (host.startsWith('tcp://')) {
    const u = new URL(host.replace(/^tcp:/, 'http:'));
    const server = createHttpsServer({
      ca: readFileSync(tls.cacert!), cert: readFileSync(tls.cert!), key: readFileSync(tls.key!), requestCert: true, rejectUnauthorized: true,
    }, listener);
    server.on('upgrade', upgradeListener(listener));
    track(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(u.port || 2376), u.hostname || '0.0.0.0', () => resolve());
    });
    return {
      server: server as unknown as Server,
      close: () => closeNow(server),
    };
  }
  throw new Error(`invalid host: ${host}`);
}
