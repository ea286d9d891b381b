import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAttrs, logAttrs, queryEscape } from './log-attrs.ts';

const labels = { a: 'b', c: 'd', 'com.x': 'y', other: 'o' };
const env = ['X=1', 'Y1=2', 'Y2=3', 'Z', 'HOME=/h', 'X=again'];

test('logAttrs picks listed and matching labels/env keys that exist (dockerd ExtraAttributes)', () => {
  assert.deepEqual({ ...logAttrs('json-file', { labels: 'a,c,nope' }, labels, env) }, { a: 'b', c: 'd' });
  assert.deepEqual({ ...logAttrs('', { 'labels-regex': '^com\\.' }, labels, env) }, { 'com.x': 'y' });
  // the last X= wins, a variable without "=" is not one
  assert.deepEqual({ ...logAttrs('json-file', { env: 'X,Z,NOPE', 'env-regex': '^Y' }, labels, env) }, { X: 'again', Y1: '2', Y2: '3' });
  assert.deepEqual({ ...logAttrs('json-file', {}, labels, env) }, {});
  assert.deepEqual({ ...logAttrs('json-file', { labels: '' }, labels, env) }, {});
});

test('logAttrs: an env key overrides a label of the same name; local keeps none', () => {
  assert.deepEqual({ ...logAttrs('json-file', { labels: 'a', env: 'a' }, { a: 'label' }, ['a=env']) }, { a: 'env' });
  assert.deepEqual({ ...logAttrs('local', { labels: 'a' }, { a: 'b' }, []) }, {});
  assert.deepEqual({ ...logAttrs('json-file', { labels: '__proto__' }, JSON.parse('{"__proto__":"p"}') as Record<string, string>, []) }, { ['__proto__']: 'p' });
});

test('logAttrs: a bad regexp fails with Go\'s message', () => {
  assert.throws(() => logAttrs('json-file', { 'labels-regex': '[' }, labels, env), { message: 'error parsing regexp: missing closing ]: `[`' });
  assert.throws(() => logAttrs('json-file', { 'env-regex': '(a' }, labels, env), /error parsing regexp: missing closing \): `\(a`/);
});

test('queryEscape is Go\'s url.QueryEscape', () => {
  assert.equal(queryEscape('a-b_c.d~e'), 'a-b_c.d~e');
  assert.equal(queryEscape('a b'), 'a+b');
  assert.equal(queryEscape('k/x=v&w,!*\'()'), 'k%2Fx%3Dv%26w%2C%21%2A%27%28%29');
  assert.equal(queryEscape('é'), '%C3%A9');
});

test('formatAttrs sorts by key and joins k=v with commas', () => {
  assert.equal(formatAttrs({ c: 'd', a: 'b', X: '1', Y1: '2' }), 'X=1,Y1=2,a=b,c=d');
  assert.equal(formatAttrs({}), '');
  assert.equal(formatAttrs({ a: 'b c', 'k/x': 'v&w' }), 'a=b+c,k%2Fx=v%26w');
});
