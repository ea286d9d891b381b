/**
 * berthd's configuration: flags merged with daemon.json as dockerd merges
 * them, validated, defaulted; and the reload (SIGHUP) of daemon.json. Pure:
 * the file is read through the injected `readFile`.
 */
import { InvalidParameterError, errorMessage } from '../../core/errors.ts';
import { checkDirectives, decodeDaemonJson, parseDaemonJsonText } from './file.ts';
import { parseDaemonFlags, type ParsedFlags } from './flags.ts';
import type { DaemonConfig, DaemonJson, DaemonJsonKey } from './types.ts';
import {
  DEFAULT_ADDRESS_POOLS,
  DEFAULT_CONFIG_FILE,
  DEFAULT_HOST,
  DEFAULT_MAX_CONCURRENT_DOWNLOADS,
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  PIDFILE_NAME,
  RELOADABLE_KEYS,
  defaultDaemonConfig,
} from './types.ts';
import { normalizeHost, normalizeInsecureRegistry, parseExecOpts, parseLogLevel, validateMirror } from './values.ts';
import { rotationPolicy, validateLogConfig } from '../../containers/log-config.ts';
import { containerCgroupsPath } from '../../core/runtime/cgroup-path.ts';

/** Reads a file's text; undefined when it does not exist. */
export type ReadFile = (path: string) => string | undefined;

function fail(message: string): never {
  throw new InvalidParameterError(message);
}

/** Run `fn`, prefixing the message of what it throws. */
function wrapped<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new InvalidParameterError(prefix + errorMessage(e), { cause: e });
  }
}

/**
 * Read and check daemon.json. Returns undefined when the file is missing and
 * was not named explicitly (dockerd carries on with defaults then).
 */
function readDaemonJson(path: string, explicit: boolean, readFile: ReadFile, flags?: ParsedFlags): DaemonJson | undefined {
  const prefix = `unable to configure the Berth daemon with file ${path}: `;
  const text = readFile(path);
  if (text === undefined) {
    if (explicit) fail(`${prefix}open ${path}: no such file or directory`);
    return undefined;
  }
  return wrapped(prefix, () => {
    const raw = parseDaemonJsonText(text);
    checkDirectives(raw, flags);
    return decodeDaemonJson(raw);
  });
}

/** What dockerd's config.Validate checks. */
function validateCommon(v: DaemonJson): void {
  if (v['log-level'] !== undefined) parseLogLevel(v['log-level']);
  for (const [key, what] of [
    ['max-concurrent-downloads', 'downloads'],
    ['max-concurrent-uploads', 'uploads'],
  ] as const) {
    const n = v[key];
    if (n !== undefined && n <= 0) fail(`invalid max concurrent ${what}: ${n}`);
  }
  for (const h of v.hosts ?? []) normalizeHost(h);
  for (const m of v['registry-mirrors'] ?? []) validateMirror(m);
  parseExecOpts(v['exec-opts'] ?? []);
  if (v['log-driver'] !== undefined || v['log-opts'] !== undefined) {
    try {
      validateLogConfig(v['log-driver'] ?? 'json-file', v['log-opts'] ?? {});
      rotationPolicy(v['log-driver'] ?? 'json-file', v['log-opts'] ?? {}); // refused at daemon start rather than at every container's
    } catch (e) {
      fail(`failed to set log opts: ${(e as Error).message}`);
    }
  }
}

/** --bip: an IPv4 address with a prefix length. */
function validateBip(bip: string): string {
  if (bip === '') return bip;
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(bip);
  if (!m || m[1].split('.').some((o) => Number(o) > 255) || Number(m[2]) > 30) fail(`invalid bip: ${bip}: invalid CIDR address: ${bip}`);
  return bip;
}

