import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerResolvConf } from './etc-files.ts';

const HOST = 'nameserver 10.255.255.53\nsearch corp.example\noptions edns0\n';
const none = { dns: [], search: [], options: [] };

test('resolv.conf: each --dns flag replaces its kind of line and keeps the host\'s others (dockerd)', () => {
  assert.equal(containerResolvConf(HOST, false, none), HOST);
  assert.equal(containerResolvConf(HOST, false, { ...none, search: ['a.b'] }), 'search a.b\nnameserver 10.255.255.53\noptions edns0\n');
  assert.equal(containerResolvConf(HOST, false, { ...none, options: ['ndots:3'] }), 'search corp.example\nnameserver 10.255.255.53\noptions ndots:3\n');
  assert.equal(containerResolvConf(HOST, false, { ...none, search: ['.'] }), 'nameserver 10.255.255.53\noptions edns0\n', '"." removes the search line');
  assert.equal(containerResolvConf(HOST, false, { dns: ['1.1.1.1'], search: ['x.y'], options: ['ndots:2'] }), 'search x.y\nnameserver 1.1.1.1\noptions ndots:2\n');
});

test('resolv.conf: the host\'s loopback resolvers are dropped outside the host network', () => {
  const local = 'nameserver 127.0.0.53\noptions trust-ad\n';
  assert.equal(containerResolvConf(local, false, none), 'options trust-ad\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  assert.equal(containerResolvConf(local, false, { ...none, search: ['s'] }), 'search s\nnameserver 8.8.8.8\nnameserver 8.8.4.4\noptions trust-ad\n');
  assert.equal(containerResolvConf(local, true, none), local, 'the host network keeps the host\'s file');
  assert.equal(containerResolvConf(local, true, { ...none, search: ['s'] }), 'search s\nnameserver 127.0.0.53\noptions trust-ad\n');
});
