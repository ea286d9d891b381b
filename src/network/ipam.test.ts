import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateIp, bigToIp, carveSubnet, cidrString, contains, firstHost, ipToBig, macForIp, overlaps, parseCidr } from './ipam.ts';

describe('ipam', () => {
  it('parses and prints IPv4 and IPv6 CIDRs, masking host bits', () => {
    assert.equal(cidrString(parseCidr('10.1.2.3/16')), '10.1.0.0/16');
    assert.equal(cidrString(parseCidr('fd00:1:2::5/64')), 'fd00:1:2::/64');
    assert.equal(bigToIp(ipToBig('::ffff:1.2.3.4'), 6), '::ffff:102:304');
    assert.equal(bigToIp(ipToBig('2001:db8::1'), 6), '2001:db8::1');
    assert.throws(() => parseCidr('10.1.2.3'), /invalid CIDR address: 10.1.2.3/);
    assert.throws(() => parseCidr('10.1.2.3/33'), /invalid CIDR address/);
    assert.throws(() => parseCidr('nope/8'), /invalid CIDR address/);
  });

  it('tells overlap and containment', () => {
    assert.ok(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.5.0.0/16')));
    assert.ok(!overlaps(parseCidr('10.0.0.0/16'), parseCidr('10.1.0.0/16')));
    assert.ok(!overlaps(parseCidr('10.0.0.0/8'), parseCidr('fd00::/8')));
    assert.ok(contains(parseCidr('192.168.1.0/24'), '192.168.1.77'));
    assert.ok(!contains(parseCidr('192.168.1.0/24'), '192.168.2.1'));
  });

  it('carves the first free subnet of the pools, skipping used ones and host routes', () => {
    const pools = [{ base: '10.10.0.0/16', size: 24 }, { base: '10.20.0.0/16', size: 24 }];
    assert.equal(cidrString(carveSubnet(pools, [])!), '10.10.0.0/24');
    assert.equal(cidrString(carveSubnet(pools, [parseCidr('10.10.0.0/23')])!), '10.10.2.0/24');
    assert.equal(cidrString(carveSubnet(pools, [parseCidr('10.10.0.0/16')])!), '10.20.0.0/24');
    assert.equal(carveSubnet([{ base: '10.10.0.0/24', size: 24 }], [parseCidr('10.0.0.0/8')]), null);
  });

  it('allocates addresses in the subnet or range, never network, gateway, broadcast or used ones', () => {
    const s = parseCidr('10.9.0.0/30');
    assert.equal(firstHost(s), '10.9.0.1');
    assert.equal(allocateIp(s, new Set(['10.9.0.1'])), '10.9.0.2');
    assert.equal(allocateIp(s, new Set(['10.9.0.1', '10.9.0.2'])), null, 'broadcast is not handed out');
    const big = parseCidr('10.9.0.0/16');
    assert.equal(allocateIp(big, new Set(), parseCidr('10.9.5.128/25')), '10.9.5.128');
    assert.equal(macForIp('172.17.0.2'), '02:42:ac:11:00:02');
  });
});
