/**
 * `create`, and the create step that `run` shares: the request body from
 * the flags, pulling the image when the daemon does not have it (--pull),
 * warnings, and the --cidfile.
 */
import { closeSync, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { ApiError } from '../client/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { fullName, familiarString, parseReference, withDefaultTag, type Reference } from '../../core/reference/reference.ts';
import { buildCreateRequest, type CreateRequest } from './containers-config.ts';
import { createFlags } from './containers-flags.ts';
import { reportedError } from './containers-shared.ts';
import { ttySize } from './containers-stream.ts';
import { displayJsonStream, JsonMessageWriter } from './jsonmessage.ts';
import { encodeAuth, getCreds, refCredsKey } from './registry-creds.ts';
import { isTerminal, platformJson } from './shared.ts';

type Json = Record<string, any>;

const PULL_OPTIONS = ['always', 'missing', 'never', ''];

/** Go's json.Marshal writes map keys sorted; the body's maps get the same order. */
function sortMaps(v: unknown, isMap = false): unknown {
  if (Array.isArray(v)) return v.map((x) => sortMaps(x));
  if (v === null || typeof v !== 'object') return v;
  const src = v as Json;
  const keys = isMap ? Object.keys(src).sort() : Object.keys(src);
  const out: Json = {};
  for (const k of keys) out[k] = sortMaps(src[k], MAP_FIELDS.has(k));
  return out;
}
const MAP_FIELDS = new Set(['Labels', 'Volumes', 'ExposedPorts', 'PortBindings', 'Tmpfs', 'Sysctls', 'StorageOpt', 'Annotations', 'EndpointsConfig', 'Config', 'DriverOpts', 'Options']);

/** Parses the flags into the create request; flag-value errors are reported docker's way (status 125). */
export function parseCreate(ctx: CommandContext, p: ParsedArgs): CreateRequest {
  const pull = p.flags.pull as string;
  try {
    if (!PULL_OPTIONS.includes(pull)) throw new Error(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
    const req = buildCreateRequest(p, ctx.env, ttySize(ctx.stdout));
    req.body = sortMaps(req.body) as Json;
    return req;
  } catch (e) {
    throw reportedError(ctx, e);
  }
}

/** X-Registry-Auth for the image's registry from the CLI config (base64 "{}" without credentials). */
export function registryAuth(ctx: CommandContext, ref: Reference): string {
  return encodeAuth(getCreds(ctx.configDir, refCredsKey(ref)));
}

/** POST /images/create for `image`, showing the progress on stderr (nothing with -q). */
async function pullImage(ctx: CommandContext, ref: Reference, platform: string, quiet: boolean): Promise<void> {
  const res = await ctx.client.stream('POST', '/images/create', {
    query: { fromImage: fullName({ ...ref, tag: undefined, digest: undefined }), platform: platform || undefined, tag: ref.digest ?? ref.tag ?? '' },
    headers: { 'X-Registry-Auth': registryAuth(ctx, ref) },
  });
  const out = ctx.stderr as NodeJS.WritableStream & { columns?: number };
  const sink = quiet ? { write: () => true } as unknown as NodeJS.WritableStream : out;
  await displayJsonStream(res, new JsonMessageWriter(sink, !quiet && isTerminal(out), out.columns ?? 200));
}

function namedRef(image: string): Reference | undefined {
  if (/^(?:sha256:)?[a-f0-9]{64}$/.test(image)) return undefined;
  return withDefaultTag(parseReference(image));
}

/** createContainer: the create call, pulling first (--pull always) or on "No such image" (--pull missing). Returns the ID. */
export async function createContainer(ctx: CommandContext, p: ParsedArgs, req: CreateRequest): Promise<string> {
  const pull = p.flags.pull as string;
  const quiet = p.flags.quiet === true;
  const platform = p.flags.platform as string;
  const cidfile = p.flags.cidfile as string;
  let cidFd: number | undefined;
  if (cidfile !== '') {
    if (existsSync(cidfile)) throw new Error(`container ID file found, make sure the other container isn't running or delete ${cidfile}`);
    try {
      cidFd = openSync(cidfile, 'w');
    } catch (e) {
      throw new Error(`failed to create the container ID file: ${(e as Error).message}`);
    }
  }
  let written = false;
  try {
    const ref = namedRef(String(req.body.Image));
    if (platform) platformJson(platform);
    const query = { name: (p.flags.name as string) || undefined, platform: platform ? platform.toLowerCase() : undefined };
    if (pull === 'always' && ref) await pullImage(ctx, ref, platform, quiet);
    const create = () => ctx.client.json<{ Id: string; Warnings?: string[] | null }>('POST', '/containers/create', { query, body: req.body });
    let res: { Id: string; Warnings?: string[] | null };
    try {
      res = await create();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404 && ref && pull === 'missing')) throw e;
      if (!quiet) ctx.stderr.write(`Unable to find image '${familiarString(ref)}' locally\n`);
      await pullImage(ctx, ref, platform, quiet);
      res = await create();
    }
    for (const w of res.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
    if (cidFd !== undefined) {
      writeSync(cidFd, res.Id);
      written = true;
    }
    return res.Id;
  } finally {
    if (cidFd !== undefined) {
      closeSync(cidFd);
      if (!written) unlinkSync(cidfile);
    }
  }
}

async function runCreate(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const req = parseCreate(ctx, p);
  const id = await createContainer(ctx, p, req);
  ctx.stdout.write(`${id}\n`);
}

export function createCommand(): Command {
  return {
    name: 'create',
    usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
    short: 'Create a new container',
    aliasesHelp: ['container create', 'create'],
    args: { min: 1 },
    interspersed: false,
    flags: createFlags(),
    run: runCreate,
  };
}
