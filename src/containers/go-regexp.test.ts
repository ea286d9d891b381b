import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoRegexp } from './go-regexp.ts';

const err = (src: string): string => {
  try {
    compileGoRegexp(src);
  } catch (e) {
    return (e as Error).message;
  }
  return 'compiled';
};

test('Go\'s errors for what RE2 rejects (as dockerd words them)', () => {
  assert.equal(err('['), 'error parsing regexp: missing closing ]: `[`');
  assert.equal(err('a[bc'), 'error parsing regexp: missing closing ]: `[bc`');
  assert.equal(err('(a'), 'error parsing regexp: missing closing ): `(a`');
  assert.equal(err('a)'), 'error parsing regexp: unexpected ): `a)`');
  assert.equal(err('*'), 'error parsing regexp: missing argument to repetition operator: `*`');
  assert.equal(err('a**'), 'error parsing regexp: invalid nested repetition operator: `**`');
  assert.equal(err('a{2}*'), 'error parsing regexp: invalid nested repetition operator: `{2}*`');
  assert.equal(err('\\q'), 'error parsing regexp: invalid escape sequence: `\\q`');
  assert.equal(err('(\\w)\\1'), 'error parsing regexp: invalid escape sequence: `\\1`');
  assert.equal(err('(?<n>a)'), 'compiled', 'Go 1.22+ (dockerd 28) takes (?<name>...) as RE2 does');
});

test('valid RE2 matches as Go\'s MatchString (anywhere in the string)', () => {
  assert.ok(compileGoRegexp('^Y').test('Y1'));
  assert.ok(!compileGoRegexp('^Y').test('XY'));
  assert.ok(compileGoRegexp('(?i)^x').test('XB'));
  assert.ok(compileGoRegexp('a*?b').test('aab'));
  assert.ok(compileGoRegexp('^(?P<n>ab)+$').test('abab'));
  assert.ok(compileGoRegexp('^[[:upper:]]+$').test('AB'));
  assert.ok(!compileGoRegexp('^[[:upper:]]+$').test('Ab'));
  assert.ok(compileGoRegexp('^com\\.x/y$').test('com.x/y'));
  assert.ok(compileGoRegexp('\\Aab\\z').test('ab'));
  assert.ok(!compileGoRegexp('\\Aab\\z').test('ab\n'));
  assert.ok(compileGoRegexp('[]a]').test(']'));
  assert.ok(compileGoRegexp('x{2,}').test('xx'));
  assert.ok(compileGoRegexp('a(?i)b').test('aB'), 'a flag group in the middle applies from there on');
  assert.ok(compileGoRegexp('^*').test('x'), 'RE2 takes a repeated empty anchor');
});
