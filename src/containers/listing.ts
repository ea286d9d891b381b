/**
 * What `docker ps` shows besides the records: each container's image as
 * dockerd lists it, and the sizes of `ps -s`.
 */
import { directorySize } from '../core/dir-size.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { ImageBackend } from '../core/images/types.ts';
import { diffDir } from '../layers/rootfs.ts';
import { runtimeArtifacts } from './init-paths.ts';

/**
 * Each container's Image (dockerd's refreshImage): the name it was made from
 * while that name still stands for its image, its image's ID once the name
 * has moved or gone.
 */
export function listedImages(images: Pick<ImageBackend, 'resolveId'>, cs: ContainerRecord[]): (c: ContainerRecord) => string {
  const ids = new Map<string, string | null>();
  for (const c of cs) {
    if (c.image === c.imageId || ids.has(c.image)) continue;
    try {
      ids.set(c.image, images.resolveId(c.image));
    } catch {
      ids.set(c.image, null);
    }
  }
  return (c) => (c.image === c.imageId || ids.get(c.image) === c.imageId ? c.image : c.imageId);
}

/** `ps -s`: bytes of each container's own layer, and of it with its image's layers. */
export function containerSizes(images: Pick<ImageBackend, 'get'>, cs: ContainerRecord[]): Promise<{ rw: number; rootFs: number }[]> {
  // one image lookup per image, however many containers share it
  const imageSizes = new Map<string, Promise<number>>();
  const imageSize = (id: string): Promise<number> => {
    let p = imageSizes.get(id);
    if (!p) imageSizes.set(id, (p = images.get(id).then((i) => i.size, () => 0)));
    return p;
  };
  return Promise.all(cs.map(async (c) => {
    // dockerd's init layer is not the container's: its files are not counted
    const upper = diffDir(c.rwDir);
    const [rw, image] = await Promise.all([directorySize(upper, runtimeArtifacts(upper)), imageSize(c.imageId)]);
    return { rw, rootFs: rw + image };
  }));
}
