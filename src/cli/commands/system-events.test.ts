import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goJSON } from '../format/funcs.ts';
import { Template } from '../format/template.ts';
import { eventLine, eventMessage, getTimestamp, parseEventLine, parseGoDuration } from './system-events.ts';

process.env.TZ = 'UTC';

const LINE = '{"Type":"image","Action":"tag","Actor":{"ID":"sha256:5abb","Attributes":{"name":"busybox:latest","a":"1"}},"scope":"local","time":1795368810,"timeNano":1795368810332000123,"status":"tag","id":"sha256:5abb"}';

test('default line: nanosecond time, type, action, actor and sorted attributes', () => {
  const { event, timeNano } = parseEventLine(LINE);
  assert.equal(timeNano, 1795368810332000123n);
  assert.equal(eventLine(event, timeNano), '2026-11-22T17:33:30.332000123Z image tag sha256:5abb (a=1, name=busybox:latest)\n');
  assert.equal(eventLine({ Type: 'daemon', Action: 'start', Actor: { ID: 'berthd', Attributes: {} }, time: 1 }, 0n), '1970-01-01T00:00:01.000000000Z daemon start berthd\n');
});

test('{{json .}} follows events.Message: status/id/from first, exact timeNano', () => {
  const { event, timeNano } = parseEventLine(LINE);
  assert.equal(goJSON(eventMessage(event, timeNano)),
    '{"status":"tag","id":"sha256:5abb","Type":"image","Action":"tag","Actor":{"ID":"sha256:5abb","Attributes":{"a":"1","name":"busybox:latest"}},"scope":"local","time":1795368810,"timeNano":1795368810332000123}');
  assert.equal(new Template('{{.ID}} {{.Status}} {{.Scope}} {{.Actor.Attributes.name}}').execute(eventMessage(event, timeNano)), 'sha256:5abb tag local busybox:latest');
});

test('--since/--until: durations, dates and unix timestamps as the API wants them', () => {
  const now = Date.UTC(2024, 4, 15, 12, 0, 0);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('abc'), undefined);
  assert.equal(getTimestamp('10m', now), String(now / 1000 - 600));
  assert.equal(getTimestamp('0', now), '0');
  assert.equal(getTimestamp('1715774400.5', now), '1715774400.5');
  assert.equal(getTimestamp('2024-05-15', now), '1715731200.000000000');
  assert.equal(getTimestamp('2024-05-15T12:00:00Z', now), '1715774400.000000000');
  assert.equal(getTimestamp('2024-05-15T14:00:00.25+02:00', now), '1715774400.250000000');
  assert.throws(() => getTimestamp('2020-13-01', now), { message: 'parsing time "2020-13-01": month out of range' });
  assert.throws(() => getTimestamp('nope', now), { message: 'failed to parse value as time or duration: "nope"' });
});
