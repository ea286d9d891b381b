import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../../core/errors.ts';
import { bytesSize, fromHumanSize, humanDuration, humanSize, parseBytes, ramInBytes } from './units.ts';

test('humanSize: decimal units, 3 significant digits', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(512), '512B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1000), '1kB');
  assert.equal(humanSize(1500), '1.5kB');
  assert.equal(humanSize(4_260_000), '4.26MB');
  assert.equal(humanSize(4_264_999), '4.26MB');
  assert.equal(humanSize(1_234_567_890), '1.23GB');
  assert.equal(humanSize(7.2e12), '7.2TB');
  assert.equal(humanSize(3e15), '3PB');
});

test('humanSize: go-units quirks and other precisions', () => {
  assert.equal(humanSize(999_999), '1e+03kB'); // %.3g of 999.999
  assert.equal(humanSize(1_234_567, 4), '1.235MB');
  assert.equal(humanSize(2_746_000, 4), '2.746MB');
});

test('bytesSize: binary units with %.4g', () => {
  assert.equal(bytesSize(0), '0B');
  assert.equal(bytesSize(1023), '1023B');
  assert.equal(bytesSize(1024), '1KiB');
  assert.equal(bytesSize(1536), '1.5KiB');
  assert.equal(bytesSize(44 * 1024 * 1024), '44MiB');
  assert.equal(bytesSize(1.5 * 1024 ** 3), '1.5GiB');
  assert.equal(bytesSize(123_456_789), '117.7MiB');
});

test('humanDuration: seconds and minutes boundaries', () => {
  assert.equal(humanDuration(0), 'Less than a second');
  assert.equal(humanDuration(999), 'Less than a second');
  assert.equal(humanDuration(-5000), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(45_000), '45 seconds');
  assert.equal(humanDuration(59_999), '59 seconds');
  assert.equal(humanDuration(60_000), 'About a minute');
  assert.equal(humanDuration(119_999), 'About a minute');
  assert.equal(humanDuration(120_000), '2 minutes');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(3_599_999), '59 minutes');
});

test('humanDuration: hours through years', () => {
  const h = 3_600_000;
  assert.equal(humanDuration(h), 'About an hour');
  assert.equal(humanDuration(1.49 * h), 'About an hour');
  assert.equal(humanDuration(1.5 * h), '2 hours');
  assert.equal(humanDuration(3 * h), '3 hours');
  assert.equal(humanDuration(47.4 * h), '47 hours');
  assert.equal(humanDuration(48 * h), '2 days');
  assert.equal(humanDuration(13 * 24 * h), '13 days');
  assert.equal(humanDuration(14 * 24 * h), '2 weeks');
  assert.equal(humanDuration(21 * 24 * h), '3 weeks');
  assert.equal(humanDuration(59 * 24 * h), '8 weeks');
  assert.equal(humanDuration(60 * 24 * h), '2 months');
  assert.equal(humanDuration(120 * 24 * h), '4 months');
  assert.equal(humanDuration(729 * 24 * h), '24 months');
  assert.equal(humanDuration(730 * 24 * h), '2 years');
});

test('ramInBytes / parseBytes: binary multipliers', () => {
  assert.equal(parseBytes('512m'), 536_870_912);
  assert.equal(ramInBytes('1g'), 1_073_741_824);
  assert.equal(ramInBytes('100k'), 102_400);
  assert.equal(ramInBytes('1.5GB'), 1_610_612_736);
  assert.equal(ramInBytes('1KiB'), 1024);
  assert.equal(ramInBytes('32'), 32);
  assert.equal(ramInBytes('32b'), 32);
  assert.equal(ramInBytes('1 GB'), 1_073_741_824);
  assert.equal(ramInBytes('1.9'), 1);
});

test('fromHumanSize: decimal multipliers', () => {
  assert.equal(fromHumanSize('32kb'), 32_000);
  assert.equal(fromHumanSize('1.5MB'), 1_500_000);
  assert.equal(fromHumanSize('2G'), 2_000_000_000);
});

test('size parsing errors read like go-units', () => {
  const bad = (s: string, msg: string): void => {
    assert.throws(() => ramInBytes(s), (e: unknown) => e instanceof InvalidParameterError && e.message === msg);
  };
  bad('abc', "invalid size: 'abc'");
  bad('-1', "invalid size: '-1'");
  bad('1x', "invalid suffix: 'x'");
  bad('1kbb', "invalid suffix: 'kbb'");
  bad('1gib2', 'strconv.ParseFloat: parsing "1gib2": invalid syntax'); // ends in a digit: all of it is the number
});
