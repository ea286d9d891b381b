/**
 * What Berth knows about compressed layer blobs it pulled (dockerd's
 * v2metadata): for each blob digest its diff_id, media type, size and the
 * repositories it was seen in. A push looks layers up by diff_id to send the
 * stored blob (no recompression), to skip it or to mount it across
 * repositories. One small JSON file per blob under <root>.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BlobInfo {
  digest: string;
  mediaType: string;
  size: number;
  /** Unset while the blob is being downloaded. */
  diffId?: string;
  /** "registry/path" names (e.g. "127.0.0.1:5000/library/busybox"). */
  repos: string[];
}

export class BlobMeta {
  private readonly root: string;
  private readonly byDigest = new Map<string, BlobInfo>();

  constructor(root: string) {
    this.root = root;
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const name of await readdir(this.root)) {
      if (!name.endsWith('.json')) {
        await rm(join(this.root, name), { force: true });
        continue;
      }
      try {
        const info = JSON.parse(await readFile(join(this.root, name), 'utf8')) as BlobInfo;
        this.byDigest.set(info.digest, info);
      } catch {
        await rm(join(this.root, name), { force: true });
      }
    }
  }

  all(): BlobInfo[] {
    return [...this.byDigest.values()];
  }

  get(digest: string): BlobInfo | undefined {
    return this.byDigest.get(digest);
  }

  /** Blobs known for a diff_id. */
  forDiffId(diffId: string): BlobInfo[] {
    return this.all().filter((b) => b.diffId === diffId);
  }

  async set(info: BlobInfo): Promise<void> {
    const prev = this.byDigest.get(info.digest);
    const merged: BlobInfo = prev ? { ...prev, ...info, repos: [...new Set([...prev.repos, ...info.repos])] } : info;
    this.byDigest.set(info.digest, merged);
    const file = join(this.root, `${info.digest.replace(':', '-')}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(merged));
    await rename(`${file}.tmp`, file);
  }

  async addRepo(digest: string, repo: string): Promise<void> {
    const prev = this.byDigest.get(digest);
    if (prev && !prev.repos.includes(repo)) await this.set({ ...prev, repos: [repo] });
  }

  async delete(digest: string): Promise<void> {
    this.byDigest.delete(digest);
    await rm(join(this.root, `${digest.replace(':', '-')}.json`), { force: true });
  }
}
