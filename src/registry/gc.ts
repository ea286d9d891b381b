/**
 * Online garbage collection. Mark: every manifest kept in every repository
 * (all revisions, or with deleteUntagged the tagged ones, those younger than
 * the grace period, and everything they reach: index children, referrers,
 * configs and layers). Sweep: blobs not marked and untouched for the grace
 * period are deleted under the exclusive store lock, after a fresh look at
 * their modification time (pushes touch what they reference), so that a push
 * running beside GC never loses a blob. Blobs of uploads in progress live
 * under `_uploads` and are never candidates; uploads are purged only after
 * `uploadPurgeAge` of silence.
 */
import { PathNotFoundError } from '../core/registry/errors.ts';
import type { StorageDriver } from '../core/registry/types.ts';
import { Catalog } from './catalog.ts';
import { BLOBS, paths } from './paths.ts';
import type { RwLock } from './rwlock.ts';

export interface GcOptions {
  dryRun?: boolean;
  deleteUntagged?: boolean;
  /** Content younger than this (ms) is never deleted. */
  grace: number;
  uploadPurgeAge?: number;
  log?: (line: string) => void;
}

export interface GcReport {
  markedBlobs: number;
  deletedBlobs: string[];
  freedBytes: number;
  deletedManifests: { name: string; digest: string }[];
  purgedUploads: number;
}

async function listDigests(driver: StorageDriver, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const alg of await driver.list(dir)) for (const hex of await driver.list(`${dir}/${alg}`)) out.push(`${alg}:${hex}`);
  return out;
}

async function readManifest(driver: StorageDriver, digest: string): Promise<Record<string, any> | null> {
  try {
    return JSON.parse((await driver.getContent(paths.blobData(digest))).toString('utf8'));
  } catch (e) {
    if (e instanceof PathNotFoundError || e instanceof SyntaxError) return null;
    throw e;
  }
}

/** More than a kernel clock tick (1-10 ms), by which file times may lag the time of the write. */
const CLOCK_SLACK_MS = 50;

/** Whether a tag of the repository points at the manifest now. */
async function tagged(driver: StorageDriver, name: string, digest: string): Promise<boolean> {
  for (const tag of await driver.list(paths.tags(name)).catch(() => [])) {
    const cur = await driver.getContent(paths.tagCurrent(name, tag)).catch(() => null);
    if (cur?.toString('utf8').trim() === digest) return true;
  }
  return false;
}

