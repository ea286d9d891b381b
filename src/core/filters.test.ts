import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameterError } from './errors.ts';
import { getBoolOrDefault, goMatcher, matchLabels, matchNotLabels, parseFilters, parseGoDuration, parseTimestamp, type Filters } from './filters.ts';

const ALLOWED = ['dangling', 'label', 'label!', 'reference'];

test('parseFilters: empty or missing input gives no filters', () => {
  assert.equal(parseFilters(undefined, ALLOWED).size, 0);
  assert.equal(parseFilters(null, ALLOWED).size, 0);
  assert.equal(parseFilters('', ALLOWED).size, 0);
  assert.equal(parseFilters('{}', ALLOWED).size, 0);
});

test('parseFilters: current map form keeps only values set to true, in order', () => {
  const f = parseFilters('{"label":{"a=1":true,"b":true,"off":false},"dangling":{"true":true}}', ALLOWED);
  assert.deepEqual([...f.entries()], [['label', ['a=1', 'b']], ['dangling', ['true']]]);
});

test('parseFilters: legacy array form', () => {
  const f = parseFilters('{"reference":["busybox","alpine:*"],"dangling":["false"]}', ALLOWED);
  assert.deepEqual(f.get('reference'), ['busybox', 'alpine:*']);
  assert.deepEqual(f.get('dangling'), ['false']);
});

test('parseFilters: unknown keys, bad JSON and bad shapes are invalid-parameter errors', () => {
  const bad = (raw: string, msg: RegExp): void => {
    assert.throws(() => parseFilters(raw, ALLOWED), (e: unknown) => e instanceof InvalidParameterError && msg.test(e.message));
  };
  bad('{"nope":{"x":true}}', /^invalid filter 'nope'$/);
  bad('{not json', /^invalid filter$/);
  bad('["dangling"]', /^invalid filter$/);
  bad('"dangling"', /^invalid filter$/);
  bad('{"dangling":"true"}', /^invalid filter$/);
  bad('{"dangling":{"true":"yes"}}', /^invalid filter$/, );
  bad('{"dangling":{"true":true},"label":["a"]}', /^invalid filter$/);
  assert.equal(parseFilters('null', ALLOWED).size, 0, 'null: no filter (Go unmarshals it into nothing)');
  assert.deepEqual([...parseFilters('{"dangling":null}', ALLOWED)], [['dangling', []]]);
});

test('getBoolOrDefault: exactly true/1 or false/0, and Go\'s error for other or conflicting values', () => {
  const f = (v: string[]): Filters => new Map([['dangling', v]]);
  assert.equal(getBoolOrDefault(new Map(), 'dangling', true), true);
  assert.equal(getBoolOrDefault(f(['true']), 'dangling', false), true);
  assert.equal(getBoolOrDefault(f(['1']), 'dangling', false), true);
  assert.equal(getBoolOrDefault(f(['false']), 'dangling', true), false);
  assert.equal(getBoolOrDefault(f(['0', 'false']), 'dangling', true), false);
  const err = (msg: string) => (e: unknown): boolean => e instanceof InvalidParameterError && e.message === msg;
  assert.throws(() => getBoolOrDefault(f(['yes']), 'dangling', false), err("invalid filter 'dangling=[yes]'"));
  assert.throws(() => getBoolOrDefault(f(['TRUE']), 'dangling', false), err("invalid filter 'dangling=[TRUE]'"));
  assert.throws(() => getBoolOrDefault(f(['true', 'false']), 'dangling', false), err("invalid filter 'dangling=[true false]'"));
  assert.throws(() => getBoolOrDefault(f([]), 'dangling', false), err("invalid filter 'dangling'"));
});

test('goMatcher: equal values, or Go regexps matching anywhere; a bad regexp matches only itself', () => {
  assert.equal(goMatcher(undefined), null);
  const m = goMatcher(['^n.$', '[', 'x(?i)AB'])!;
  assert.equal(m('n1'), true);
  assert.equal(m('none'), false);
  assert.equal(m('['), true);
  assert.equal(m('a[b'), false);
  assert.equal(m('zxab'), true, 'RE2 flags');
  assert.equal(goMatcher(['abc'])!('xxabcxx'), true, 'unanchored');
});

test('matchLabels: key presence and key=value, all must match', () => {
  const labels = { a: '1', b: '', 'c.d': 'x=y' };
  const f = (v: string[]): Filters => new Map([['label', v]]);
  assert.equal(matchLabels(new Map(), labels), true);
  assert.equal(matchLabels(f(['a']), labels), true);
  assert.equal(matchLabels(f(['a=1']), labels), true);
  assert.equal(matchLabels(f(['a=2']), labels), false);
  assert.equal(matchLabels(f(['b=']), labels), true);
  assert.equal(matchLabels(f(['c.d=x=y']), labels), true);
  assert.equal(matchLabels(f(['a', 'zz']), labels), false);
  assert.equal(matchLabels(f(['a']), null), false);
  assert.equal(matchLabels(f(['toString']), {}), false, 'inherited properties are not labels');
  assert.equal(matchLabels(new Map([['lbl', ['a']]]), {}, 'lbl'), false, 'custom key');
});

