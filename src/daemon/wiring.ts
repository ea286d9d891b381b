import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRoutes } from '../api/routers/build.ts';
import { containerRoutes } from '../api/routers/containers.ts';
import { containerFileRoutes } from '../api/routers/containers-files.ts';
import { containerStatsRoutes } from '../api/routers/containers-stats.ts';
import { distributionRoutes } from '../api/routers/distribution.ts';
import { execRoutes } from '../api/routers/exec.ts';
import { imageRoutes } from '../api/routers/images.ts';
import { networkRoutes } from '../api/routers/networks.ts';
import { systemRoutes } from '../api/routers/system.ts';
import { swarmRoutes } from '../api/routers/swarm.ts';
import { pluginRoutes } from '../api/routers/plugins.ts';
import { volumeRoutes } from '../api/routers/volumes.ts';
import { apiListener, type RequestListener } from '../api/server.ts';
import { BuildService } from '../build/service.ts';
import type { EnsureImage } from '../core/build/types.ts';
import type { AuthConfig } from '../core/distribution/types.ts';
import { parseReference } from '../core/reference/reference.ts';
import { ExecManager } from '../containers/exec.ts';
import { ContainerFilesService } from '../containers/files.ts';
import { recoverContainers, stopAllContainers } from '../containers/recovery.ts';
import { ContainerService } from '../containers/service.ts';
import { ContainerStatsService } from '../containers/stats.ts';
import { ContainerDb } from '../containers/store.ts';
import { FsContentStore } from '../content/store.ts';
import type { ImageUsage } from '../core/images/types.ts';
import { BERTH_VERSION } from '../core/system/types.ts';
import { BlobMeta } from '../distribution/blobmeta.ts';
import { DistributionContext } from '../distribution/context.ts';
import { DistributionService } from '../distribution/service.ts';
import { EventBus } from '../events/bus.ts';
import { ImageService } from '../images/service.ts';
import { ImageDb } from '../images/store.ts';
import { OverlayLayerFiles } from '../layers/store.ts';
import { MetadataDb } from '../metadata/db.ts';
import { ContainerNet } from '../network/containers.ts';
import { NetworkService } from '../network/service.ts';
import { NetworkDb } from '../network/store.ts';
import { RuncConmonRuntime } from '../runtime/index.ts';
import { gatherFacts } from '../system/facts.ts';
import { SystemService, type ContainerCounter } from '../system/service.ts';
import { ContainerMounts } from '../volumes/container-mounts.ts';
import { VolumeService } from '../volumes/service.ts';
import { VolumeDb } from '../volumes/store.ts';
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
  const blobMeta = new BlobMeta(join(cfg.dataRoot, 'distribution', 'blobs'));
  await blobMeta.init();
  const distCtx = new DistributionContext(images, blobMeta, () => {
    const c = config();
    return { mirrors: c.registryMirrors, insecure: c.insecureRegistries, maxConcurrentDownloads: c.maxConcurrentDownloads, maxConcurrentUploads: c.maxConcurrentUploads };
  });
  events.subscribeInternal((e) => { if (e.Type === 'image' && e.Action === 'delete') distCtx.imageDeleted(); });
  const collected = await distCtx.collectBlobs(true);
  if (collected) logger.info(`removed ${collected} unreferenced layer blobs`);
  const distribution = new DistributionService(distCtx);
  const runtime = new RuncConmonRuntime({ execRoot: cfg.execRoot, logger, systemdCgroup: cfg.cgroupDriver === 'systemd', ...(cfg.cgroupDriver === 'cgroupfs' && cfg.cgroupParent ? { cgroupParent: cfg.cgroupParent } : {}) });
  const containerDb = new ContainerDb(meta);
  // Volumes ask the container service which containers reference them.
  const volumes = new VolumeService({
    db: new VolumeDb(meta), root: join(cfg.dataRoot, 'volumes'), events,
    users: () => containerService?.d.db.all().map((c) => ({ id: c.id, running: c.state.Running, mounts: c.mountPoints ?? [] })) ?? [],
  });
  await volumes.init();
  const networks = new NetworkService({
    db: new NetworkDb(meta), containers: containerDb, events, execRoot: cfg.execRoot, dataRoot: cfg.dataRoot, log: logger,
    config: { bridge: cfg.bridge, bip: cfg.bip, pools: cfg.defaultAddressPools, iptables: cfg.iptables, ipForward: cfg.ipForward },
  });
  const containerNet = new ContainerNet(networks);
  await networks.init();
  containerService = new ContainerService({
    db: containerDb, images, layers, layersRoot: layers.root, runtime, events, dataRoot: cfg.dataRoot, log: logger,
    mounts: new ContainerMounts(volumes, realpathSync(cfg.dataRoot)), network: containerNet,
    logDefaults: { Type: cfg.logDriver, Config: cfg.logOpts }, cgroups: { driver: cfg.cgroupDriver, parent: cfg.cgroupParent },
  });
  const svc = containerService;
  for (const c of containerDb.all()) if (c.state.Running && !c.state.Restarting) await containerNet.readopt(c);
  await networks.startFirewall();
  await recoverContainers(svc);
  await containerNet.reconcile(containerDb.all());
  const containers: ContainerCounter = {
    counts: async () => {
      const all = svc.d.db.all();
      const running = all.filter((c) => c.state.Running && !c.state.Paused && !c.state.Restarting).length;
      const paused = all.filter((c) => c.state.Paused).length;
      return { total: all.length, running, paused, stopped: all.length - running - paused };
    },
    usage: async () => {
      // as `docker ps -a -s` lists them: newest first
      const all = await svc.list({ all: true, limit: -1, size: false, filters: new Map() });
      const sizes = await svc.sizes(all);
      return all.map((container, i) => ({ container, sizeRw: sizes[i].rw, sizeRootFs: sizes[i].rootFs }));
    },
  };

  const facts = await gatherFacts();
  const id = engineId(cfg.dataRoot);
  const system = new SystemService(facts, () => {
    const c = config();
    return {
      id, dataRoot: c.dataRoot, debug: c.debug, liveRestore: c.liveRestore, cgroupDriver: c.cgroupDriver, logDriver: c.logDriver, eventListeners: events.listeners(),
      registryMirrors: c.registryMirrors, insecureRegistries: c.insecureRegistries,
    };
  }, images, containers, volumes);

  const files = new ContainerFilesService(svc, images);
  // FROM an image that is not here: pull it, with the credentials X-Registry-Config has for its registry.
  const ensureImage: EnsureImage = async (name, o) => {
    const domain = parseReference(name).domain;
    const auths = (o.auth ?? {}) as Record<string, AuthConfig>;
    const auth = auths[domain] ?? (domain === 'docker.io' ? auths['https://index.docker.io/v1/'] ?? auths['index.docker.io'] : undefined);
    await distribution.pull(name, { platform: o.platform, auth, signal: o.signal }, (m) => o.sink.progress?.(m as unknown as Record<string, unknown>));
    return (await images.get(name)).id;
  };
  const builder = new BuildService({ images, containers: svc, files, root: join(cfg.dataRoot, 'builder'), ensureImage,
    storeCompressed: (id) => distribution.storeCompressed(id).then(() => undefined, (e: unknown) => logger.warn(`storing the layers of ${id} compressed: ${(e as Error).message}`)),
  });
  await builder.init();

  const execs = new ExecManager(svc);
  const listener = apiListener({
    routes: [...systemRoutes(system, events, (c) => containerNet.view(c)), ...distributionRoutes(distribution), ...imageRoutes(images, distribution), ...volumeRoutes(volumes), ...containerRoutes(svc, async (id) => {
      const c = svc.d.db.byId(id);
      if (!c) return null;
      // the image's layers, topmost first, under the container's own (dockerd's LowerDir, less its init layer)
      const img = await images.get(c.imageId).then((i) => images.graphDriverData(i), () => null);
      const lower = img ? [img.UpperDir, img.LowerDir].filter(Boolean).join(':') : '';
      return { ...(lower ? { LowerDir: lower } : {}), MergedDir: `${c.rwDir}/merged`, UpperDir: `${c.rwDir}/diff`, WorkDir: `${c.rwDir}/work` };
    }, (c) => containerNet.view(c), (c) => `${containerDb.revision(c.id)}.${networks.d.db.revision}.${c.state.Status}`, (id) => execs.idsOf(id)), ...networkRoutes(networks), ...execRoutes(execs),
      ...containerStatsRoutes(ContainerStatsService.of(svc, cfg.execRoot)), ...containerFileRoutes(files), ...buildRoutes(builder), ...swarmRoutes(), ...pluginRoutes()],
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
      await networks.shutdown(liveRestore);
      await svc.trash.drain();
      await runtime.shutdown(liveRestore ? 0 : 2000);
      meta.close();
    },
  };
}
