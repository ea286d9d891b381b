import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerRecord } from '../core/containers/types.ts';
import type { EndpointRecord, NetworkRecord } from '../core/network/types.ts';
import { lookupName, upstreamsFor, type DnsView } from './dns-view.ts';

const net = (id: string, name: string, gw: string, isDefault = false): NetworkRecord =>
  ({ id, name, driver: 'bridge', isDefault, labels: { team: id }, ipam: { Config: [{ Subnet: `${gw}/24`, Gateway: gw }] } } as unknown as NetworkRecord);
const ctr = (id: string, name: string, dns: string[] = []): ContainerRecord => ({ id, name, hostConfig: { Dns: dns } } as unknown as ContainerRecord);
const ep = (containerId: string, networkId: string, ip: string, aliases: string[] = []): EndpointRecord =>
  ({ containerId, networkId, seq: 1, config: { Aliases: aliases }, state: { ip, ipv6: '' } } as unknown as EndpointRecord);

function view(): DnsView {
  const nets = [net('n1', 'front', '10.1.0.1'), net('n0', 'bridge', '10.0.0.1', true)];
  const eps = [ep('a'.repeat(64), 'n1', '10.1.0.2', ['Web']), ep('b'.repeat(64), 'n0', '10.0.0.2'), ep('c'.repeat(64), 'n1', '10.1.0.3')];
  const cs = new Map([ctr('a'.repeat(64), '/app'), ctr('b'.repeat(64), '/old', ['9.9.9.9']), ctr('c'.repeat(64), '/app2', ['1.1.1.1'])].map((c) => [c.id, c]));
  return {
    bridges: () => nets,
    endpoints: (q) => eps.filter((e) => !q.networkId || e.networkId === q.networkId),
    containers: { byId: (id) => cs.get(id) },
    hostResolvers: () => ['192.0.2.53'],
  };
}

test('dns view: names, short IDs and aliases on a user network; nothing on the default bridge', () => {
  const v = view();
  assert.deepEqual(lookupName(v, '10.1.0.1', 'app'), { v4: ['10.1.0.2'], v6: [] });
  assert.deepEqual(lookupName(v, '10.1.0.1', 'web'), { v4: ['10.1.0.2'], v6: [] }, 'aliases match case-insensitively');
  assert.deepEqual(lookupName(v, '10.1.0.1', 'c'.repeat(12)), { v4: ['10.1.0.3'], v6: [] });
  assert.equal(lookupName(v, '10.1.0.1', 'old'), null, 'a container of another network');
  assert.equal(lookupName(v, '10.0.0.1', 'old'), null, 'the default bridge has no names');
  assert.deepEqual(upstreamsFor(v, '10.1.0.3'), ['1.1.1.1']);
  assert.deepEqual(upstreamsFor(v, '10.1.0.2'), ['192.0.2.53'], 'no --dns: the host resolvers');
});

test('dns view: a link of the asking endpoint (--link target:alias on a user network) names the target for it alone', () => {
  const v = view();
  const asking = v.endpoints({ networkId: 'n1' }).find((e) => e.state?.ip === '10.1.0.3')!;
  asking.config.Links = ['app:Db', 'app2'];
  assert.deepEqual(lookupName(v, '10.1.0.1', 'db', '10.1.0.3'), { v4: ['10.1.0.2'], v6: [] });
  assert.equal(lookupName(v, '10.1.0.1', 'db', '10.1.0.2'), null, 'another container does not see the alias');
  assert.equal(lookupName(v, '10.1.0.1', 'db'), null);
  assert.deepEqual(lookupName(v, '10.1.0.1', 'app2', '10.1.0.3'), { v4: ['10.1.0.3'], v6: [] }, 'a bare link is the target by its own name');
});
