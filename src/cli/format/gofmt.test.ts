import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFloat, goString, quote } from './gofmt.ts';
import { sprintf } from './printf.ts';

test('formatFloat %g with precision matches strconv', () => {
  assert.equal(formatFloat(4.26, 'g', 3), '4.26');
  assert.equal(formatFloat(1.5, 'g', 4), '1.5');
  assert.equal(formatFloat(100, 'g', 4), '100');
  assert.equal(formatFloat(999.999, 'g', 3), '1e+03');
  assert.equal(formatFloat(1234, 'g', 3), '1.23e+03');
  assert.equal(formatFloat(0, 'g', 3), '0');
  assert.equal(formatFloat(0.0001234, 'g', 2), '0.00012');
  assert.equal(formatFloat(0.00001234, 'g', 2), '1.2e-05');
});

test('formatFloat %e/%f round half to even on the exact value', () => {
  assert.equal(formatFloat(2.5, 'f', 0), '2');
  assert.equal(formatFloat(3.5, 'f', 0), '4');
  assert.equal(formatFloat(1.125, 'f', 2), '1.12');
  assert.equal(formatFloat(0.009, 'f', 2), '0.01');
  assert.equal(formatFloat(-1.5, 'f', 3), '-1.500');
  assert.equal(formatFloat(1234.5678, 'e', 6), '1.234568e+03');
  assert.equal(formatFloat(0, 'e', 2), '0.00e+00');
  assert.equal(formatFloat(Infinity, 'g', -1), '+Inf');
});

test('goString nests maps and slices', () => {
  assert.equal(goString({ z: [1, { y: null }], a: 'b' }), 'map[a:b z:[1 map[y:<nil>]]]');
});

test('quote follows strconv.Quote', () => {
  assert.equal(quote('a"b\\c\n\x01é'), '"a\\"b\\\\c\\n\\x01é"');
});

test('sprintf: widths, flags and integer verbs', () => {
  assert.equal(sprintf('%5d|%-5d|%05d|%+d', [42, 42, 42, 5]), '   42|42   |00042|+5');
  assert.equal(sprintf('%x %X %o %b %c %U', [255, 255, 8, 5, 65, 0x1f600]), 'ff FF 10 101 A U+1F600');
  assert.equal(sprintf('%-20s|', ['busybox']), 'busybox             |');
  assert.equal(sprintf('%.3s|%8.3f|%*d', ['abcdef', 3.14159, 4, 7]), 'abc|   3.142|   7');
});

test('sprintf: %v %q %T and bad operands', () => {
  assert.equal(sprintf('%v %v %v %v', [[1, 'a'], { k: 'v' }, null, 1.5]), '[1 a] map[k:v] <nil> 1.5');
  assert.equal(sprintf('%q %T %T', ['hi', 'x', 1.5]), '"hi" string float64');
  assert.equal(sprintf('%d %s', ['x', 5]), '%!d(string=x) %!s(int=5)');
  assert.equal(sprintf('%d', [1, 2]), '1%!(EXTRA int=2)');
  assert.equal(sprintf('100%%', []), '100%');
});
