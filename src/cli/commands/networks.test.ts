import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goTime, networkRow } from './networks.ts';

test('network CreatedAt is Go\'s time.String of the parsed time', () => {
  assert.equal(goTime('2026-11-23T09:07:09.071890128Z'), '2026-11-23 09:07:09.071890128 +0000 UTC');
  assert.equal(goTime('2026-11-23T09:07:09.070000000Z'), '2026-11-23 09:07:09.07 +0000 UTC');
  assert.equal(goTime('2026-11-23T09:07:09Z'), '2026-11-23 09:07:09 +0000 UTC');
  assert.equal(goTime('2026-11-23T09:07:09.5+02:00'), '2026-11-23 09:07:09.5 +0200 +0200');
});

test('network rows carry IPv4 and IPv6 as docker CLI 28 shows them', () => {
  const row = networkRow({ Name: 'n', Id: 'a'.repeat(64), Created: '2026-11-23T09:07:09.1Z', Scope: 'local', Driver: 'bridge', EnableIPv4: true, EnableIPv6: false, Internal: false, Labels: null }, true);
  assert.equal(JSON.stringify(row), '{"CreatedAt":"2026-11-23 09:07:09.1 +0000 UTC","Driver":"bridge","ID":"aaaaaaaaaaaa","IPv4":"true","IPv6":"false","Internal":"false","Labels":"","Name":"n","Scope":"local"}');
});
