/*
 * `docker commit`: a new image from a container's changes, as dockerd 20.10
 * makes it (daemon/commit.go, image.NewChildImage): the container's Config
 * with the --change lines applied and the container's own values merged
 * back, `container` and `container_config` set, one history entry
 * appended, the upper dir packed as one more layer (none when it is empty).
 */
import { createHash } from 'node:crypto';
import type { CommitOptions } from '../core/containers/files-types.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import { ConflictError, InvalidParameterError } from '../core/errors.ts';
import type { HistoryEntry, ImageConfig, ImageConfigBody, ImageRecord } from '../core/images/types.ts';
import { familiarName, familiarString, parseReference, withDefaultTag, type Reference } from '../core/reference/reference.ts';
import { applyChanges } from '../images/changes.ts';
import { hostArch } from '../core/platform.ts';
import { ENGINE_VERSION } from '../images/import.ts';
import type { ImageService } from '../images/service.ts';
import { packUpperDir } from '../layers/pack.ts';
import { diffDir } from '../layers/rootfs.ts';
import { runtimeArtifacts } from './init-paths.ts';
import type { ContainerService } from './service.ts';
import { nowRfc3339Nano } from '../core/time.ts';
import { configEnv } from './create.ts';

/** diff_id of a tar without members (two zero blocks): not added as a layer. */
export const EMPTY_LAYER_DIFF_ID = `sha256:${createHash('sha256').update(Buffer.alloc(1024)).digest('hex')}`;

type Body = ImageConfigBody;

/** Go's container.Config field order; `true` marks omitempty fields. */
const GO_FIELDS: [string, boolean, unknown][] = [
  ['Hostname', false, ''], ['Domainname', false, ''], ['User', false, ''], ['AttachStdin', false, false],
  ['AttachStdout', false, false], ['AttachStderr', false, false], ['ExposedPorts', true, null], ['Tty', false, false],
  ['OpenStdin', false, false], ['StdinOnce', false, false], ['Env', false, null], ['Cmd', false, null],
  ['Healthcheck', true, null], ['ArgsEscaped', true, false], ['Image', false, ''], ['Volumes', false, null],
  ['WorkingDir', false, ''], ['Entrypoint', false, null], ['NetworkDisabled', true, false], ['MacAddress', true, ''],
  ['OnBuild', false, null], ['Labels', false, null], ['StopSignal', true, ''], ['StopTimeout', true, null], ['Shell', true, null],
];

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/** A container config as dockerd marshals it (field order, nulls, omitempty). */
export function goContainerConfig(c: Body): Body {
  const out: Body = {};
  for (const [k, omit, dflt] of GO_FIELDS) {
    const v = c[k];
    if (k === 'Env' && Array.isArray(v) && v.length === 0) {
      out[k] = null as unknown as string[]; // a container without environment has a nil Env in dockerd
    } else if (omit) {
      if (!isEmpty(v) || (k === 'StopTimeout' && typeof v === 'number')) out[k] = v;
    } else {
      out[k] = v === undefined ? dflt : v;
    }
  }
  return out;
}

/** dockerd's merge(userConf, imageConf) of daemon/commit.go. */
export function mergeConfig(user: Body, base: Body): Body {
  const u: Body = structuredClone(user);
  if (!u.User) u.User = base.User;
  if (isEmpty(u.ExposedPorts)) u.ExposedPorts = base.ExposedPorts;
  else if (base.ExposedPorts) u.ExposedPorts = { ...base.ExposedPorts, ...u.ExposedPorts };
  u.Env = configEnv(base.Env, u.Env) ?? base.Env;
  u.Labels = { ...(base.Labels ?? {}), ...(u.Labels ?? {}) };
  if (isEmpty(u.Entrypoint)) {
    if (isEmpty(u.Cmd)) u.Cmd = base.Cmd;
    if (u.Entrypoint === null || u.Entrypoint === undefined) u.Entrypoint = base.Entrypoint;
  }
  if (base.Healthcheck) u.Healthcheck = { ...base.Healthcheck, ...Object.fromEntries(Object.entries(u.Healthcheck ?? {}).filter(([, v]) => !isEmpty(v))) };
  if (!u.WorkingDir) u.WorkingDir = base.WorkingDir;
  if (isEmpty(u.Volumes)) u.Volumes = base.Volumes;
  else u.Volumes = { ...u.Volumes, ...(base.Volumes ?? {}) };
  if (!u.StopSignal) u.StopSignal = base.StopSignal;
  return u;
}

