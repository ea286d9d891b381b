import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainNames, firewallTag, jumps, rulesFor } from './iptables.ts';

describe('firewall rules', () => {
  const tag = firewallTag('/var/lib/berth-test');
  const rules = rulesFor(tag, {
    networks: [{ bridge: 'br0', subnet: '10.1.0.0/24', internal: false }, { bridge: 'br1', subnet: '10.2.0.0/24', internal: true }],
    ports: [{ bridge: 'br0', subnet: '10.1.0.0/24', proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.1.0.2', containerPort: 80 },
      { bridge: 'br0', subnet: '10.1.0.0/24', proto: 'udp', hostIp: '127.0.0.1', hostPort: 5353, containerIp: '10.1.0.3', containerPort: 53 }],
  });
  const c = chainNames(tag);

  it('names chains after the tag and keeps them within iptables limits', () => {
    assert.match(tag, /^[0-9a-f]{6}$/);
    assert.notEqual(tag, firewallTag('/other/root'));
    for (const name of Object.values(c)) assert.ok(name.length <= 28 && name.includes(tag), name);
    for (const [, , args] of jumps(c)) assert.ok(args.some((a) => a.includes(tag)));
  });

  it('declares (flushes) only its own chains and adds every rule to them', () => {
    const lines = rules.split('\n').filter(Boolean);
    for (const l of lines.filter((x) => x.startsWith('-A '))) assert.ok(l.split(' ')[1].includes(`BERTH-${tag}-`), l);
    for (const l of lines.filter((x) => x.startsWith(':'))) assert.ok(l.includes(`BERTH-${tag}-`), l);
    assert.equal(lines.filter((l) => l === 'COMMIT').length, 2);
  });

  it('masquerades outbound traffic of non-internal networks and isolates internal ones', () => {
    assert.ok(rules.includes(`-A ${c.post} -s 10.1.0.0/24 ! -o br0 -j MASQUERADE`));
    assert.ok(!rules.includes('-s 10.2.0.0/24 ! -o br1 -j MASQUERADE'));
    assert.ok(rules.includes(`-A ${c.fwd} -i br1 ! -o br1 -j DROP`));
    assert.ok(rules.includes(`-A ${c.iso1} -i br0 ! -o br0 -j ${c.iso2}`));
    assert.ok(rules.includes(`-A ${c.iso2} -o br1 -j DROP`));
  });

  it('DNATs published ports, by host address when given, and masquerades hairpin traffic', () => {
    assert.ok(rules.includes(`-A ${c.dnat} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80`));
    assert.ok(rules.includes(`-A ${c.dnat} -d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.1.0.3:53`));
    assert.ok(rules.includes(`-A ${c.fwd} -d 10.1.0.2/32 ! -i br0 -o br0 -p tcp -m tcp --dport 80 -j ACCEPT`));
    assert.ok(rules.includes(`-A ${c.post} -s 10.1.0.0/24 -d 10.1.0.2/32 -o br0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -j MASQUERADE`));
    assert.ok(rules.includes(`-A ${c.post} -s 127.0.0.0/8 -o br0 -j MASQUERADE`));
  });
});
