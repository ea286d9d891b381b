/** `pull`, `push`, `login`, `logout`, `search`: the registry commands (progress bars on a terminal, plain lines otherwise). */
import { createInterface } from 'node:readline';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { renderRows } from '../format/formatter.ts';
import { familiarString, fullName, parseReference, repositoryName, type Reference } from '../../core/reference/reference.ts';
import { displayJsonStream, JsonMessageWriter } from './jsonmessage.ts';
import { credsKey, encodeAuth, eraseCreds, getCreds, refCredsKey, storeCreds, INDEX_SERVER } from './registry-creds.ts';
import { FORMAT_HELP, isTerminal, platformJson } from './shared.ts';

function writer(ctx: CommandContext, quiet: boolean): JsonMessageWriter {
  const out = ctx.stdout as NodeJS.WritableStream & { columns?: number };
  const sink = quiet ? ({ write: () => true } as unknown as NodeJS.WritableStream) : out;
  return new JsonMessageWriter(sink, !quiet && isTerminal(out), out.columns ?? 200);
}

function authFor(ctx: CommandContext, ref: Reference): string {
  return encodeAuth(getCreds(ctx.configDir, refCredsKey(ref)));
}

// ---- pull ----

async function runPull(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const all = p.flags['all-tags'] === true;
  const quiet = p.flags.quiet === true;
  let ref = parseReference(p.args[0]);
  if (all && (ref.tag || ref.digest)) throw new Error('tag can\'t be used with --all-tags/-a');
  if (!all && !ref.tag && !ref.digest) {
    ref = { ...ref, tag: 'latest' };
    if (!quiet) ctx.stdout.write('Using default tag: latest\n');
  }
  const platform = p.flags.platform as string;
  const res = await ctx.client.stream('POST', '/images/create', {
    query: { fromImage: repositoryName(ref), tag: all ? undefined : ref.digest ?? ref.tag, platform: platform || undefined },
    headers: { 'X-Registry-Auth': authFor(ctx, ref) },
  });
  await displayJsonStream(res, writer(ctx, quiet));
  ctx.stdout.write(`${fullName(ref)}\n`);
}

// ---- push ----

async function runPush(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const all = p.flags['all-tags'] === true;
  const quiet = p.flags.quiet === true;
  let ref = parseReference(p.args[0]);
  if (all && (ref.tag || ref.digest)) throw new Error('tag can\'t be used with --all-tags/-a');
  if (ref.digest) throw new Error('cannot push a digest reference');
  if (!all && !ref.tag) {
    ref = { ...ref, tag: 'latest' };
    ctx.stdout.write('Using default tag: latest\n');
  }
  const res = await ctx.client.stream('POST', `/images/${encodeURIComponent(repositoryName(ref))}/push`, {
    query: { tag: all ? undefined : ref.tag, platform: p.flags.platform ? platformJson(p.flags.platform as string) : undefined },
    headers: { 'X-Registry-Auth': authFor(ctx, ref) },
  });
  const w = writer(ctx, quiet);
  await displayJsonStream(res, w);
  if (quiet) ctx.stdout.write(`${familiarString(ref)}\n`);
}

// ---- login / logout ----

function ask(ctx: CommandContext, prompt: string): Promise<string> {
  ctx.stdout.write(prompt);
  const rl = createInterface({ input: ctx.stdin, terminal: false });
  return new Promise((resolve) => rl.once('line', (l) => { rl.close(); resolve(l.trim()); }));
}

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const c of s) out += c.toString();
  return out;
}

async function runLogin(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const server = p.args[0] ?? '';
  const key = credsKey(server);
  let username = p.flags.username as string;
  let password = p.flags.password as string;
  if (password && p.flags['password-stdin'] === true) throw new Error('--password and --password-stdin are mutually exclusive');
  if (p.flags['password-stdin'] === true) {
    if (!username) throw new Error('Must provide --username with --password-stdin');
    password = (await readAll(ctx.stdin)).replace(/\r?\n$/, '');
  }
  if (password && !p.flags['password-stdin']) ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  const stored = getCreds(ctx.configDir, key);
  if (!username && !password && stored) {
    username = stored.username ?? '';
    password = stored.password ?? '';
  }
  if (!username || !password) {
    if (!isTerminal(ctx.stdin)) throw new Error('Cannot perform an interactive login from a non TTY device');
    if (!username) username = await ask(ctx, `Username${stored?.username ? ` (${stored.username})` : ''}: `) || (stored?.username ?? '');
    if (!password) password = await ask(ctx, 'Password: ');
  }
  if (!username) throw new Error('Username cannot be empty');
  if (!password) throw new Error('Password Required');
  const r = await ctx.client.json<{ Status: string; IdentityToken?: string }>('POST', '/auth', { body: { username, password, serveraddress: key } });
  storeCreds(ctx.configDir, r.IdentityToken ? { identitytoken: r.IdentityToken, serveraddress: key } : { username, password, serveraddress: key });
  ctx.stdout.write(`${r.Status || 'Login Succeeded'}\n`);
}