function absolutePath(key: string, p: string): string {
  if (!p.startsWith('/')) fail(`${key} must be an absolute path: ${p}`);
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Defaults filled in and every value checked and normalised. */
function buildConfig(v: DaemonJson, configFile: string): DaemonConfig {
  const d = defaultDaemonConfig();
  const execRoot = absolutePath('exec-root', v['exec-root'] ?? d.execRoot);
  const hosts = [...new Set((v.hosts ?? []).map(normalizeHost))];
  const storage = v['storage-driver'] ?? '';
  if (storage !== '' && storage !== 'overlay2') {
    fail(`error initializing graphdriver: driver not supported: ${storage} (berthd supports only overlay2)`);
  }
  const cfg: DaemonConfig = {
    dataRoot: absolutePath('data-root', v['data-root'] ?? d.dataRoot),
    execRoot,
    hosts: hosts.length > 0 ? hosts : [DEFAULT_HOST],
    pidfile: absolutePath('pidfile', v.pidfile ?? `${execRoot}/${PIDFILE_NAME}`),
    configFile,
    logLevel: parseLogLevel(v['log-level'] ?? d.logLevel),
    logDriver: v['log-driver'] ?? d.logDriver,
    logOpts: { ...(v['log-opts'] ?? {}) },
    debug: v.debug ?? false,
    registryMirrors: (v['registry-mirrors'] ?? []).map(validateMirror),
    insecureRegistries: (v['insecure-registries'] ?? []).map(normalizeInsecureRegistry),
    execOpts: [...(v['exec-opts'] ?? [])],
    cgroupDriver: parseExecOpts(v['exec-opts'] ?? []) ?? d.cgroupDriver,
    cgroupParent: v['cgroup-parent'] ?? d.cgroupParent,
    defaultAddressPools: (v['default-address-pools'] ?? DEFAULT_ADDRESS_POOLS).map((p) => ({ ...p })),
    bridge: v.bridge ?? '',
    bip: validateBip(v.bip ?? ''),
    iptables: v.iptables ?? true,
    ipForward: v['ip-forward'] ?? true,
    liveRestore: v['live-restore'] ?? false,
    storageDriver: 'overlay2',
    maxConcurrentDownloads: v['max-concurrent-downloads'] ?? DEFAULT_MAX_CONCURRENT_DOWNLOADS,
    maxConcurrentUploads: v['max-concurrent-uploads'] ?? DEFAULT_MAX_CONCURRENT_UPLOADS,
    tls: { verify: v.tlsverify ?? false },
  };
  try {
    containerCgroupsPath('x', cfg.cgroupDriver, cfg.cgroupParent);
  } catch (e) {
    fail((e as Error).message);
  }
  if (v.tlscacert !== undefined) cfg.tls.cacert = v.tlscacert;
  if (v.tlscert !== undefined) cfg.tls.cert = v.tlscert;
  if (v.tlskey !== undefined) cfg.tls.key = v.tlskey;
  const tcp = cfg.hosts.find((h) => h.startsWith('tcp://'));
  if (tcp !== undefined) {
    const missing = (['tlsverify', 'tlscacert', 'tlscert', 'tlskey'] as const).filter((k) => !v[k]);
    if (missing.length > 0) {
      fail(
        `refusing to listen on ${tcp} without TLS: a tcp:// host needs --tlsverify, --tlscacert, --tlscert and --tlskey ` +
          `(missing: ${missing.map((k) => `--${k}`).join(', ')}); anyone reaching an unprotected port gets root on this machine`,
      );
    }
  }
  return cfg;
}

/** The configuration from already-parsed flags plus daemon.json. */
export function loadDaemonConfigFromFlags(flags: ParsedFlags, readFile: ReadFile): DaemonConfig {
  const configFile = flags.configFile ?? DEFAULT_CONFIG_FILE;
  const file = readDaemonJson(configFile, flags.configFile !== undefined, readFile, flags);
  const merged: DaemonJson = { ...file, ...flags.values };
  const prefix =
    file === undefined
      ? ''
      : `unable to configure the Berth daemon with file ${configFile}: merged configuration validation from file and command line flags failed: `;
  wrapped(prefix, () => validateCommon(merged));
  return buildConfig(merged, configFile);
}

/**
 * berthd's configuration from its argv and daemon.json (--config-file, by
 * default /etc/berth/daemon.json; a missing default file is fine). Throws
 * InvalidParameterError with dockerd-style messages.
 */
export function loadDaemonConfig(argv: readonly string[], readFile: ReadFile): DaemonConfig {
  return loadDaemonConfigFromFlags(parseDaemonFlags(argv), readFile);
}

/** The configuration as daemon.json values (the inverse of loading), for comparisons and display. */
export function configToJson(c: DaemonConfig): DaemonJson {
  const out: DaemonJson = {
    'data-root': c.dataRoot,
    'exec-root': c.execRoot,
    hosts: [...c.hosts],
    pidfile: c.pidfile,
    'log-level': c.logLevel,
    'log-driver': c.logDriver,
    'log-opts': { ...c.logOpts },
    debug: c.debug,
    'registry-mirrors': [...c.registryMirrors],
    'insecure-registries': [...c.insecureRegistries],
    'exec-opts': [...c.execOpts],
    'default-address-pools': c.defaultAddressPools.map((p) => ({ ...p })),
    bridge: c.bridge,
    bip: c.bip,
    iptables: c.iptables,
    'ip-forward': c.ipForward,
    'live-restore': c.liveRestore,
    'storage-driver': c.storageDriver,
    'max-concurrent-downloads': c.maxConcurrentDownloads,
    'max-concurrent-uploads': c.maxConcurrentUploads,
    tlsverify: c.tls.verify,
  };
  if (c.tls.cacert !== undefined) out.tlscacert = c.tls.cacert;
  if (c.tls.cert !== undefined) out.tlscert = c.tls.cert;
  if (c.tls.key !== undefined) out.tlskey = c.tls.key;
  return out;
}

/** A file value in the form the configuration keeps it. */
function normalized(key: DaemonJsonKey, v: DaemonJson): unknown {
  switch (key) {
    case 'hosts':
      return v.hosts!.map(normalizeHost);
    case 'registry-mirrors':
      return v['registry-mirrors']!.map(validateMirror);
    case 'insecure-registries':
      return v['insecure-registries']!.map(normalizeInsecureRegistry);
    case 'log-level':
      return parseLogLevel(v['log-level']!);
    case 'data-root':
    case 'exec-root':
    case 'pidfile':
      return absolutePath(key, v[key]!);
    default:
      return v[key];
  }
}

export interface ReloadResult {
  config: DaemonConfig;
  /** Reloadable keys whose value changed. */
  changed: DaemonJsonKey[];
  /** Keys of the file that differ from the running configuration but need a restart. */
  ignored: DaemonJsonKey[];
}

/**
 * Re-read daemon.json (SIGHUP) and apply the reloadable keys: registry-mirrors,
 * insecure-registries, log-level, debug, live-restore, max-concurrent-downloads
 * and -uploads. As in dockerd, a reloadable key absent from the file keeps its
 * value, except max-concurrent-* which return to their defaults; keys given
 * as flags (pass the daemon's argv) keep their flag values and may not appear
 * in the file. Throws InvalidParameterError and changes nothing on error.
 */
export function reloadDaemonConfig(current: DaemonConfig, readFile: ReadFile, argv: readonly string[] = []): ReloadResult {
  const flags = parseDaemonFlags(argv);
  const file = readDaemonJson(current.configFile, flags.configFile !== undefined, readFile, flags) ?? {};
  wrapped('file configuration validation failed: ', () => validateCommon(file));
  const before = configToJson(current);
  const after: DaemonJson = { ...before };
  const a = after as Record<string, unknown>;
  const changed: DaemonJsonKey[] = [];
  for (const key of RELOADABLE_KEYS) {
    if (file[key] !== undefined) a[key] = normalized(key, file);
    else if (key === 'max-concurrent-downloads' && !flags.set.has(key)) a[key] = DEFAULT_MAX_CONCURRENT_DOWNLOADS;
    else if (key === 'max-concurrent-uploads' && !flags.set.has(key)) a[key] = DEFAULT_MAX_CONCURRENT_UPLOADS;
    if (JSON.stringify(a[key]) !== JSON.stringify((before as Record<string, unknown>)[key])) changed.push(key);
  }
  const ignored = (Object.keys(file) as DaemonJsonKey[]).filter(
    (key) =>
      !RELOADABLE_KEYS.includes(key) &&
      JSON.stringify(normalized(key, file)) !== JSON.stringify((before as Record<string, unknown>)[key]),
  );
  const config: DaemonConfig = {
    ...current,
    registryMirrors: after['registry-mirrors']!,
    insecureRegistries: after['insecure-registries']!,
    logLevel: after['log-level'] as DaemonConfig['logLevel'],
    debug: after.debug!,
    liveRestore: after['live-restore']!,
    maxConcurrentDownloads: after['max-concurrent-downloads']!,
    maxConcurrentUploads: after['max-concurrent-uploads']!,
  };
  return { config, changed, ignored };
}