function parseTarget(repo?: string, tag?: string): Reference | null {
  if (!repo) return null;
  let ref: Reference;
  try {
    ref = parseReference(repo);
  } catch (e) {
    throw new InvalidParameterError((e as Error).message);
  }
  if (ref.digest) throw new InvalidParameterError('cannot commit to digest reference');
  if (tag) {
    try {
      ref = parseReference(`${repo}:${tag}`);
    } catch (e) {
      throw new InvalidParameterError((e as Error).message);
    }
  }
  return withDefaultTag(ref);
}

/** The committed image's config, keys in the order Go's map marshalling gives (sorted). */
export function childImageConfig(parent: ImageConfig, o: { config: Body; containerConfig: Body; containerId: string; author?: string; comment?: string; diffId: string | null; createdBy: string }): ImageConfig {
  const created = nowRfc3339Nano();
  const history: HistoryEntry = { created };
  if (o.author) history.author = o.author;
  if (o.createdBy) history.created_by = o.createdBy;
  if (o.comment) history.comment = o.comment;
  if (!o.diffId) history.empty_layer = true;
  const cfg: Record<string, unknown> = { architecture: parent.architecture || hostArch() };
  if (o.author) cfg.author = o.author; // the comment goes to the history only, as in NewChildImage
  Object.assign(cfg, {
    config: goContainerConfig(o.config),
    container: o.containerId,
    container_config: goContainerConfig(o.containerConfig),
    created,
    docker_version: ENGINE_VERSION,
    history: [...(parent.history ?? []), history],
    os: parent.os || 'linux',
  });
  if (parent['os.features']) cfg['os.features'] = parent['os.features'];
  if (parent['os.version']) cfg['os.version'] = parent['os.version'];
  cfg.rootfs = { type: 'layers', diff_ids: [...parent.rootfs.diff_ids, ...(o.diffId ? [o.diffId] : [])] };
  if (parent.variant) cfg.variant = parent.variant;
  return cfg as ImageConfig;
}

async function register(images: ImageService, c: ContainerRecord, image: ImageRecord, o: CommitOptions, config: Body): Promise<string> {
  const layers = images.deps.layers;
  const chain = await images.layersOf(image);
  const upper = diffDir(c.rwDir);
  const layer = await layers.unpack(packUpperDir(upper, { exclude: runtimeArtifacts(upper) }));
  const empty = layer.diffId === EMPTY_LAYER_DIFF_ID;
  try {
    const parentLayers = chain.map((l) => ({ cacheId: l.cacheId, diffId: l.diffId, size: l.size, tarSize: l.tarSize }));
    const cfg = childImageConfig(image.config, {
      config, containerConfig: c.config as Body, containerId: c.id, author: o.author, comment: o.comment,
      diffId: empty ? null : layer.diffId, createdBy: (c.config.Cmd ?? []).join(' '),
    });
    const { id } = await images.registrar.register(Buffer.from(JSON.stringify(cfg)), empty ? parentLayers : [...parentLayers, layer], { parent: image.id });
    return id;
  } catch (e) {
    await layers.remove(layer.cacheId).catch(() => undefined);
    throw e;
  } finally {
    if (empty) await layers.remove(layer.cacheId).catch(() => undefined);
  }
}

/** dockerd's CreateImageFromContainer. */
export async function commitContainer(containers: ContainerService, images: ImageService, o: CommitOptions): Promise<{ id: string }> {
  const c = await containers.get(o.container);
  if (c.state.Dead) throw new ConflictError(`You cannot commit container ${c.id} which is Dead`);
  if (c.state.Status === 'removing') throw new ConflictError(`You cannot commit container ${c.id} which is being removed`);
  const target = parseTarget(o.repo, o.tag);
  const image = await images.get(c.imageId);
  const own = c.config as Body;
  const config = mergeConfig(applyChanges((o.config ?? own) as Body, o.changes), own);
  let paused = false;
  if (o.pause && c.state.Running && !c.state.Paused) {
    await containers.pause(c.id);
    paused = true;
  }
  let id: string;
  try {
    id = await register(images, c, image, o, config);
  } finally {
    if (paused) await containers.unpause(c.id).catch(() => undefined);
  }
  let imageRef = '';
  if (target) {
    await images.tag(id, familiarName(target), target.tag ?? 'latest');
    imageRef = familiarString(target);
  }
  containers.d.events.publish('container', 'commit', c.id, { ...containers.life.attrs(c), comment: o.comment ?? '', imageID: id, imageRef });
  return { id };
}
