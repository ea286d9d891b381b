/** One registry: its configuration, storage, stores, catalog and authorizer, wired together. */
import type { RegistryConfig } from '../core/registry/config.ts';
import type { StorageDriver } from '../core/registry/types.ts';
import { createAuthorizer, type Authorizer } from './auth/index.ts';
import { BlobStore } from './blobs.ts';
import { Catalog } from './catalog.ts';
import { ManifestStore } from './manifests.ts';
import { Upstream } from './proxy.ts';
import { RwLock } from './rwlock.ts';
import { FsDriver } from './storage/fs-driver.ts';

export class Registry {
  readonly config: RegistryConfig;
  readonly driver: StorageDriver;
  readonly lock = new RwLock();
  readonly blobs: BlobStore;
  readonly manifests: ManifestStore;
  readonly catalog: Catalog;
  readonly auth: Authorizer;
  readonly upstream?: Upstream;

  constructor(config: RegistryConfig, driver: StorageDriver = new FsDriver(config.root)) {
    this.config = config;
    this.driver = driver;
    this.blobs = new BlobStore(driver, this.lock);
    this.manifests = new ManifestStore(driver, this.blobs);
    this.catalog = new Catalog(driver);
    this.manifests.onRepository = (name) => this.catalog.add(name);
    this.auth = createAuthorizer(config);
    if (config.proxy) this.upstream = new Upstream(config.proxy);
  }
}