export async function collectGarbage(driver: StorageDriver, lock: RwLock, opts: GcOptions): Promise<GcReport> {
  const log = opts.log ?? (() => {});
  // file times come from the kernel's coarse clock, a tick behind: what was written as GC began may look older
  const cutoff = Date.now() - opts.grace - CLOCK_SLACK_MS;
  const young = async (path: string) => ((await driver.stat(path))?.modTime.getTime() ?? 0) > cutoff;
  const marked = new Set<string>();
  const report: GcReport = { markedBlobs: 0, deletedBlobs: [], freedBytes: 0, deletedManifests: [], purgedUploads: 0 };
  const catalog = new Catalog(driver);
  await catalog.reload();
  const repos = await catalog.all();

  for (const name of repos) {
    const revisions = await listDigests(driver, paths.revisions(name));
    const kept = new Set<string>();
    const queue: string[] = [];
    const keep = (d: string) => { if (!kept.has(d)) { kept.add(d); queue.push(d); } };
    if (!opts.deleteUntagged) revisions.forEach(keep);
    else {
      for (const tag of await driver.list(paths.tags(name))) {
        const cur = await driver.getContent(paths.tagCurrent(name, tag)).catch(() => null);
        if (cur) keep(cur.toString('utf8').trim());
      }
      for (const d of revisions) if (await young(paths.revisionLink(name, d))) keep(d);
    }
    while (queue.length > 0) {
      const d = queue.pop() as string;
      marked.add(d);
      const m = await readManifest(driver, d);
      if (m) {
        for (const child of Array.isArray(m.manifests) ? m.manifests : []) if (typeof child?.digest === 'string') keep(child.digest);
        if (typeof m.config?.digest === 'string') marked.add(m.config.digest);
        for (const l of Array.isArray(m.layers) ? m.layers : []) if (typeof l?.digest === 'string') marked.add(l.digest);
      }
      // Artifacts that refer to a kept manifest stay with it.
      for (const r of await listDigests(driver, paths.referrers(name, d)).catch(() => [])) keep(r);
    }
    for (const d of revisions) {
      if (kept.has(d)) continue;
      if (opts.dryRun) {
        log(`${name}: manifest eligible for deletion: ${d}`);
        report.deletedManifests.push({ name, digest: d });
        continue;
      }
      await lock.write(async () => {
        const m = await readManifest(driver, d);
        // a fresh look: a push may have tagged it since the mark (a push writes its links under the read lock);
        // one kept now keeps what it references
        if ((await young(paths.revisionLink(name, d))) || (opts.deleteUntagged && (await tagged(driver, name, d)))) {
          marked.add(d);
          if (typeof m?.config?.digest === 'string') marked.add(m.config.digest);
          for (const l of Array.isArray(m?.layers) ? m.layers : []) if (typeof l?.digest === 'string') marked.add(l.digest);
          return;
        }
        log(`${name}: manifest eligible for deletion: ${d}`);
        report.deletedManifests.push({ name, digest: d });
        if (typeof m?.subject?.digest === 'string') await driver.delete(paths.referrerLink(name, m.subject.digest, d).replace(/\/link$/, ''));
        await driver.delete(paths.revisionLink(name, d).replace(/\/link$/, ''));
      });
    }
    // Blobs linked recently are part of a push in progress.
    for (const d of await listDigests(driver, paths.layers(name))) if (await young(paths.layerLink(name, d))) marked.add(d);
    await purgeUploads(driver, name, opts, report);
  }
  report.markedBlobs = marked.size;

  const candidates: string[] = [];
  for (const alg of await driver.list(BLOBS)) {
    for (const pre of await driver.list(`${BLOBS}/${alg}`)) {
      for (const hex of await driver.list(`${BLOBS}/${alg}/${pre}`)) {
        const d = `${alg}:${hex}`;
        if (!marked.has(d)) candidates.push(d);
      }
    }
  }
  for (let i = 0; i < candidates.length; i += 100) {
    const batch = candidates.slice(i, i + 100);
    await lock.write(async () => {
      for (const d of batch) {
        let path: string;
        try { path = paths.blobData(d); } catch { continue; }
        const st = await driver.stat(path);
        if (st && st.modTime.getTime() > cutoff) continue;
        log(`blob eligible for deletion: ${d}`);
        report.deletedBlobs.push(d);
        report.freedBytes += st?.size ?? 0;
        if (!opts.dryRun) await driver.delete(paths.blobDir(d));
      }
    });
  }
  if (!opts.dryRun && report.deletedBlobs.length > 0) {
    const gone = new Set(report.deletedBlobs);
    for (const name of repos) {
      for (const d of await listDigests(driver, paths.layers(name))) {
        if (gone.has(d) && !(await young(paths.layerLink(name, d)))) await driver.delete(paths.layerLink(name, d).replace(/\/link$/, ''));
      }
    }
  }
  log(`${report.markedBlobs} blobs marked, ${report.deletedBlobs.length} blobs and ${report.deletedManifests.length} manifests eligible for deletion`);
  return report;
}

async function purgeUploads(driver: StorageDriver, name: string, opts: GcOptions, report: GcReport): Promise<void> {
  const age = opts.uploadPurgeAge;
  if (!age) return;
  const cutoff = Date.now() - age;
  for (const id of await driver.list(paths.uploads(name))) {
    const data = await driver.stat(`${paths.uploads(name)}/${id}/data`);
    const started = await driver.stat(`${paths.uploads(name)}/${id}/startedat`);
    const last = Math.max(data?.modTime.getTime() ?? 0, started?.modTime.getTime() ?? 0);
    if (last > cutoff) continue;
    report.purgedUploads++;
    if (!opts.dryRun) await driver.delete(`${paths.uploads(name)}/${id}`);
  }
}
