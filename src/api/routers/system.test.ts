import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineEvent } from '../../core/events/types.ts';
import { parseFilters } from '../../core/filters.ts';
import { eventMatches } from './system.ts';

const IMG = `sha256:${'ab'.repeat(32)}`;
const CID = 'c0ffee'.repeat(10) + 'abcd';

function ev(Type: EngineEvent['Type'], Action: string, ID: string, Attributes: Record<string, string> = {}): EngineEvent {
  return { Type, Action, Actor: { ID, Attributes }, scope: 'local', time: 1, timeNano: 1e9 };
}

const containerStart = ev('container', 'start', CID, { name: 'web', image: 'nginx:latest', 'com.example': 'yes' });
const execStart = ev('container', 'exec_start: sh -c true', CID, { name: 'web', image: 'nginx:latest' });
const imageTag = ev('image', 'tag', IMG, { name: 'busybox:latest' });
const imageTag136 = ev('image', 'tag', IMG, { name: 'busybox:1.36' });
const volCreate = ev('volume', 'create', 'data', { driver: 'local' });
const netConnect = ev('network', 'connect', 'n1d', { name: 'bridge', container: CID });

/** Does the event pass the filters given in docker's legacy JSON form? */
const passes = (e: EngineEvent, filters: Record<string, string[]>): boolean =>
  eventMatches(e, parseFilters(JSON.stringify(filters), Object.keys(filters)));

test('eventMatches: no filters pass everything', () => {
  for (const e of [containerStart, imageTag, volCreate, netConnect]) assert.equal(eventMatches(e, new Map()), true);
});

test('eventMatches: type and scope, any of several values', () => {
  assert.equal(passes(imageTag, { type: ['image'] }), true);
  assert.equal(passes(imageTag, { type: ['container'] }), false);
  assert.equal(passes(imageTag, { type: ['container', 'image'] }), true);
  assert.equal(passes(volCreate, { scope: ['local'] }), true);
  assert.equal(passes(volCreate, { scope: ['swarm'] }), false);
});

test('eventMatches: event matches the action, and exec_* actions by their prefix', () => {
  assert.equal(passes(containerStart, { event: ['start'] }), true);
  assert.equal(passes(containerStart, { event: ['stop', 'die'] }), false);
  assert.equal(passes(execStart, { event: ['exec_start'] }), true);
  assert.equal(passes(execStart, { event: ['exec_start: sh -c true'] }), true);
});

test('eventMatches: container by full ID, short ID or name; only container events', () => {
  assert.equal(passes(containerStart, { container: [CID] }), true);
  assert.equal(passes(containerStart, { container: [CID.slice(0, 12)] }), true);
  assert.equal(passes(containerStart, { container: ['web'] }), true);
  assert.equal(passes(containerStart, { container: ['other'] }), false);
  assert.equal(passes(netConnect, { container: [CID] }), false);
  assert.equal(passes(volCreate, { container: ['data'] }), false);
});

test('eventMatches: container by any ID prefix', { todo: 'bug: eventMatches compares container IDs exactly (full or 12 chars); dockerd fuzzyMatchName accepts any prefix of the ID or name' }, () => {
  assert.equal(passes(containerStart, { container: [CID.slice(0, 5)] }), true);
});

test('eventMatches: image by ID, hex, name, name without :latest, or container image attribute', () => {
  assert.equal(passes(imageTag, { image: [IMG] }), true);
  assert.equal(passes(imageTag, { image: [IMG.slice(7)] }), true);
  assert.equal(passes(imageTag, { image: ['busybox:latest'] }), true);
  assert.equal(passes(imageTag, { image: ['busybox'] }), true);
  assert.equal(passes(imageTag, { image: ['alpine'] }), false);
  assert.equal(passes(containerStart, { image: ['nginx:latest'] }), true);
  assert.equal(passes(containerStart, { image: ['busybox'] }), false);
  assert.equal(passes(volCreate, { image: ['data'] }), true, 'like dockerd, image= matches on Actor.ID of any event');
});

test('eventMatches: image filter strips any tag, not only latest', { todo: 'bug: eventMatches strips only ":latest"; dockerd stripTag compares the familiar name, so image=busybox matches busybox:1.36 (and container events from nginx:1.25 match image=nginx)' }, () => {
  assert.equal(passes(imageTag136, { image: ['busybox'] }), true);
  assert.equal(passes(ev('container', 'start', CID, { image: 'nginx:1.25' }), { image: ['nginx'] }), true);
});

test('eventMatches: volume/network by ID or name, only for that type', () => {
  assert.equal(passes(volCreate, { volume: ['data'] }), true);
  assert.equal(passes(volCreate, { volume: ['other'] }), false);
  assert.equal(passes(netConnect, { network: ['n1d'] }), true);
  assert.equal(passes(netConnect, { network: ['bridge'] }), true);
  assert.equal(passes(netConnect, { volume: ['n1d'] }), false);
  assert.equal(passes(containerStart, { network: ['web'] }), false);
});

test('eventMatches: label filters on actor attributes, all must match', () => {
  assert.equal(passes(containerStart, { label: ['com.example'] }), true);
  assert.equal(passes(containerStart, { label: ['com.example=yes'] }), true);
  assert.equal(passes(containerStart, { label: ['com.example=no'] }), false);
  assert.equal(passes(containerStart, { label: ['com.example', 'missing'] }), false);
});

test('eventMatches: different keys combine with AND', () => {
  assert.equal(passes(containerStart, { type: ['container'], event: ['start'], container: ['web'] }), true);
  assert.equal(passes(containerStart, { type: ['container'], event: ['stop'], container: ['web'] }), false);
  assert.equal(passes(imageTag, { type: ['image'], event: ['tag'], image: ['alpine'] }), false);
});
