/**
 * Blob uploads (end-4a/4b, end-5, end-6, end-11, end-13): POST starts a
 * session, pushes a blob in one go (?digest=) or mounts one (?mount=&from=,
 * or anonymous ?mount=); PATCH appends chunks (Content-Range must continue
 * where the upload is, else 416); PUT ?digest= finishes; GET reports the
 * offset; DELETE cancels.
 */
import { RegistryError } from '../../core/registry/errors.ts';
import { checkDigest, isValidName } from '../../core/registry/names.ts';
import { can } from '../auth/index.ts';
import { drain, hasBody, parseContentRange, sendEmpty } from '../http.ts';
import { encodeName, type Ctx } from './context.ts';

const limitOf = (c: Ctx) => c.reg.config.maxBlobSize || undefined;

function uploadHeaders(c: Ctx, id: string, size: number): Record<string, string> {
  return {
    Location: `/v2/${encodeName(c.route.name as string)}/blobs/uploads/${id}`,
    Range: `0-${Math.max(size - 1, 0)}`,
    'Docker-Upload-UUID': id,
  };
}

function created(c: Ctx, digest: string): void {
  sendEmpty(c.res, 201, { Location: `/v2/${encodeName(c.route.name as string)}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

function checkLength(c: Ctx): void {
  const len = c.req.headers['content-length'];
  const limit = limitOf(c);
  if (limit && len !== undefined && Number(len) > limit) {
    throw new RegistryError('SIZE_INVALID', { status: 413, message: `blob exceeds the size limit of ${limit} bytes`});
  }
}

/** Tries a cross-repository (or anonymous) mount; true when it answered. */
async function tryMount(c: Ctx, mount: string): Promise<boolean> {
  const name = c.route.name as string;
  const { digest } = checkDigest(mount);
  const from = c.params.get('from');
  if (from !== null) {
    if (!isValidName(from) || !can(c.grant, 'repository', from, 'pull')) return false;
    if (!(await c.reg.blobs.linked(from, digest))) return false;
  } else if (c.reg.auth.mode !== 'none') {
    // Without a source repository, only an open registry can mount (no way to check the caller may read the blob).
    return false;
  }
  if ((await c.reg.blobs.size(digest)) === null) return false;
  await c.reg.lock.read(async () => {
    await c.reg.blobs.link(name, digest);
    await c.reg.blobs.touch(name, digest);
  });
  await drain(c.req);
  created(c, digest);
  return true;
}

export async function startUpload(c: Ctx): Promise<void> {
  const name = c.route.name as string;
  const mount = c.params.get('mount');
  if (mount !== null && (await tryMount(c, mount))) return;
  const digest = c.params.get('digest');
  if (digest !== null) {
    checkDigest(digest);
    checkLength(c);
    await c.reg.blobs.putMonolithic(name, digest, c.req, limitOf(c));
    created(c, digest);
    return;
  }
  await drain(c.req);
  const id = await c.reg.blobs.startUpload(name);
  sendEmpty(c.res, 202, uploadHeaders(c, id, 0));
}

export async function uploadStatus(c: Ctx): Promise<void> {
  const id = c.route.ref as string;
  const size = await c.reg.blobs.uploadSize(c.route.name as string, id);
  sendEmpty(c.res, 204, uploadHeaders(c, id, size));
}

async function appendChunk(c: Ctx, id: string): Promise<number> {
  const name = c.route.name as string;
  const current = await c.reg.blobs.uploadSize(name, id);
  const range = parseContentRange(c.req.headers['content-range'], current);
  const len = c.req.headers['content-length'];
  if (range && len !== undefined && Number(len) !== range.end - range.start + 1) {
    throw new RegistryError('BLOB_UPLOAD_INVALID', { status: 416, message: 'Content-Length does not match Content-Range', headers: { Range: `0-${Math.max(current - 1, 0)}` } });
  }
  if (range && range.start !== current) {
    throw new RegistryError('BLOB_UPLOAD_INVALID', { status: 416, message: `chunk starts at ${range.start}, upload is at ${current}`, headers: { Range: `0-${Math.max(current - 1, 0)}` } });
  }
  checkLength(c);
  return c.reg.blobs.appendUpload(name, id, c.req, { start: range?.start, end: range?.end, limit: limitOf(c) });
}

export async function patchUpload(c: Ctx): Promise<void> {
  const id = c.route.ref as string;
  const size = await appendChunk(c, id);
  sendEmpty(c.res, 202, uploadHeaders(c, id, size));
}

export async function putUpload(c: Ctx): Promise<void> {
  const name = c.route.name as string;
  const id = c.route.ref as string;
  const digest = c.params.get('digest');
  await c.reg.blobs.uploadSize(name, id);
  if (digest === null) {
    await drain(c.req);
    throw new RegistryError('DIGEST_INVALID', { message: 'digest missing', detail: { digest: null } });
  }
  checkDigest(digest);
  if (hasBody(c.req)) await appendChunk(c, id);
  else await drain(c.req);
  await c.reg.blobs.commitUpload(name, id, digest);
  created(c, digest);
}

export async function cancelUpload(c: Ctx): Promise<void> {
  await c.reg.blobs.cancelUpload(c.route.name as string, c.route.ref as string);
  await drain(c.req);
  sendEmpty(c.res, 204);
}
