import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameterError } from '../core/errors.ts';
import { parseFilters } from '../core/filters.ts';
import type { NetworkRecord } from '../core/network/types.ts';
import { filterNetworks } from './filter.ts';

const net = (id: string, name: string, driver = 'bridge', labels: Record<string, string> = {}): NetworkRecord =>
  ({ id, name, driver, isDefault: false, labels } as unknown as NetworkRecord);
const nets = [net('aa11', 'host', 'host'), net('bb22', 'n1'), net('cc33', 'n2', 'bridge', { nl: '1', other: 'x' }), net('dd44', 'none', 'null'), net('ee55', 'web')];
const f = (x: Record<string, string[]>) => parseFilters(JSON.stringify(x), ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
const names = (x: Record<string, string[]>): string[] => filterNetworks(nets, f(x)).map((n) => n.name);
const err = (msg: string) => (e: unknown): boolean => e instanceof InvalidParameterError && e.message === msg;

test('name and id: equal, or a Go regexp matching anywhere', () => {
  assert.deepEqual(names({ name: ['^n'] }), ['n1', 'n2', 'none']);
  assert.deepEqual(names({ name: ['n.$'] }), ['n1', 'n2', 'none']);
  assert.deepEqual(names({ name: ['['] }), [], 'a bad regexp matches only itself');
  assert.deepEqual(names({ id: ['b2'] }), ['n1'], 'not only a prefix');
  assert.deepEqual(names({ id: ['^c'] }), ['n2']);
});

test('driver and scope exactly; labels all', () => {
  assert.deepEqual(names({ driver: ['bri'] }), []);
  assert.deepEqual(names({ driver: ['null', 'host'] }), ['host', 'none']);
  assert.deepEqual(names({ scope: ['swarm'] }), []);
  assert.deepEqual(names({ scope: ['local'] }).length, 5);
  assert.deepEqual(names({ label: ['nl', 'other=x'] }), ['n2']);
  assert.deepEqual(names({ label: ['nl=2'] }), []);
});

test('dangling: the predefined networks are in use, every other one dangling (as dockerd lists them)', () => {
  assert.deepEqual(names({ dangling: ['true'] }), ['n1', 'n2', 'web']);
  assert.deepEqual(names({ dangling: ['1'] }), ['n1', 'n2', 'web']);
  assert.deepEqual(names({ dangling: ['false'] }), ['host', 'none']);
  assert.throws(() => names({ dangling: ['TRUE'] }), err('invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")'));
  assert.throws(() => names({ dangling: ['true', 'false'] }), err('got more than one value for filter key "dangling"'));
});

test('type: builtin then custom, and the error for another', () => {
  assert.deepEqual(names({ type: ['custom'] }), ['n1', 'n2', 'web']);
  assert.deepEqual(names({ type: ['builtin', 'custom'] }), ['host', 'none', 'n1', 'n2', 'web']);
  assert.throws(() => names({ type: ['bad'] }), err("invalid filter: 'type'='bad'"));
  assert.throws(() => names({ type: ['bad'], name: ['nothing'] }), err("invalid filter: 'type'='bad'"), 'even when nothing is left');
});
