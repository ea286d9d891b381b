/**
 * `berth registry serve|garbage-collect`: flag parsing only. The server is a
 * separate program in src/registry, loaded when one of these commands runs;
 * bin/berth.js provides it (the CLI layer never links it).
 */
import type { RegistryProgram } from '../../core/registry/types.ts';
import type { Command } from '../framework/command.ts';
import type { FlagSpec } from '../framework/flags.ts';

let loader: (() => Promise<RegistryProgram>) | undefined;

/** The entry point (bin/berth.js) hands the registry program in; the CLI layer itself never links it. */
export function provideRegistryProgram(load: () => Promise<RegistryProgram>): void {
  loader = load;
}

async function program(): Promise<RegistryProgram> {
  if (!loader) throw new Error('this build of berth has no registry server');
  return loader();
}

const s = (name: string, description: string, valueName?: string): FlagSpec => ({ name, kind: 'string', description, valueName });
const b = (name: string, description: string, def = false): FlagSpec => ({ name, kind: 'bool', description, default: def });

const SERVE_FLAGS: FlagSpec[] = [
  s('config', 'Configuration file (distribution config.yml format)', 'file'),
  s('addr', 'Address to listen on (default ":5000")', 'host:port'),
  s('root', 'Storage directory (default "/var/lib/registry")', 'dir'),
  s('tls-cert', 'TLS certificate file', 'file'),
  s('tls-key', 'TLS key file', 'file'),
  s('htpasswd', 'Require Basic authentication against this htpasswd file (bcrypt)', 'file'),
  s('realm', 'Realm of the Basic authentication challenge', 'realm'),
  b('token-auth', 'Require Bearer tokens from the built-in token issuer (/token)'),
  s('token-realm', 'Token issuer URL in challenges (default: this server\'s /token)', 'url'),
  s('token-service', 'Token service (audience) name', 'name'),
  s('token-issuer', 'Token issuer name', 'name'),
  s('token-key', 'ES256 private key (PEM) that signs tokens', 'file'),
  s('token-users', 'htpasswd file of the token issuer\'s users', 'file'),
  b('anonymous-pull', 'Token issuer grants pull to anonymous clients'),
  b('delete', 'Enable deletes of manifests, tags and blobs'),
  b('read-only', 'Refuse every write'),
  s('proxy-remote-url', 'Run as a pull-through cache of this registry', 'url'),
  s('proxy-username', 'Username for the upstream registry', 'user'),
  s('proxy-password', 'Password for the upstream registry', 'password'),
  { name: 'catalog-max-entries', kind: 'int', description: 'Most repositories per _catalog page (default 1000)', default: 0 },
  b('access-log', 'Log each request as a JSON line on stdout', true),
  s('max-manifest-size', 'Largest manifest accepted (default 4M)', 'size'),
  s('max-blob-size', 'Largest blob accepted (default: no limit)', 'size'),
  s('gc-interval', 'Run the garbage collector in the background this often (e.g. 1h)', 'duration'),
  s('gc-grace', 'Never collect content younger than this (default 10m)', 'duration'),
  b('delete-untagged', 'Background collector also deletes untagged manifests'),
];

function serveCommand(): Command {
  return {
    name: 'serve',
    usage: '[OPTIONS] [CONFIG]',
    short: 'Run an OCI distribution registry',
    flags: SERVE_FLAGS,
    args: { max: 1 },
    async run(ctx, p) {
      const configFile = (p.flags.config as string) || p.args[0] || undefined;
      const flags = Object.fromEntries([...p.changed].map((k) => [k, p.flags[k]]));
      return (await program()).serve({ configFile, flags, stdout: ctx.stdout, stderr: ctx.stderr });
    },
  };
}

function gcCommand(): Command {
  return {
    name: 'garbage-collect',
    usage: '[OPTIONS] [CONFIG]',
    short: 'Delete blobs and manifests no longer referenced',
    flags: [
      s('config', 'Configuration file', 'file'),
      s('root', 'Storage directory (default "/var/lib/registry")', 'dir'),
      { name: 'dry-run', short: 'd', kind: 'bool', description: 'Only print what would be deleted', default: false },
      { name: 'delete-untagged', short: 'm', kind: 'bool', description: 'Also delete manifests that no tag reaches', default: false },
      s('grace', 'Never collect content younger than this (default 10m)', 'duration'),
    ],
    args: { max: 1 },
    async run(ctx, p) {
      const configFile = (p.flags.config as string) || p.args[0] || undefined;
      const flags = Object.fromEntries([...p.changed].map((k) => [k, p.flags[k]]));
      return (await program()).garbageCollect({ configFile, flags, stdout: ctx.stdout, stderr: ctx.stderr });
    },
  };
}

export function registryCommand(): Command {
  return {
    name: 'registry',
    usage: 'COMMAND',
    short: 'Run and maintain an OCI registry',
    subcommands: [serveCommand(), gcCommand()],
  };
}
