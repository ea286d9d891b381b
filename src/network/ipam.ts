/** Address management: CIDR arithmetic (IPv4 and IPv6), subnet carving from pools, address allocation. */
import { isIP } from 'node:net';
import { InvalidParameterError } from '../core/errors.ts';

export interface Cidr { family: 4 | 6; base: bigint; bits: number }

const width = (f: 4 | 6): number => (f === 4 ? 32 : 128);

export function ipToBig(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n);
  if (isIP(ip) !== 6) throw new InvalidParameterError(`invalid IP address: ${ip}`);
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  let t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // IPv4-mapped tail
  const last = (tail === undefined ? h : t).at(-1) ?? '';
  if (last.includes('.')) {
    const v4 = ipToBig(last);
    const parts = [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
    if (tail === undefined) h.splice(-1, 1, ...parts); else t = [...t.slice(0, -1), ...parts];
  }
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

export function bigToIp(v: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const g: string[] = [];
  for (let i = 7; i >= 0; i--) g.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // longest run of zero groups becomes '::'
  let best = -1; let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/** Parse "a.b.c.d/n"; the address is masked to the network unless keepHost. */
export function parseCidr(s: string, keepHost = false): Cidr {
  const slash = s.indexOf('/');
  const ip = slash < 0 ? s : s.slice(0, slash);
  const fam = isIP(ip);
  if (fam === 0 || slash < 0 || !/^\d{1,3}$/.test(s.slice(slash + 1))) throw new InvalidParameterError(`invalid CIDR address: ${s}`);
  const family = fam as 4 | 6;
  const bits = Number(s.slice(slash + 1));
  if (bits > width(family)) throw new InvalidParameterError(`invalid CIDR address: ${s}`);
  const v = ipToBig(ip);
  return { family, base: keepHost ? v : v & mask(family, bits), bits };
}

function mask(family: 4 | 6, bits: number): bigint {
  const w = BigInt(width(family));
  return ((1n << w) - 1n) ^ ((1n << (w - BigInt(bits))) - 1n);
}

export function cidrString(c: Cidr): string {
  return `${bigToIp(c.base, c.family)}/${c.bits}`;
}

export function size(c: Cidr): bigint {
  return 1n << BigInt(width(c.family) - c.bits);
}

export function contains(c: Cidr, ip: string): boolean {
  if (isIP(ip) !== c.family) return false;
  return (ipToBig(ip) & mask(c.family, c.bits)) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const bits = Math.min(a.bits, b.bits);
  const m = mask(a.family, bits);
  return (a.base & m) === (b.base & m);
}

/** First subnet of `pool.size` bits in one of the pools that overlaps none of `used`. */
export function carveSubnet(pools: readonly { base: string; size: number }[], used: readonly Cidr[]): Cidr | null {
  for (const p of pools) {
    const base = parseCidr(p.base);
    const step = 1n << BigInt(width(base.family) - p.size);
    const count = 1n << BigInt(p.size - base.bits);
    for (let i = 0n; i < count && i < 65536n; i++) {
      const cand: Cidr = { family: base.family, base: base.base + i * step, bits: p.size };
      if (!used.some((u) => overlaps(u, cand))) return cand;
    }
  }
  return null;
}

/** The first usable host address (the default gateway). */
export function firstHost(c: Cidr): string {
  return bigToIp(c.base + 1n, c.family);
}

/**
 * A free address in `range` (default: the subnet), skipping network and
 * broadcast addresses (IPv4) and everything in `used`.
 */
export function allocateIp(subnet: Cidr, used: ReadonlySet<string>, range?: Cidr): string | null {
  const r = range ?? subnet;
  const n = size(r);
  const bcast = subnet.base + size(subnet) - 1n;
  for (let i = 0n; i < n && i < 1n << 20n; i++) {
    const v = r.base + i;
    if (v === subnet.base) continue;
    if (subnet.family === 4 && v === bcast) continue;
    const ip = bigToIp(v, subnet.family);
    if (!used.has(ip)) return ip;
  }
  return null;
}

/** docker's MAC for an IPv4 address: 02:42 followed by the four address bytes. */
export function macForIp(ip: string): string {
  const b = ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return ['02', '42', ...b].join(':');
}
