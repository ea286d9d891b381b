import type { Readable } from 'node:stream';
import { InvalidParameterError } from '../core/errors.ts';
import type { Platform } from '../core/distribution/types.ts';
import { hostPlatform, parsePlatform } from '../core/platform.ts';
import type { ImageChangeOptions, ImageConfig, ImageConfigBody } from '../core/images/types.ts';
import { familiarString, fullName, parseReference } from '../core/reference/reference.ts';
import { applyChanges } from './changes.ts';
import type { ImageService } from './service.ts';
import { nowRfc3339Nano } from '../core/time.ts';

export const ENGINE_VERSION = '28.2.2';

/** The container config shape dockerd writes for imported/committed images. */
export function emptyContainerConfig(): ImageConfigBody {
  return {
    Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false,
    OpenStdin: false, StdinOnce: false, Env: null as unknown as string[], Cmd: null, Image: '', Volumes: null as unknown as Record<string, object>,
    WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null,
  };
}

/** `--platform` of an import: linux only, as dockerd here. */
function importPlatform(p: string | undefined): Platform {
  const platform = p ? parsePlatform(p) : hostPlatform();
  if (platform.os !== 'linux') throw new InvalidParameterError('operating system is not supported');
  return platform;
}

/** `docker import`: one layer from a tarball, a config built from --change lines. */
export async function importImage(svc: ImageService, input: Readable, target: { repo?: string; tag?: string; src?: string }, opts: ImageChangeOptions): Promise<string> {
  let refName: string | undefined;
  if (target.repo) {
    try {
      let ref = parseReference(target.tag ? `${target.repo}:${target.tag}` : target.repo);
      if (ref.digest) throw new InvalidParameterError('cannot import digest reference');
      if (!ref.tag) ref = { ...ref, tag: 'latest' };
      refName = fullName(ref);
    } catch (e) {
      throw new InvalidParameterError((e as Error).message);
    }
  }
  const body = applyChanges(emptyContainerConfig(), opts.changes);
  const platform = importPlatform(opts.platform);
  const layer = await svc.deps.layers.unpack(input);
  try {
    const created = nowRfc3339Nano();
    const comment = opts.message || `Imported from ${target.src ?? '-'}`;
    const config: ImageConfig = {
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      comment,
      config: body,
      created,
      docker_version: ENGINE_VERSION,
      history: [{ created, comment }],
      os: platform.os,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    };
    const { id } = await svc.registrar.register(Buffer.from(JSON.stringify(config)), [layer]);
    if (refName) {
      svc.deps.db.tx(() => svc.deps.db.setRef(refName, id, 'tag'));
      svc.deps.events.publish('image', 'tag', id, { name: familiarString(parseReference(refName)) });
    }
    // dockerd's ImportImage: the tag first, then import, named by the image ID
    svc.deps.events.publish('image', 'import', id, { name: id });
    return id;
  } catch (e) {
    await svc.deps.layers.remove(layer.cacheId);
    throw e;
  }
}
