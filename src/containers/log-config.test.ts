import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHumanSize, rotationPolicy, validateLogConfig } from './log-config.ts';

test('fromHumanSize uses decimal units like go-units', () => {
  assert.equal(fromHumanSize('10'), 10);
  assert.equal(fromHumanSize('1k'), 1000);
  assert.equal(fromHumanSize('10m'), 10_000_000);
  assert.equal(fromHumanSize('2MB'), 2_000_000);
  assert.equal(fromHumanSize('1.5g'), 1_500_000_000);
  assert.throws(() => fromHumanSize('ten'), /invalid size: 'ten'/);
});

test('rotationPolicy: defaults and rotation policy', () => {
  assert.deepEqual(rotationPolicy('', {}), { maxSize: 0, maxFiles: 1, compress: false });
  assert.deepEqual(rotationPolicy('json-file', { 'max-size': '1k', 'max-file': '3', compress: 'true' }), { maxSize: 1000, maxFiles: 3, compress: true });
  assert.deepEqual(rotationPolicy('local', {}), { maxSize: 20e6, maxFiles: 5, compress: true });
});

test('validateLogConfig (create) checks the driver and option names; rotationPolicy (start) the values, in dockerd\'s words', () => {
  const bads: Record<string, string>[] = [{ 'max-file': '0' }, { 'max-file': 'x' }, { 'max-size': '0' }, { 'max-size': 'bogus' }, { 'max-size': '1m', compress: 'true' }];
  for (const bad of bads) {
    assert.doesNotThrow(() => validateLogConfig('json-file', bad), 'values are checked when the driver opens, as in dockerd');
  }
  assert.throws(() => validateLogConfig('syslogx', {}), /error looking up logging plugin syslogx: plugin "syslogx" not found/);
  assert.throws(() => validateLogConfig('json-file', { 'max-age': '1' }), /unknown log opt 'max-age' for json-file log driver/);
  assert.throws(() => rotationPolicy('json-file', { 'max-file': '0' }), /max-file cannot be less than 1/);
  assert.throws(() => rotationPolicy('json-file', { 'max-file': 'x' }), /strconv.Atoi: parsing "x": invalid syntax/);
  assert.throws(() => rotationPolicy('json-file', { 'max-size': '0' }), /max-size must be a positive number/);
  assert.throws(() => rotationPolicy('json-file', { 'max-size': '1m', compress: 'true' }), /compress cannot be true/);
  assert.throws(() => validateLogConfig('none', { 'max-size': '1m' }), /invalid logging opts for driver none/);
  assert.throws(() => validateLogConfig('local', { labels: 'a' }), /unknown log opt 'labels' for log driver local/);
  assert.doesNotThrow(() => validateLogConfig('json-file', { labels: 'a', 'labels-regex': '.', env: 'X', 'env-regex': '^Y', tag: 't' }));
});
