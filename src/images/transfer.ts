import type { Readable, Writable } from 'node:stream';
import { NotFoundError } from '../core/errors.ts';
import type { ProgressFn } from '../core/images/types.ts';
import { familiarString, fullName, parseReference, repositoryName, withDefaultTag } from '../core/reference/reference.ts';
import { readImageArchive } from './archive/read.ts';
import { writeImageArchive, type SaveImage } from './archive/write.ts';
import { resolveImage } from './resolve.ts';
import type { ImageService } from './service.ts';

/** `docker load`: unpack every layer while the archive streams in, then register images and tags. */
export async function loadArchive(svc: ImageService, input: Readable, opts: { quiet: boolean; signal?: AbortSignal }, progress: ProgressFn): Promise<void> {
  const { layers, db, events } = svc.deps;
  const images = await readImageArchive(input, {
    unpackLayer: (s) => layers.unpack(s, { signal: opts.signal }),
    discardLayer: (c) => layers.remove(c),
    duplicateLayer: (c) => layers.unpack(layers.tarStream(c), { signal: opts.signal }),
  }, { signal: opts.signal });
  const registered = new Set<string>();
  try {
    for (const img of images) {
      const { id } = await svc.registrar.register(img.config, img.layers);
      registered.add(id);
      events.publish('image', 'load', id, {});
      if (img.repoTags.length === 0) {
        progress({ stream: `Loaded image ID: ${id}\n` });
        continue;
      }
      for (const t of img.repoTags) {
        const ref = withDefaultTag(parseReference(t));
        const prev = db.tx(() => db.setRef(fullName(ref), id, 'tag'));
        if (prev && !opts.quiet) {
          progress({ stream: `The image ${familiarString(ref)} already exists, renaming the old one with ID ${prev} to empty string\n` });
        }
        events.publish('image', 'tag', id, { name: familiarString(ref) });
        progress({ stream: `Loaded image: ${familiarString(ref)}\n` });
      }
    }
  } finally {
    // Layers of images that failed to register are not referenced: drop them.
    const keep = db.allCacheIds();
    for (const img of images) {
      for (const l of img.layers) if (!keep.has(l.cacheId)) await layers.remove(l.cacheId);
    }
  }
}

/** Which images and tags `docker save NAME...` writes. */
function selectImages(svc: ImageService, names: string[]): Map<string, Set<string>> {
  const { db } = svc.deps;
  const out = new Map<string, Set<string>>();
  const add = (id: string, tag?: string): void => {
    let s = out.get(id);
    if (!s) out.set(id, (s = new Set()));
    if (tag) s.add(tag);
  };
  for (const name of names) {
    let ref;
    try { ref = parseReference(name); } catch { ref = undefined; }
    if (ref && !ref.tag && !ref.digest) {
      const repo = repositoryName(ref);
      const tagged = db.all().flatMap((r) => r.refs.filter((x) => x.kind === 'tag' && repositoryName(parseReference(x.name)) === repo).map((x) => ({ id: r.id, name: x.name })));
      if (tagged.length) {
        for (const t of tagged) add(t.id, familiarString(parseReference(t.name)));
        continue;
      }
    }
    const r = resolveImage(db, name);
    add(r.id, r.ref && !r.ref.includes('@') ? familiarString(parseReference(r.ref)) : undefined);
  }
  return out;
}

/** `docker save`: stream an archive of the named images. */
export async function saveArchive(svc: ImageService, names: string[], out: Writable, opts?: { signal?: AbortSignal }): Promise<void> {
  const { db, layers, content, events } = svc.deps;
  if (names.length === 0) throw new NotFoundError('No images specified');
  const selected = selectImages(svc, names);
  const images: SaveImage[] = [];
  for (const [id, tags] of selected) {
    const row = db.get(id)!;
    images.push({
      id,
      config: await content.read(id),
      repoTags: [...tags],
      layers: db.chain(row.topChain).map((l) => ({ diffId: l.diffId, tarSize: l.tarSize, open: () => layers.tarStream(l.cacheId) })),
    });
  }
  await writeImageArchive(images, out, opts);
  for (const img of images) events.publish('image', 'save', img.id, {});
}