test('matchNotLabels: left out only when every label! value matches (moby matchLabels)', () => {
  const labels = { a: '1' };
  const f = (v: string[]): Filters => new Map([['label!', v]]);
  assert.equal(matchNotLabels(new Map(), labels), true);
  assert.equal(matchNotLabels(f(['a']), labels), false);
  assert.equal(matchNotLabels(f(['a=1']), labels), false);
  assert.equal(matchNotLabels(f(['a=2']), labels), true);
  assert.equal(matchNotLabels(f(['b']), labels), true);
  assert.equal(matchNotLabels(f(['b', 'a=1']), labels), true, 'b is missing, so not all match');
  assert.equal(matchNotLabels(f(['a', 'a=1']), { a: '1', b: '2' }), false);
  assert.equal(matchNotLabels(f(['a']), undefined), true);
});

test('parseTimestamp: unix seconds, with fractions, give milliseconds', () => {
  assert.equal(parseTimestamp('0'), 0);
  assert.equal(parseTimestamp('1700000000'), 1_700_000_000_000);
  assert.equal(parseTimestamp('1700000000.5'), 1_700_000_000_500);
});

test('parseTimestamp: RFC3339 with Z or an offset', () => {
  assert.equal(parseTimestamp('2024-01-02T03:04:05Z'), Date.UTC(2024, 0, 2, 3, 4, 5));
  assert.equal(parseTimestamp('2024-01-02T03:04:05.250Z'), Date.UTC(2024, 0, 2, 3, 4, 5, 250));
  assert.equal(parseTimestamp('2024-01-02T03:04:05+02:00'), Date.UTC(2024, 0, 2, 1, 4, 5));
});

test('parseTimestamp: durations are relative to now', () => {
  const now = 1_700_000_000_000;
  assert.equal(parseTimestamp('10m', now), now - 600_000);
  assert.equal(parseTimestamp('24h', now), now - 86_400_000);
  assert.equal(parseTimestamp('30s', now), now - 30_000);
  assert.equal(parseTimestamp('1.5h', now), now - 5_400_000);
  assert.equal(parseTimestamp('500ms', now), now - 500);
});

test('parseTimestamp: composite Go durations like 1h30m', () => {
  const now = 1_700_000_000_000;
  assert.equal(parseTimestamp('1h30m', now), now - 5_400_000);
});

test('parseGoDuration: time.ParseDuration forms and errors', () => {
  assert.equal(parseGoDuration('1m30.5s'), 90.5e9);
  assert.equal(parseGoDuration('300ms'), 300e6);
  assert.equal(parseGoDuration('1h2m3s4ms5us6ns'), 3_723_004_005_006);
  assert.equal(parseGoDuration('2µs'), 2000);
  assert.equal(parseGoDuration('.5s'), 0.5e9);
  assert.equal(parseGoDuration('1.s'), 1e9);
  assert.equal(parseGoDuration('-1.5h'), -5.4e12);
  assert.equal(parseGoDuration('+10m'), 600e9);
  assert.equal(parseGoDuration('0'), 0);
  const err = (msg: string) => (e: unknown): boolean => e instanceof InvalidParameterError && e.message === msg;
  assert.throws(() => parseGoDuration(''), err('time: invalid duration ""'));
  assert.throws(() => parseGoDuration('.s'), err('time: invalid duration ".s"'));
  assert.throws(() => parseGoDuration('h'), err('time: invalid duration "h"'));
  assert.throws(() => parseGoDuration('10'), err('time: missing unit in duration "10"'));
  assert.throws(() => parseGoDuration('1h30'), err('time: missing unit in duration "1h30"'));
  assert.throws(() => parseGoDuration('10x'), err('time: unknown unit "x" in duration "10x"'));
  assert.throws(() => parseGoDuration('3000000h'), err('time: invalid duration "3000000h"'));
});

test('parseTimestamp: more composite durations', () => {
  const now = 1_700_000_000_000;
  assert.equal(parseTimestamp('1m30.5s', now), now - 90_500);
  assert.equal(parseTimestamp('300ms', now), now - 300);
  assert.equal(parseTimestamp('-1h', now), now + 3_600_000, 'a negative duration is in the future');
});

test('parseTimestamp: garbage is an invalid-parameter error with docker\'s text', () => {
  for (const bad of ['abc', '10x', '']) {
    assert.throws(() => parseTimestamp(bad), (e: unknown) => e instanceof InvalidParameterError
      && e.message === `failed to parse value as time or duration: "${bad}"`);
  }
});
