/**
 * Which URLs a registry name is reached at, in order: mirrors (docker.io
 * pulls only), then the registry itself; https first, with unverified TLS
 * and a plain-http fallback only for insecure registries (configured CIDRs
 * or host:port, and loopback by default).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export const DOCKER_HUB_HOST = 'registry-1.docker.io';
export const INDEX_SERVER = 'https://index.docker.io/v1/';
const DEFAULT_INSECURE_CIDRS = ['127.0.0.0/8', '::1/128'];

export interface RegistrySettings {
  mirrors: string[];
  insecure: string[];
}

export interface Endpoint {
  /** "https://host:port" (no trailing slash; a mirror may carry a path). */
  url: string;
  /** Skip TLS verification. */
  insecure: boolean;
  mirror: boolean;
}

function hostOf(domain: string): { host: string; port: string } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(domain);
  return m ? { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ?? '' } : { host: domain, port: '' };
}

/** True when `domain` ("host[:port]") is an insecure registry under these settings. */
export async function isInsecure(domain: string, settings: RegistrySettings): Promise<boolean> {
  const bare = domain.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const cidrs: string[] = [...DEFAULT_INSECURE_CIDRS];
  for (const i of settings.insecure) {
    if (i.includes('/')) cidrs.push(i);
    else if (i === bare) return true;
  }
  const { host } = hostOf(bare);
  let addrs: string[];
  if (isIP(host)) addrs = [host];
  else {
    try {
      addrs = (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      return false;
    }
  }
  const list = new BlockList();
  for (const c of cidrs) {
    const [net, bits] = c.split('/');
    const fam = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    try { list.addSubnet(net, Number(bits), fam); } catch { /* ignore a malformed entry */ }
  }
  return addrs.some((a) => list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
}

/** The endpoints for `domain` ("docker.io", "host:5000"), in the order to try. */
export async function endpointsFor(domain: string, settings: RegistrySettings, opts: { push?: boolean } = {}): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  if (domain === 'docker.io') {
    if (!opts.push) {
      for (const m of settings.mirrors) {
        const url = m.replace(/\/+$/, '');
        const insecure = await isInsecure(new URL(url).host, settings);
        out.push({ url, insecure, mirror: true });
        if (insecure && url.startsWith('https:')) out.push({ url: url.replace(/^https:/, 'http:'), insecure, mirror: true });
      }
    }
    out.push({ url: `https://${DOCKER_HUB_HOST}`, insecure: false, mirror: false });
    return out;
  }
  const insecure = await isInsecure(domain, settings);
  out.push({ url: `https://${domain}`, insecure, mirror: false });
  if (insecure) out.push({ url: `http://${domain}`, insecure, mirror: false });
  return out;
}

/** The key credentials are stored under for a registry domain. */
export function authKey(domain: string): string {
  return domain === 'docker.io' ? INDEX_SERVER : domain;
}