async function runLogout(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const key = credsKey(p.args[0] ?? '');
  if (!eraseCreds(ctx.configDir, key) && !getCreds(ctx.configDir, key)) {
    ctx.stdout.write(`Not logged in to ${key === INDEX_SERVER ? 'https://index.docker.io/v1/' : key}\n`);
    return;
  }
  ctx.stdout.write(`Removing login credentials for ${key}\n`);
}

// ---- search ----

interface SearchResult { name: string; description: string; star_count: number; is_official: boolean; is_automated: boolean }

async function runSearch(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const term = p.args[0];
  const filters: Record<string, Record<string, boolean>> = {};
  for (const f of p.flags.filter as string[]) {
    const i = f.indexOf('=');
    if (i <= 0) throw new Error(`bad format of filter (expected name=value)`);
    (filters[f.slice(0, i)] ??= {})[f.slice(i + 1)] = true;
  }
  const limit = p.flags.limit as number;
  let domain = 'docker.io';
  const slash = term.indexOf('/');
  if (slash > 0 && /[.:]|^localhost$/.test(term.slice(0, slash))) domain = term.slice(0, slash);
  const res = await ctx.client.json<SearchResult[]>('GET', '/images/search', {
    query: { term, limit: limit > 0 ? limit : undefined, filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined },
    headers: { 'X-Registry-Auth': encodeAuth(getCreds(ctx.configDir, domain === 'docker.io' ? INDEX_SERVER : domain)) },
  });
  const noTrunc = p.flags['no-trunc'] === true;
  const rows = res.map((r) => {
    let description = (r.description ?? '').replace(/\n/g, ' ');
    if (!noTrunc && [...description].length > 45) description = `${[...description].slice(0, 44).join('')}…`;
    return { Name: r.name, Description: description, StarCount: String(r.star_count), IsOfficial: r.is_official ? '[OK]' : '', IsAutomated: r.is_automated ? '[OK]' : '' };
  });
  ctx.stdout.write(renderRows(rows, p.flags.format as string, {
    defaultTable: 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}',
    headers: { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' },
  }));
}

// ---- commands ----

const TRUST = { name: 'disable-content-trust', kind: 'bool' as const, description: 'Skip image verification', default: true };

export function pullCommand(): Command {
  return {
    name: 'pull', aliasesHelp: ['image pull', 'pull'], usage: '[OPTIONS] NAME[:TAG|@DIGEST]', group: 'common',
    short: 'Download an image from a registry', args: { exact: 1 }, run: runPull,
    flags: [
      { name: 'all-tags', short: 'a', kind: 'bool', description: 'Download all tagged images in the repository' },
      TRUST,
      { name: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable' },
      { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress verbose output' },
    ],
  };
}

export function pushCommand(): Command {
  return {
    name: 'push', aliasesHelp: ['image push', 'push'], usage: '[OPTIONS] NAME[:TAG]', group: 'common',
    short: 'Upload an image to a registry', args: { exact: 1 }, run: runPush,
    flags: [
      { name: 'all-tags', short: 'a', kind: 'bool', description: 'Push all tags of an image to the repository' },
      TRUST,
      { name: 'platform', kind: 'string', description: 'Push a platform-specific manifest as a single-platform image to the registry.' },
      { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress verbose output' },
    ],
  };
}

export function loginCommand(): Command {
  return {
    name: 'login', usage: '[OPTIONS] [SERVER]', group: 'common', args: { max: 1 }, run: runLogin,
    short: 'Authenticate to a registry',
    long: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.',
    flags: [
      { name: 'password', short: 'p', kind: 'string', description: 'Password or Personal Access Token (PAT)' },
      { name: 'password-stdin', kind: 'bool', description: 'Take the Password or Personal Access Token (PAT) from stdin' },
      { name: 'username', short: 'u', kind: 'string', description: 'Username' },
    ],
  };
}

export function logoutCommand(): Command {
  return {
    name: 'logout', usage: '[SERVER]', group: 'common', args: { max: 1 }, run: runLogout,
    short: 'Log out from a registry',
    long: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.',
  };
}

export function searchCommand(): Command {
  return {
    name: 'search', usage: '[OPTIONS] TERM', group: 'common', args: { exact: 1 }, run: runSearch,
    short: 'Search Docker Hub for images',
    flags: [
      { name: 'filter', short: 'f', kind: 'list', description: 'Filter output based on conditions provided' },
      { name: 'format', kind: 'string', description: FORMAT_HELP },
      { name: 'limit', kind: 'int', description: 'Max number of search results', default: 0 },
      { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    ],
  };
}
