import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRoutes } from '../api/routers/build.ts';
import { containerRoutes } from '../api/routers/containers.ts';
import { containerFileRoutes } from '../api/routers/containers-files.ts';
import { containerStatsRoutes } from '../api/routers/containers-stats.ts';
import { execRoutes } from '../api/routers/exec.ts';
import { imageRoutes } from '../api/routers/images.ts';
import { systemRoutes } from '../api/routers/system.ts';
import { apiListener, type RequestListener } from '../api/server.ts';
import { BuildService } from '../build/service.ts';
import { ExecManager } from '../containers/exec.ts';
import { ContainerFilesService } from '../containers/files.ts';
import { recoverContainers, stopAllContainers } from '../containers/recovery.ts';
import { ContainerService } from '../containers/service.ts';
import { ContainerStatsService } from '../containers/stats.ts';
import { ContainerDb } from '../containers/store.ts';
import { FsContentStore } from '../content/store.ts';
import type { ImageUsage } from '../core/images/types.ts';
import { BERTH_VERSION } from '../core/system/types.ts';
import { EventBus } from '../events/bus.ts';
import { ImageService } from '../images/service.ts';
import { ImageDb } from '../images/store.ts';
import { OverlayLayerFiles } from '../layers/store.ts';
import { MetadataDb } from '../metadata/db.ts';
import { RuncConmonRuntime } from '../runtime/index.ts';
import { gatherFacts } from '../system/facts.ts';
import { SystemService, type ContainerCounter } from '../system/service.ts';
import type { DaemonConfig } from './config/config.ts';
import type { Logger } from './logger.ts';

/** Everything the daemon is made of, built in one place. */
export interface Engine {
  listener: RequestListener;
  images: ImageService;
  containers: ContainerService;
  events: EventBus;
  /** Stop containers (unless live-restore) and close the stores. */
  close(liveRestore: boolean): Promise<void>;
}

function engineId(dataRoot: string): string {
  const file = join(dataRoot, 'engine-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const id = randomUUID();
    writeFileSync(file, id);
    return id;
  }
}

/** The composition root: stores, services, API routes. */
export async function buildEngine(config: () => DaemonConfig, logger: Logger): Promise<Engine> {
  const cfg = config();
  mkdirSync(cfg.dataRoot, { recursive: true, mode: 0o710 });
  mkdirSync(cfg.execRoot, { recursive: true, mode: 0o700 });
  const meta = new MetadataDb(join(cfg.dataRoot, 'berth.db'));
  const content = new FsContentStore(join(cfg.dataRoot, 'content'));
  await content.init();
  const layers = new OverlayLayerFiles(join(cfg.dataRoot, 'overlay2'));
  await layers.init();
  const events = new EventBus();
  // The image service asks the container service which containers use an image.
  let containerService: ContainerService | undefined;
  const usage: ImageUsage = {
    containersUsing: async (id) => containerService?.containersUsing(id) ?? [],
    counts: async () => containerService?.counts() ?? new Map(),
  };
  const images = new ImageService({ db: new ImageDb(meta), content, layers, events, usage });
  const removed = await images.recover();
  if (removed.length) logger.info(`removed ${removed.length} unfinished or unreferenced layer directories`);
  const runtime = new RuncConmonRuntime({ execRoot: cfg.execRoot, logger, systemdCgroup: cfg.cgroupDriver === 'systemd' });
  containerService = new ContainerService({
    db: new ContainerDb(meta), images, layers, layersRoot: layers.root, runtime, events, dataRoot: cfg.dataRoot, log: logger,
    logDefaults: { Type: cfg.logDriver, Config: cfg.logOpts }, cgroupDriver: cfg.cgroupDriver,
  });
  const svc = containerService;
  await recoverContainers(svc);
  const containers: ContainerCounter = {
    counts: async () => {
      const all = svc.d.db.all();
      const running = all.filter((c) => c.state.Running && !c.state.Paused).length;
      const paused = all.filter((c) => c.state.Paused).length;
      return { total: all.length, running, paused, stopped: all.length - running - paused };
    },
  };

  const facts = await gatherFacts();
  const id = engineId(cfg.dataRoot);
  const system = new SystemService(facts, () => {
    const c = config();
    return {
      id, dataRoot: c.dataRoot, debug: c.debug, liveRestore: c.liveRestore, cgroupDriver: c.cgroupDriver, logDriver: c.logDriver,
      registryMirrors: c.registryMirrors, insecureRegistries: c.insecureRegistries,
    };
  }, images, containers);

  const files = new ContainerFilesService(svc, images);
  const builder = new BuildService({ images, containers: svc, files, root: join(cfg.dataRoot, 'builder') });
  await builder.init();

  const listener = apiListener({
    routes: [...systemRoutes(system, events), ...imageRoutes(images), ...containerRoutes(svc, (id) => {
      const c = svc.d.db.byId(id);
      return c ? { MergedDir: `${c.rwDir}/merged`, UpperDir: `${c.rwDir}/diff`, WorkDir: `${c.rwDir}/work` } : null;
    }), ...execRoutes(new ExecManager(svc)),
      ...containerStatsRoutes(ContainerStatsService.of(svc, cfg.execRoot)), ...containerFileRoutes(files), ...buildRoutes(builder)],
    logger,
    serverHeader: `Berth/${BERTH_VERSION} (linux)`,
  });
  return {
    listener,
    images,
    containers: svc,
    events,
    close: async (liveRestore) => {
      if (!liveRestore) await stopAllContainers(svc);
      meta.close();
    },
  };
}
