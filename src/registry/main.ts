/**
 * `berth registry serve` and `berth registry garbage-collect`: load the
 * configuration, start the server (and the background collector), stop on
 * SIGINT/SIGTERM or the abort signal.
 */
import type { AddressInfo } from 'node:net';
import { ConfigError, parseAddr } from '../core/registry/config.ts';
import type { RegistryProgram } from '../core/registry/types.ts';
import { collectGarbage } from './gc.ts';
import { loadConfig } from './options.ts';
import { Registry } from './registry.ts';
import { createRegistryServer } from './server.ts';

const write = (s: NodeJS.WritableStream, line: string) => s.write(line.endsWith('\n') ? line : line + '\n');

export const serve: RegistryProgram['serve'] = async ({ configFile, flags, stdout, stderr, signal }) => {
  let reg: Registry;
  try {
    reg = new Registry(await loadConfig(configFile, flags));
  } catch (e) {
    if (e instanceof ConfigError || (e as NodeJS.ErrnoException).code) { write(stderr, `registry: ${(e as Error).message}`); return 1; }
    throw e;
  }
  const cfg = reg.config;
  const { host, port } = parseAddr(cfg.addr);
  const server = createRegistryServer(reg, cfg.accessLog ? (entry) => write(stdout, JSON.stringify(entry)) : undefined);
  await reg.catalog.all();
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host || undefined, port }, () => resolve());
  });
  try {
    await listening;
  } catch (e) {
    write(stderr, `registry: listen ${cfg.addr}: ${(e as Error).message}`);
    return 1;
  }
  const addr = server.address() as AddressInfo;
  write(stderr, `registry: listening on ${addr.address}:${addr.port} (${cfg.tls ? 'https' : 'http'}), storage ${cfg.root}, auth ${reg.auth.mode}`);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  if (cfg.gc.interval > 0) {
    timer = setInterval(() => {
      if (running) return;
      running = true;
      collectGarbage(reg.driver, reg.lock, { grace: cfg.gc.grace, deleteUntagged: cfg.gc.deleteUntagged, uploadPurgeAge: cfg.uploadPurgeAge })
        .then((r) => {
          if (r.deletedBlobs.length + r.deletedManifests.length + r.purgedUploads === 0) return;
          write(stderr, `registry: gc: ${r.deletedBlobs.length} blobs (${r.freedBytes} bytes) and ${r.deletedManifests.length} manifests deleted, ${r.purgedUploads} stale uploads purged`);
        })
        .catch((e) => write(stderr, `registry: gc: ${(e as Error).message}`))
        .finally(() => { running = false; });
    }, cfg.gc.interval);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (timer) clearInterval(timer);
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 5000).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  return 0;
};

export const garbageCollect: RegistryProgram['garbageCollect'] = async ({ configFile, flags, stdout, stderr }) => {
  let reg: Registry;
  try {
    reg = new Registry(await loadConfig(configFile, { ...flags, 'delete-untagged': undefined, 'gc-grace': flags.grace }));
  } catch (e) {
    if (e instanceof ConfigError || (e as NodeJS.ErrnoException).code) { write(stderr, `registry: ${(e as Error).message}`); return 1; }
    throw e;
  }
  const report = await collectGarbage(reg.driver, reg.lock, {
    dryRun: flags['dry-run'] === true,
    deleteUntagged: flags['delete-untagged'] === true,
    grace: reg.config.gc.grace,
    uploadPurgeAge: reg.config.uploadPurgeAge,
    log: (line) => write(stdout, line),
  });
  if (flags['dry-run'] !== true) write(stdout, `freed ${report.freedBytes} bytes`);
  return 0;
};
