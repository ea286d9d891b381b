import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { goJSON } from '../format/funcs.ts';
import { contextRow, ellipsis, goTimeString, pathEscape, readLine, rfc3339, rfc3339NanoFixed, truncateId } from './shared.ts';

process.env.TZ = 'UTC';

test('truncateId drops the algorithm and keeps 12 characters', () => {
  assert.equal(truncateId('sha256:5abb0d85d632f3925fa81ca4'), '5abb0d85d632');
  assert.equal(truncateId('<missing>'), '<missing>');
});

test('ellipsis counts terminal columns', () => {
  assert.equal(ellipsis('abcdef', 4), 'abc…');
  assert.equal(ellipsis('abc', 4), 'abc');
  assert.equal(ellipsis('日本語テキスト', 6), '日本…');
});

test('context rows marshal like docker contexts: sorted keys, HTML escaped', () => {
  const row = contextRow({ b: '<none>', a: 'x&y' });
  assert.deepEqual(Object.keys(row), ['a', 'b']);
  assert.equal(goJSON(row), '{"a":"x\\u0026y","b":"\\u003cnone\\u003e"}');
  assert.equal(goJSON({ plain: '<none>' }), '{"plain":"<none>"}');
});

test('Go time strings in UTC', () => {
  assert.equal(goTimeString(1714564800), '2024-05-01 12:00:00 +0000 UTC');
  assert.equal(rfc3339(1714564800), '2024-05-01T12:00:00Z');
  assert.equal(rfc3339NanoFixed(1714564800000000042n), '2024-05-01T12:00:00.000000042Z');
});

test('names in URL paths and reading a reply line', async () => {
  assert.equal(pathEscape('localhost:5000/a/b:v1'), 'localhost:5000/a/b:v1');
  assert.equal(pathEscape('a b?#'), 'a%20b%3F%23');
  assert.equal(await readLine(Readable.from(['y\nrest'])), 'y');
  assert.equal(await readLine(Readable.from([])), undefined);
});
