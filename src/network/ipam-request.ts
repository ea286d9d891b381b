import { ForbiddenError, InvalidParameterError } from '../core/errors.ts';
import type { IpamConfig } from '../core/network/types.ts';
import { cidrString, contains, firstHost, overlaps, parseCidr, type Cidr } from './ipam.ts';

/**
 * The subnets, gateways and ranges of a network create request, checked
 * with dockerd's words; `used`: the subnets of the networks there are.
 */
export function checkIpam(given: IpamConfig[], ipv6: boolean, used: Cidr[]): IpamConfig[] {
  const out: IpamConfig[] = [];
  const errs: string[] = [];
  for (const g of given) {
    let sub: Cidr;
    try {
      sub = parseCidr(g.Subnet ?? '');
    } catch {
      errs.push(`invalid subnet ${g.Subnet}: invalid CIDR address: ${g.Subnet}`);
      continue;
    }
    if (cidrString(sub) !== g.Subnet) errs.push(`invalid subnet ${g.Subnet}: it should be ${cidrString(sub)}`);
    if (sub.family === 6 && !ipv6) errs.push(`invalid subnet ${g.Subnet}: IPv6 subnet requires --ipv6`);
    if (g.IPRange) {
      try {
        const r = parseCidr(g.IPRange);
        if (!overlaps(r, sub) || r.bits < sub.bits) errs.push(`invalid ip-range ${g.IPRange}: it should be within its parent subnet ${g.Subnet}`);
      } catch {
        errs.push(`invalid ip-range ${g.IPRange}: invalid CIDR address: ${g.IPRange}`);
      }
    }
    if (g.Gateway && !contains(sub, g.Gateway)) errs.push(`invalid gateway ${g.Gateway}: it should be within its parent subnet ${g.Subnet}`);
    if (sub.family === 4 && sub.bits > 30) errs.push(`invalid subnet ${g.Subnet}: too small for a network`);
    out.push({ Subnet: cidrString(sub), Gateway: g.Gateway || firstHost(sub), ...(g.IPRange ? { IPRange: g.IPRange } : {}) });
  }
  if (errs.length) throw new InvalidParameterError(`invalid network config:\n${errs.join('\n')}`);
  for (let i = 0; i < out.length; i++) {
    const s = parseCidr(out[i].Subnet);
    if (used.some((m) => overlaps(m, s)) || out.slice(0, i).some((o) => overlaps(parseCidr(o.Subnet), s))) {
      throw new ForbiddenError('invalid pool request: Pool overlaps with other one on this address space');
    }
  }
  return out;
}
