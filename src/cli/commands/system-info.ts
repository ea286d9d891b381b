/** `version` and `info` / `system info`, laid out like docker's. */
import { API_VERSION } from '../client/client.ts';
import { StatusError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { compile } from '../format/formatter.ts';
import { tabwrite } from '../format/tabwriter.ts';
import type { Template } from '../format/template.ts';
import { bytesSize } from '../format/units.ts';
import { BERTH_VERSION } from '../../core/system/types.ts';
import { goInfo, goVersion } from './api-shapes.ts';
import { goArch, INSPECT_FORMAT_HELP, readCliConfig } from './shared.ts';

type Json = Record<string, any>;

/** The client half of `version` (docker's clientVersion; JSON names, with Go field-name aliases for templates); `api`: the version in use, if any. */
export function clientVersion(api: string | undefined): Json {
  const v: Json = { Version: BERTH_VERSION };
  if (api) v.ApiVersion = api;
  Object.assign(v, { DefaultAPIVersion: API_VERSION, GoVersion: `node ${process.version}`, Os: process.platform, Arch: goArch(), Context: 'default' });
  Object.defineProperty(v, 'APIVersion', { value: v.ApiVersion ?? '', enumerable: false });
  return v;
}

/** The API version the client speaks (negotiated with the daemon unless fixed). */
function apiVersionOf(ctx: CommandContext): Promise<string> {
  return ctx.client.version?.() ?? Promise.resolve(API_VERSION);
}

/** Parses --format; `name` is the Go template's name as docker's messages show it ("version"). */
function parseTemplate(format: string, name = ''): Template {
  try {
    return compile(format === 'json' ? '{{json .}}' : format);
  } catch (e) {
    throw new StatusError(64, withTemplateName(e instanceof Error ? e.message : String(e), name));
  }
}

function withTemplateName(message: string, name: string): string {
  return name ? message.replace(/template: :(\d)/, `template: ${name}:$1`).replace('executing "" at', `executing "${name}" at`) : message;
}

const ANSIC_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ANSIC_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** reformatDate: an RFC 3339 build time as time.ANSIC ("Fri May 30 12:07:14 2025"); anything else unchanged. */
export function reformatDate(s: string): string {
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.exec(s);
  if (!m) return s;
  const d = new Date(s);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${ANSIC_DAYS[d.getUTCDay()]} ${ANSIC_MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** GET /version as docker's template sees it: BuildTime reformatted, an Engine component added when missing. */
export function serverVersion(raw: Json): Json {
  const sv = goVersion(raw);
  const components: Json[] = Array.isArray(sv.Components) ? sv.Components : [];
  const engine = components.find((c) => c.Name === 'Engine');
  if (engine?.Details && typeof engine.Details.BuildTime === 'string') engine.Details.BuildTime = reformatDate(engine.Details.BuildTime);
  if (!engine) {
    components.push({
      Name: 'Engine', Version: sv.Version, Details: {
        ApiVersion: sv.ApiVersion, MinAPIVersion: sv.MinAPIVersion, GitCommit: sv.GitCommit, GoVersion: sv.GoVersion,
        Os: sv.Os, Arch: sv.Arch, BuildTime: reformatDate(sv.BuildTime ?? ''), Experimental: String(sv.Experimental === true),
      },
    });
  }
  sv.Components = components;
  Object.defineProperty(sv, 'APIVersion', { value: sv.ApiVersion, enumerable: false });
  return sv;
}

/** docker's default `version` text (before tab alignment is applied). */
export function versionText(client: Json, server: Json | undefined): string {
  let t = `Client:${client.Platform?.Name ? ' ' + client.Platform.Name : ''}\n Version:\t${client.Version}\n` +
    ` API version:\t${client.ApiVersion ?? ''}${(client.ApiVersion ?? '') !== client.DefaultAPIVersion ? ` (downgraded from ${client.DefaultAPIVersion})` : ''}\n` +
    ` Go version:\t${client.GoVersion}\n Git commit:\t${client.GitCommit ?? ''}\n Built:\t${client.BuildTime ?? ''}\n` +
    ` OS/Arch:\t${client.Os}/${client.Arch}\n Context:\t${client.Context}`;
  if (server) {
    t += `\n\nServer:${server.Platform?.Name ? ' ' + server.Platform.Name : ''}`;
    for (const c of server.Components as Json[]) {
      const d: Json = c.Details ?? {};
      t += `\n ${c.Name}:`;
      if (c.Name === 'Engine') {
        t += `\n  Version:\t${c.Version}\n  API version:\t${d.ApiVersion ?? ''} (minimum version ${d.MinAPIVersion ?? ''})` +
          `\n  Go version:\t${d.GoVersion ?? ''}\n  Git commit:\t${d.GitCommit ?? ''}\n  Built:\t${d.BuildTime ?? ''}` +
          `\n  OS/Arch:\t${d.Os ?? ''}/${d.Arch ?? ''}\n  Experimental:\t${d.Experimental ?? ''}`;
      } else {
        t += `\n  Version:\t${c.Version}`;
        for (const key of Object.keys(d).sort()) t += `\n  ${key}:\t${d[key]}`;
      }
    }
  }
  return t + '\n';
}

async function runVersion(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const format = p.flags.format as string;
  const tpl = format === '' ? undefined : parseTemplate(format, 'version');
  let server: Json | undefined;
  let failure: unknown;
  try {
    server = serverVersion(await ctx.client.json<Json>('GET', '/version'));
  } catch (e) {
    failure = e;
  }
  const client = clientVersion(await apiVersionOf(ctx));
  let text: string;
  if (tpl) {
    try {
      text = tpl.execute({ Client: client, Server: server ?? null }) + '\n';
    } catch (e) {
      failure ??= new Error(withTemplateName(e instanceof Error ? e.message : String(e), 'version'));
      text = '\n';
    }
  } else {
    text = versionText(client, server);
  }
  ctx.stdout.write(tabwrite(text, { minwidth: 20, padding: 1, padchar: ' ' }));
  if (failure) throw failure;
}

// ---- info ----

/** The registry user name stored for Docker Hub in config.json, if any. */
function hubUserName(configDir: string): string {
  const auths = readCliConfig(configDir).auths as Json | undefined;
  const auth = auths?.['https://index.docker.io/v1/']?.auth;
  if (typeof auth !== 'string') return '';
  const plain = Buffer.from(auth, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  return colon > 0 ? plain.slice(0, colon) : '';
}

export function clientInfoText(ci: Json): string {
  return `Client:${ci.Platform?.Name ? ' ' + ci.Platform.Name : ''}\n` + (ci.Version ? ` Version:    ${ci.Version}\n` : '') +
    ` Context:    ${ci.Context}\n Debug Mode: ${ci.Debug}\n`;
}

/** system.DecodeSecurityOptions, reduced to what `info` prints: names and profiles. */
function securityOptions(opts: string[]): { name: string; profile?: string }[] {
  return opts.map((o) => {
    if (!o.includes('=')) return { name: o };
    const kv = Object.fromEntries(o.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    return { name: kv.name ?? '', profile: kv.profile };
  });
}

/** prettyPrintServerInfo: the "Server:" section's body. */
export function serverInfoText(i: Json, o: { debug: boolean; userName: string }): string {
  const lines: string[] = [];
  const line = (...parts: unknown[]) => lines.push(parts.map((x) => String(x)).join(' '));
  const nonEmpty = (label: string, v: unknown) => { if (v !== undefined && v !== null && v !== '') line(label, v); };
  const list = (v: unknown) => (Array.isArray(v) ? v.join(' ') : '');
  line(' Containers:', i.Containers ?? 0);
  line('  Running:', i.ContainersRunning ?? 0);
  line('  Paused:', i.ContainersPaused ?? 0);
  line('  Stopped:', i.ContainersStopped ?? 0);
  line(' Images:', i.Images ?? 0);
  nonEmpty(' Server Version:', i.ServerVersion);
  nonEmpty(' Storage Driver:', i.Driver);
  for (const [k, v] of (i.DriverStatus ?? []) as string[][]) lines.push(`  ${k}: ${v}`);
  for (const [k, v] of (i.SystemStatus ?? []) as string[][]) lines.push(` ${k}: ${v}`);
  nonEmpty(' Logging Driver:', i.LoggingDriver);
  nonEmpty(' Cgroup Driver:', i.CgroupDriver);
  nonEmpty(' Cgroup Version:', i.CgroupVersion);
  const plugins: Json = i.Plugins ?? {};
  line(' Plugins:');
  line('  Volume:', list(plugins.Volume));
  line('  Network:', list(plugins.Network));
  if ((plugins.Authorization ?? []).length > 0) line('  Authorization:', list(plugins.Authorization));
  line('  Log:', list(plugins.Log));
  if ((i.CDISpecDirs ?? []).length > 0) {
    line(' CDI spec directories:');
    for (const d of i.CDISpecDirs) lines.push(`  ${d}`);
  }
  const swarm: Json = i.Swarm ?? {};
  line(' Swarm:', swarm.LocalNodeState ?? '');
  if (swarm.LocalNodeState && swarm.LocalNodeState !== 'inactive' && swarm.LocalNodeState !== 'locked') {
    line('  NodeID:', swarm.NodeID ?? '');
    if (swarm.Error) line('  Error:', swarm.Error);
    line('  Is Manager:', swarm.ControlAvailable === true);
    line('  Node Address:', swarm.NodeAddr ?? '');
  }
  const runtimes = Object.keys(i.Runtimes ?? {}).sort();
  if (runtimes.length > 0) {
    line(' Runtimes:', runtimes.join(' '));
    line(' Default Runtime:', i.DefaultRuntime ?? '');
  }
  if (i.OSType === 'linux') {
    line(' Init Binary:', i.InitBinary ?? '');
    line(' containerd version:', i.ContainerdCommit?.ID ?? '');
    line(' runc version:', i.RuncCommit?.ID ?? '');
    line(' init version:', i.InitCommit?.ID ?? '');
    if ((i.SecurityOptions ?? []).length > 0) {
      line(' Security Options:');
      for (const so of securityOptions(i.SecurityOptions)) {
        lines.push(`  ${so.name}`);
        if (so.profile !== undefined) line('   Profile:', so.profile);
      }
    }
  }
  if (i.OSType === 'windows') line(' Default Isolation:', i.Isolation ?? '');
  nonEmpty(' Kernel Version:', i.KernelVersion);
  nonEmpty(' Operating System:', i.OperatingSystem);
  nonEmpty(' OSType:', i.OSType);
  nonEmpty(' Architecture:', i.Architecture);
  line(' CPUs:', i.NCPU ?? 0);
  line(' Total Memory:', bytesSize(i.MemTotal ?? 0));
  nonEmpty(' Name:', i.Name);
  nonEmpty(' ID:', i.ID);
  line(' Docker Root Dir:', i.DockerRootDir ?? '');
  line(' Debug Mode:', i.Debug === true);
  if (i.Debug === true || o.debug) {
    line('  File Descriptors:', i.NFd ?? 0);
    line('  Goroutines:', i.NGoroutines ?? 0);
    line('  System Time:', i.SystemTime ?? '');
    line('  EventsListeners:', i.NEventsListener ?? 0);
  }
  nonEmpty(' HTTP Proxy:', i.HttpProxy);
  nonEmpty(' HTTPS Proxy:', i.HttpsProxy);
  nonEmpty(' No Proxy:', i.NoProxy);
  nonEmpty(' Username:', o.userName);
  if ((i.Labels ?? []).length > 0) {
    line(' Labels:');
    for (const l of i.Labels) lines.push(`  ${l}`);
  }
  line(' Experimental:', i.ExperimentalBuild === true);
  const reg: Json | undefined = i.RegistryConfig ?? undefined;
  const indexConfigs = Object.values((reg?.IndexConfigs ?? {}) as Json) as Json[];
  if (reg && ((reg.InsecureRegistryCIDRs ?? []).length > 0 || indexConfigs.length > 0)) {
    line(' Insecure Registries:');
    for (const c of indexConfigs) if (!c.Secure) lines.push(`  ${c.Name}`);
    for (const cidr of reg.InsecureRegistryCIDRs ?? []) lines.push(`  ${cidr}`);
  }
  if ((reg?.Mirrors ?? []).length > 0) {
    line(' Registry Mirrors:');
    for (const m of reg!.Mirrors) lines.push(`  ${m}`);
  }
  line(' Live Restore Enabled:', i.LiveRestoreEnabled === true);
  if (i.ProductLicense) line(' Product License:', i.ProductLicense);
  if ((i.DefaultAddressPools ?? []).length > 0) {
    line(' Default Address Pools:');
    for (const pool of i.DefaultAddressPools) lines.push(`   Base: ${pool.Base}, Size: ${pool.Size}`);
  }
  return lines.join('\n') + '\n\n';
}

/** needsServerInfo: a template that only reads ClientInfo/ClientErrors needs no daemon. */
export function needsServerInfo(format: string): boolean {
  const fields = [...format.matchAll(/(?:^|[^\w.\]$)])\.([A-Za-z]\w*)/g)].map((m) => m[1]);
  return fields.length === 0 || fields.some((f) => f !== 'ClientInfo' && f !== 'ClientErrors');
}

async function runInfo(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const format = p.flags.format as string;
  const tpl = format === '' ? undefined : parseTemplate(format);
  const withServer = !tpl || needsServerInfo(format);
  let server: Json | undefined;
  let failure: unknown;
  if (withServer) {
    try {
      server = goInfo(await ctx.client.json<Json>('GET', '/info'));
    } catch (e) {
      failure = e;
    }
  }
  const clientInfo: Json = { Debug: ctx.debug, ...clientVersion(withServer ? await apiVersionOf(ctx) : undefined), Plugins: [], Warnings: null };
  if (tpl) {
    let text = '';
    try {
      text = tpl.execute({ ...(server ?? {}), ClientInfo: clientInfo });
    } catch (e) {
      failure ??= e;
    }
    ctx.stdout.write(text + '\n');
    if (failure) throw failure;
    return;
  }
  ctx.stdout.write(clientInfoText(clientInfo) + '\nServer:\n');
  if (failure) throw failure;
  ctx.stdout.write(serverInfoText(server ?? {}, { debug: ctx.debug, userName: hubUserName(ctx.configDir) }));
  for (const w of (server?.Warnings ?? []) as string[]) ctx.stderr.write(w + '\n');
}

export function versionCommand(): Command {
  return {
    name: 'version', usage: '[OPTIONS]', short: 'Show the Berth version information', group: 'common', args: { exact: 0 },
    flags: [{ name: 'format', short: 'f', kind: 'string', description: INSPECT_FORMAT_HELP }],
    run: runVersion,
  };
}

export function infoCommand(): Command {
  return {
    name: 'info', aliasesHelp: ['system info', 'info'], usage: '[OPTIONS]', short: 'Display system-wide information', args: { exact: 0 },
    flags: [{ name: 'format', short: 'f', kind: 'string', description: INSPECT_FORMAT_HELP }],
    run: runInfo,
  };
}
