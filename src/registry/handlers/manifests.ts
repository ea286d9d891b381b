/** GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference> (end-3, end-7, end-9). */
import { RegistryError } from '../../core/registry/errors.ts';
import { isDigest } from '../../core/registry/names.ts';
import { readBody, sendEmpty } from '../http.ts';
import { encodeName, type Ctx } from './context.ts';

export async function getManifest(c: Ctx): Promise<void> {
  const name = c.route.name as string;
  const ref = c.route.ref as string;
  let m;
  try {
    m = await c.reg.manifests.get(name, ref);
  } catch (e) {
    if (!(e instanceof RegistryError) || e.code !== 'MANIFEST_UNKNOWN' || !c.reg.upstream) throw e;
    await c.reg.upstream.fetchManifest(c.reg, name, ref);
    m = await c.reg.manifests.get(name, ref);
  }
  const headers = {
    'Content-Type': m.mediaType, 'Content-Length': String(m.bytes.length), 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"`,
  };
  if (c.req.headers['if-none-match'] === `"${m.digest}"`) {
    sendEmpty(c.res, 304, { 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"` });
    return;
  }
  c.res.writeHead(200, headers);
  c.res.end(c.head ? undefined : m.bytes);
}

export async function putManifest(c: Ctx): Promise<void> {
  const name = c.route.name as string;
  const body = await readBody(c.req, c.reg.config.maxManifestSize);
  const { digest, parsed } = await c.reg.manifests.put(name, c.route.ref as string, body, c.req.headers['content-type']);
  const headers: Record<string, string> = { Location: `/v2/${encodeName(name)}/manifests/${digest}`, 'Docker-Content-Digest': digest };
  if (parsed.subject) headers['OCI-Subject'] = parsed.subject.digest;
  sendEmpty(c.res, 201, headers);
}

export async function deleteManifest(c: Ctx): Promise<void> {
  if (!c.reg.config.deleteEnabled) throw new RegistryError('UNSUPPORTED', { message: 'The operation is unsupported.' });
  const name = c.route.name as string;
  const ref = c.route.ref as string;
  if (isDigest(ref)) await c.reg.manifests.deleteManifest(name, ref);
  else await c.reg.manifests.deleteTag(name, ref);
  sendEmpty(c.res, 202);
}
