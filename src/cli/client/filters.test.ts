import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFilters, filterMap, parseFilterArg, validateFilterArg } from './filters.ts';

test('buildFilters produces docker filters JSON', () => {
  assert.equal(buildFilters(['dangling=true', 'label=a=b']), '{"dangling":{"true":true},"label":{"a=b":true}}');
  assert.equal(buildFilters(['label=a', 'label=b', 'label=a']), '{"label":{"a":true,"b":true}}');
});

test('buildFilters lowercases names and trims like docker; nothing to filter gives undefined', () => {
  assert.equal(buildFilters([' Status = running ']), '{"status":{"running":true}}');
  assert.equal(buildFilters(['name=']), '{"name":{"":true}}');
  assert.equal(buildFilters([]), undefined);
  assert.equal(buildFilters(['']), undefined);
  assert.equal(buildFilters(['__proto__=x']), '{"__proto__":{"x":true}}');
});

test('a filter without = is rejected with docker wording', () => {
  assert.throws(() => buildFilters(['dangling']), { message: 'bad format of filter (expected name=value)' });
  assert.throws(() => parseFilterArg('x'), { message: 'bad format of filter (expected name=value)' });
  assert.throws(() => validateFilterArg('x'), /bad format of filter/);
  assert.doesNotThrow(() => validateFilterArg(''));
  assert.deepEqual(parseFilterArg('before=img:1'), ['before', 'img:1']);
  assert.deepEqual([...filterMap(['a=1', 'b=2', 'a=3'])], [['a', ['1', '3']], ['b', ['2']]]);
});
