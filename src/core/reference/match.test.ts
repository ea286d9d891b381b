import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../errors.ts';
import { matchReferencePattern, parseReference, pathMatch, withDefaultTag } from './reference.ts';

const ref = (s: string) => parseReference(s);

test('docker FamiliarMatch table', () => {
  const cases: Array<[string, string, boolean]> = [
    ['foo', 'foo/**/ba[rz]', false],
    ['foo/any/bat', 'foo/**/ba[rz]', false],
    ['foo/a/bar', 'foo/**/ba[rz]', true],
    ['foo/b/baz', 'foo/**/ba[rz]', true],
    ['foo/c/baz:tag', 'foo/**/ba[rz]', true],
    ['foo/c/baz:tag', 'foo/*/baz:tag', true],
    ['foo/c/baz:tag', 'foo/c/baz:tag', true],
    ['example.com/foo/c/baz:tag', '*/foo/c/baz', true],
    ['example.com/foo/c/baz:tag', 'example.com/foo/c/baz', true],
  ];
  for (const [r, p, want] of cases) assert.equal(matchReferencePattern(p, ref(r)), want, `${p} vs ${r}`);
});

test('images --filter reference patterns', () => {
  const busybox = withDefaultTag(ref('busybox'));
  assert.equal(matchReferencePattern('busy*', busybox), true);
  assert.equal(matchReferencePattern('busybox', busybox), true);
  assert.equal(matchReferencePattern('busybox:latest', busybox), true);
  assert.equal(matchReferencePattern('busybox:l*', busybox), true);
  assert.equal(matchReferencePattern('busybox:1*', busybox), false);
  assert.equal(matchReferencePattern('library/busybox', busybox), false);
  assert.equal(matchReferencePattern('docker.io/library/busybox', busybox), false);
  assert.equal(matchReferencePattern('*', busybox), true);
  assert.equal(matchReferencePattern('*', ref('user/x:1')), false); // '*' does not cross '/'
  assert.equal(matchReferencePattern('*/*', ref('user/x:1')), true);
  assert.equal(matchReferencePattern('localhost:5000/*', ref('localhost:5000/a:1')), true);
});

test('path.Match semantics', () => {
  assert.equal(pathMatch('a?c', 'abc'), true);
  assert.equal(pathMatch('a?c', 'a/c'), false);
  assert.equal(pathMatch('[a-c]x', 'bx'), true);
  assert.equal(pathMatch('[^a-c]x', 'dx'), true);
  assert.equal(pathMatch('[^a-c]x', 'bx'), false);
  assert.equal(pathMatch('[^a]', '/'), true); // a negated class may match '/'
  assert.equal(pathMatch('a\\*b', 'a*b'), true);
  assert.equal(pathMatch('a\\*b', 'axb'), false);
  assert.equal(pathMatch('[\\]]', ']'), true);
  assert.equal(pathMatch('*x*y*', 'axbyc'), true);
  assert.equal(pathMatch('', ''), true);
  assert.equal(pathMatch('', 'a'), false);
});

test('malformed patterns are errors', () => {
  for (const bad of ['[-x]', '[]', '[a', '[a-', '[a-]', 'abc\\', '[^]', '[x-]y']) {
    assert.throws(
      () => pathMatch(bad, 'whatever'),
      (e: unknown) => e instanceof InvalidParameterError && e.message === 'syntax error in pattern',
      bad,
    );
  }
  assert.throws(() => matchReferencePattern('[-x]', ref('foo')), /syntax error in pattern/);
});
