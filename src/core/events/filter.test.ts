import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineEvent } from './types.ts';
import { parseFilters } from '../filters.ts';
import { eventMatches } from './filter.ts';

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
  eventMatches(e, parseFilters(JSON.stringify(filters), null));

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
  assert.equal(passes(execStart, { event: ['exec_st'] }), false, 'a prefix alone is no match');
  assert.equal(passes(ev('container', 'health_status: healthy', CID), { event: ['health_status'] }), true);
});

test('eventMatches: once exec_create, exec_start or health_status is asked for, every event value is a prefix (dockerd #25798)', () => {
  assert.equal(passes(containerStart, { event: ['exec_create', 'sta'] }), true);
  assert.equal(passes(containerStart, { event: ['die', 'sta'] }), false);
});

test('eventMatches: container by full ID, short ID or name', () => {
  assert.equal(passes(containerStart, { container: [CID] }), true);
  assert.equal(passes(containerStart, { container: [CID.slice(0, 12)] }), true);
  assert.equal(passes(containerStart, { container: ['web'] }), true);
  assert.equal(passes(containerStart, { container: ['other'] }), false);
  assert.equal(passes(netConnect, { container: [CID] }), false, 'the container attribute is not looked at');
});

test('eventMatches: like dockerd fuzzyMatchName, container= (and volume=, network=, ...) match the actor of any event type', () => {
  assert.equal(passes(volCreate, { container: ['data'] }), true);
  assert.equal(passes(imageTag, { container: ['busy'] }), true, 'the tag event is named busybox:latest');
  assert.equal(passes(containerStart, { volume: ['we'] }), true);
  assert.equal(passes(containerStart, { daemon: ['x'] }), false);
});

test('eventMatches: keys dockerd does not know are ignored', () => {
  assert.equal(passes(containerStart, { bogus: ['x'] }), true);
});

test('eventMatches: container by any ID prefix', () => {
  assert.equal(passes(containerStart, { container: [CID.slice(0, 5)] }), true);
});

test('eventMatches: container by name prefix too (dockerd FuzzyMatch), but not a substring', () => {
  assert.equal(passes(containerStart, { container: ['we'] }), true);
  assert.equal(passes(containerStart, { container: ['eb'] }), false);
  assert.equal(passes(containerStart, { container: [CID.slice(1, 12)] }), false);
});

test('eventMatches: image by ID, name, name without :latest, or container image attribute', () => {
  assert.equal(passes(imageTag, { image: [IMG] }), true);
  assert.equal(passes(imageTag, { image: [IMG.slice(7)] }), false, 'the hex alone is not the ID');
  assert.equal(passes(imageTag, { image: ['sha256'] }), true, 'dockerd stripTag reads sha256:<hex> as repository sha256');
  assert.equal(passes(imageTag, { image: ['busybox:latest'] }), true);
  assert.equal(passes(imageTag, { image: ['busybox'] }), true);
  assert.equal(passes(imageTag, { image: ['alpine'] }), false);
  assert.equal(passes(containerStart, { image: ['nginx:latest'] }), true);
  assert.equal(passes(containerStart, { image: ['busybox'] }), false);
  assert.equal(passes(volCreate, { image: ['data'] }), true, 'like dockerd, image= matches on Actor.ID of any event');
});

test('eventMatches: image filter strips any tag, not only latest', () => {
  assert.equal(passes(imageTag136, { image: ['busybox'] }), true);
  assert.equal(passes(ev('container', 'start', CID, { image: 'nginx:1.25' }), { image: ['nginx'] }), true);
});

test('eventMatches: image filter against familiar names, digests, and the right attribute per type', () => {
  const dig = `sha256:${'cd'.repeat(32)}`;
  assert.equal(passes(ev('image', 'pull', IMG, { name: `docker.io/library/busybox@${dig}` }), { image: ['busybox'] }), true);
  assert.equal(passes(ev('container', 'create', CID, { image: `nginx:1.25@${dig}` }), { image: ['nginx'] }), true);
  assert.equal(passes(ev('image', 'tag', IMG, { name: 'localhost:5000/app:v1' }), { image: ['localhost:5000/app'] }), true);
  assert.equal(passes(imageTag136, { image: ['busybox:latest'] }), false);
  assert.equal(passes(ev('image', 'tag', IMG, { name: 'busybox:1.36', image: 'alpine' }), { image: ['alpine'] }), false, 'image events use name');
  assert.equal(passes(ev('container', 'start', CID, { name: 'alpine', image: 'nginx' }), { image: ['alpine'] }), false, 'container events use image');
});

test('eventMatches: volume/network by ID or name, or a prefix of either', () => {
  assert.equal(passes(volCreate, { volume: ['data'] }), true);
  assert.equal(passes(volCreate, { volume: ['da'] }), true);
  assert.equal(passes(volCreate, { volume: ['other'] }), false);
  assert.equal(passes(netConnect, { network: ['n1d'] }), true);
  assert.equal(passes(netConnect, { network: ['bridge'] }), true);
  assert.equal(passes(netConnect, { volume: ['x'] }), false);
  assert.equal(passes(containerStart, { network: ['other'] }), false);
});

test('eventMatches: label filters on actor attributes, all must match', () => {
  assert.equal(passes(containerStart, { label: ['com.example'] }), true);
  assert.equal(passes(containerStart, { label: ['com.example=yes'] }), true);
  assert.equal(passes(containerStart, { label: ['com.example=no'] }), false);
  assert.equal(passes(containerStart, { label: ['com.example', 'missing'] }), false);
  assert.equal(passes(ev('container', 'start', CID), { label: ['k'] }), false);
});

test('eventMatches: different keys combine with AND', () => {
  assert.equal(passes(containerStart, { type: ['container'], event: ['start'], container: ['web'] }), true);
  assert.equal(passes(containerStart, { type: ['container'], event: ['stop'], container: ['web'] }), false);
  assert.equal(passes(imageTag, { type: ['image'], event: ['tag'], image: ['alpine'] }), false);
});

