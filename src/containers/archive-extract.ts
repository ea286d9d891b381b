/*
 * `docker cp` into a container: a tar extracted into a directory of its
 * root filesystem, never outside it.
 *
 * GNU tar follows symlinks that already exist where it extracts (a link
 * `/esc -> /` in the container would let `esc/etc/x` land on the host), so
 * the tar is extracted into a fresh staging directory (where GNU tar keeps
 * `..`, absolute names, links and symlinks of the archive inside) and then
 * moved into place entry by entry with rename(2), which never follows a
 * symlink in its last component; a directory the archive only implies is
 * followed through a symlink resolved inside the root, as dockerd's chroot
 * does. dockerd's conflict rules (noOverwriteDirNonDir) apply per entry.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, lchown, lstat, mkdir, readdir, rename, rm, utimes } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ExtractOptions } from '../core/containers/files-types.ts';
import { ForbiddenError, InvalidParameterError } from '../core/errors.ts';
import { fileNotFound } from './archive.ts';
import { untarError, untarInto } from './untar.ts';
import { lookupUser } from './users.ts';
import { absContainerPath, hostPath, lstatOrNull, resolveInRoot } from './scoped-path.ts';

export interface ExtractRequest {
  /** The container's mounted root filesystem. */
  root: string;
  /** The destination as the client gave it. */
  path: string;
  /** The container name or id as the client gave it (for messages). */
  container: string;
  input: Readable;
  opts: ExtractOptions;
  signal: AbortSignal;
  readonlyRootfs: boolean;
  /** The container's Config.User (for copyUIDGID). */
  user: string;
}

interface MergeCtx {
  root: string;
  rootBuf: Buffer;
  /** Container path of the extraction directory. */
  dest: string;
  explicit: Set<string>;
  noOverwrite: boolean;
}

const SLASH = Buffer.from('/');


function memberPath(ctx: MergeCtx, key: string): string {
  const rel = Buffer.from(key, 'latin1').toString('utf8');
  return ctx.dest === '/' ? `/${rel}` : `${ctx.dest}/${rel}`;
}

/** Give an existing directory the metadata of the archive's entry for it. */
async function copyMeta(from: Stats, to: Buffer): Promise<void> {
  await lchown(to, from.uid, from.gid);
  await chmod(to, from.mode & 0o7777);
  await utimes(to, from.atime, from.mtime);
}

/** Move the staged tree `from` into the host directory `into`. */
async function merge(ctx: MergeCtx, from: Buffer, into: Buffer, rel: Buffer): Promise<void> {
  for (const name of await readdir(from, { encoding: 'buffer' })) {
    const relChild = rel.length ? Buffer.concat([rel, SLASH, name]) : name;
    const key = relChild.toString('latin1');
    const src = Buffer.concat([from, SLASH, name]);
    const dst = Buffer.concat([into, SLASH, name]);
    const s = await lstat(src);
    const d = await lstatOrNull(dst);
    if (!d) {
      await rename(src, dst);
      continue;
    }
    const explicit = ctx.explicit.has(key);
    if (s.isDirectory()) {
      if (d.isDirectory()) {
        await merge(ctx, src, dst, relChild);
        if (explicit) await copyMeta(s, dst);
        continue;
      }
      if (!explicit && d.isSymbolicLink()) {
        // a parent the archive only implies: follow the link as a chroot would
        const target = hostPath(ctx.root, await resolveInRoot(ctx.root, dst.subarray(ctx.rootBuf.length).toString('utf8')));
        if ((await lstatOrNull(target))?.isDirectory()) {
          await merge(ctx, src, Buffer.from(target), relChild);
          continue;
        }
      }
      if (ctx.noOverwrite) throw untarError(`cannot overwrite non-directory ${JSON.stringify(memberPath(ctx, key))} with directory ${JSON.stringify(ctx.dest)}`);
      await rm(dst, { recursive: true, force: true });
    } else if (d.isDirectory()) {
      if (ctx.noOverwrite) throw untarError(`cannot overwrite directory ${JSON.stringify(memberPath(ctx, key))} with non-directory ${JSON.stringify(ctx.dest)}`);
      await rm(dst, { recursive: true, force: true });
    }
    // rename replaces a non-directory (a symlink itself, never its target)
    await rename(src, dst);
  }
}

/** moby's ContainerExtractToDir with the chroot replaced by staging and in-scope resolution. */
export async function extractToContainer(req: ExtractRequest): Promise<void> {
  const { root } = req;
  const dest = await resolveInRoot(root, absContainerPath(req.path));
  const destHost = hostPath(root, dest);
  const st = await lstatOrNull(destHost);
  if (!st) throw fileNotFound(req.path, req.container);
  if (!st.isDirectory()) throw new InvalidParameterError('extraction point is not a directory');
  if (req.readonlyRootfs) throw new ForbiddenError('container rootfs is marked read-only');
  const owner = req.opts.copyUIDGID && req.user ? await lookupUser(root, req.user) : null;
  const staging = `${destHost === '/' ? '' : destHost}/.berth-cp-${randomBytes(8).toString('hex')}`;
  await mkdir(staging, { mode: 0o700 });
  try {
    const explicit = await untarInto(staging, req.input, req.signal, owner);
    const ctx: MergeCtx = { root, rootBuf: Buffer.from(root), dest, explicit, noOverwrite: req.opts.noOverwriteDirNonDir };
    await merge(ctx, Buffer.from(staging), Buffer.from(destHost), Buffer.alloc(0));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
