import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ForbiddenError, InvalidParameterError } from '../core/errors.ts';
import { parseCidr } from './ipam.ts';
import { checkIpam } from './ipam-request.ts';

test('ipam request: gateways filled in, ranges kept, every mistake named in one error', () => {
  assert.deepEqual(checkIpam([{ Subnet: '10.5.0.0/16', IPRange: '10.5.1.0/24' }], false, []),
    [{ Subnet: '10.5.0.0/16', Gateway: '10.5.0.1', IPRange: '10.5.1.0/24' }]);
  assert.throws(() => checkIpam([{ Subnet: '10.5.0.1/16', Gateway: '10.6.0.1' }, { Subnet: 'fd00::/64' }, { Subnet: 'nope' }], false, []), (e: unknown) =>
    e instanceof InvalidParameterError && e.message === 'invalid network config:\n'
      + 'invalid subnet 10.5.0.1/16: it should be 10.5.0.0/16\n'
      + 'invalid gateway 10.6.0.1: it should be within its parent subnet 10.5.0.1/16\n'
      + 'invalid subnet fd00::/64: IPv6 subnet requires --ipv6\n'
      + 'invalid subnet nope: invalid CIDR address: nope');
  assert.throws(() => checkIpam([{ Subnet: '10.5.0.0/31' }], false, []), /too small for a network/);
  assert.throws(() => checkIpam([{ Subnet: '10.5.0.0/16', IPRange: '10.6.0.0/24' }], false, []), /it should be within its parent subnet 10.5.0.0\/16/);
});

test('ipam request: overlaps with a network there is, or within the request, are refused', () => {
  const used = [parseCidr('172.20.0.0/16')];
  assert.throws(() => checkIpam([{ Subnet: '172.20.5.0/24' }], false, used), (e: unknown) => e instanceof ForbiddenError && /Pool overlaps/.test(e.message));
  assert.throws(() => checkIpam([{ Subnet: '10.0.0.0/8' }, { Subnet: '10.1.0.0/16' }], false, []), /Pool overlaps/);
  assert.equal(checkIpam([{ Subnet: '172.21.0.0/16' }], false, used).length, 1);
});
