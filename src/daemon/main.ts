import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { BERTH_VERSION } from '../core/system/types.ts';
import { DAEMON_USAGE, loadDaemonConfig, parseDaemonFlags, reloadDaemonConfig, type DaemonConfig } from './config/config.ts';
import { listenHost } from './listen.ts';
import { acquireLock } from './lock.ts';
import { Logger } from './logger.ts';
import { buildEngine } from './wiring.ts';

function readIfExists(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * After a burst of requests (a large load or save) run one full GC when the
 * daemon goes idle, so its memory goes back down; needs --expose-gc (bin/berthd.js).
 */
function idleCollector(servers: Server[]): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  let timer: NodeJS.Timeout | undefined;
  const kick = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => gc(), 2000);
    timer.unref();
  };
  for (const s of servers) s.on('request', (_req, res) => res.once('close', kick));
}

async function main(argv: string[]): Promise<void> {
  const early = parseDaemonFlags(argv);
  if (early.help) {
    process.stdout.write(DAEMON_USAGE);
    return;
  }
  if (early.version) {
    process.stdout.write(`Berth version ${BERTH_VERSION}\n`);
    return;
  }
  let config: DaemonConfig = loadDaemonConfig(argv, readIfExists);
  if (config.cgroupDriver === 'systemd' && !existsSync('/run/systemd/system')) {
    throw new Error('systemd cgroup flag passed, but systemd support for managing cgroups is not available');
  }
  const logger = new Logger(config.debug ? 'debug' : config.logLevel);
  const releaseLock = (mkdirSync(config.dataRoot, { recursive: true }), acquireLock(join(config.dataRoot, 'berthd.lock')));
  mkdirSync(dirname(config.pidfile), { recursive: true });
  writeFileSync(config.pidfile, String(process.pid));

  const engine = await buildEngine(() => config, logger);
  const listeners: { server: Server; close(): Promise<void> }[] = [];
  try {
    for (const h of config.hosts) listeners.push(await listenHost(h, engine.listener, config.tls));
  } catch (e) {
    for (const l of listeners) await l.close();
    throw e;
  }
  idleCollector(listeners.map((l) => l.server));
  logger.info(`berthd ${BERTH_VERSION} started; API listening on ${config.hosts.join(', ')}`);

  // A broken client connection must never take the daemon (and its containers' supervision) down.
  process.on('uncaughtException', (e) => logger.error(`uncaught: ${(e as Error)?.stack ?? String(e)}`));
  process.on('unhandledRejection', (e) => logger.error(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, shutting down`);
    await Promise.all(listeners.map((l) => l.close()));
    await engine.close(config.liveRestore);
    rmSync(config.pidfile, { force: true });
    releaseLock();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    try {
      const { config: next, changed } = reloadDaemonConfig(config, readIfExists, argv);
      config = next;
      logger.setLevel(config.debug ? 'debug' : config.logLevel);
      logger.info(`configuration reloaded from ${config.configFile}: ${changed.length ? changed.join(', ') : 'no changes'}`);
      engine.events.publish('daemon', 'reload', 'berthd', Object.fromEntries(changed.map((k: string) => [k, 'changed'])));
    } catch (e) {
      logger.error(`reload of ${config.configFile} failed: ${(e as Error).message}`);
    }
  });
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.message ?? String(e)}\n`);
  process.exit(1);
});
