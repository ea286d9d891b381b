import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventTimeNano, eventToJson } from '../../core/events/json.ts';
import type { EngineEvent } from '../../core/events/types.ts';

const CID = 'c0ffee'.repeat(10) + 'abcd';
const containerStart: EngineEvent = {
  Type: 'container', Action: 'start', Actor: { ID: CID, Attributes: { name: 'web', image: 'nginx:latest', 'com.example': 'yes' } }, scope: 'local', time: 1, timeNano: 1e9,
};

test('eventToJson: timeNano is written as the exact integer; other fields as JSON.stringify', () => {
  const e: EngineEvent = { ...containerStart, time: 1_700_000_000, timeNano: 1_700_000_000_000_000_256, status: 'start', id: CID, from: undefined };
  const json = eventToJson(e);
  assert.ok(json.includes('"timeNano":1700000000000000256'), json);
  assert.ok(!json.includes('"from"'));
  assert.deepEqual(JSON.parse(json), { ...containerStart, time: 1_700_000_000, timeNano: e.timeNano, status: 'start', id: CID });
  assert.equal(Object.keys(JSON.parse(json)).join(), Object.keys(e).filter((k) => k !== 'from').join(), 'key order kept');
  assert.equal(eventTimeNano(e), 1_700_000_000_000_000_256n);
});
