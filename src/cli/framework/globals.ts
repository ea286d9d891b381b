/** The root command's global flags and how they resolve (host, config directory). */
import { join } from 'node:path';
import type { FlagSpec } from './flags.ts';

export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

/** Levels logrus.ParseLevel accepts (docker's --log-level). */
export const LOG_LEVELS: readonly string[] = ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'];

export function isLogLevel(s: string): boolean {
  return LOG_LEVELS.includes(s.toLowerCase());
}

/** The client configuration directory: $DOCKER_CONFIG, else ~/.docker (shared with docker for auth). */
export function defaultConfigDir(env: Record<string, string | undefined>): string {
  return env.DOCKER_CONFIG || join(env.HOME || '/root', '.docker');
}

/** -H wins, then $BERTH_HOST, then $DOCKER_HOST, then the default socket. */
export function resolveHost(flag: string | undefined, env: Record<string, string | undefined>): string {
  return flag || env.BERTH_HOST || env.DOCKER_HOST || DEFAULT_HOST;
}

export function globalFlags(env: Record<string, string | undefined>): FlagSpec[] {
  const configDir = defaultConfigDir(env);
  const certDir = env.DOCKER_CERT_PATH || configDir;
  const tlsVerify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '';
  return [
    { name: 'config', kind: 'string', description: 'Location of client config files', default: configDir },
    { name: 'debug', short: 'D', kind: 'bool', description: 'Enable debug mode' },
    { name: 'host', short: 'H', kind: 'list', description: 'Daemon socket to connect to' },
    {
      name: 'log-level', short: 'l', kind: 'string', default: 'info',
      description: 'Set the logging level ("debug", "info", "warn", "error", "fatal")',
    },
    { name: 'tls', kind: 'bool', description: 'Use TLS; implied by --tlsverify' },
    { name: 'tlscacert', kind: 'string', description: 'Trust certs signed only by this CA', default: join(certDir, 'ca.pem') },
    { name: 'tlscert', kind: 'string', description: 'Path to TLS certificate file', default: join(certDir, 'cert.pem') },
    { name: 'tlskey', kind: 'string', description: 'Path to TLS key file', default: join(certDir, 'key.pem') },
    { name: 'tlsverify', kind: 'bool', description: 'Use TLS and verify the remote', default: tlsVerify },
    { name: 'version', short: 'v', kind: 'bool', description: 'Print version information and quit' },
  ];
}
