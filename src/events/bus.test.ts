import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineEvent } from '../core/events/types.ts';
import { eventTimeNano, eventToJson } from '../core/events/json.ts';
import { EventBus, exactDoubleAtLeast } from './bus.ts';

const ALL = { since: 0 };

test('bus: keeps only the last `capacity` events', () => {
  const bus = new EventBus(3);
  for (let i = 0; i < 5; i++) bus.publish('volume', 'create', `v${i}`);
  const past = bus.subscribe(ALL, () => undefined).past;
  assert.deepEqual(past.map((e) => e.Actor.ID), ['v2', 'v3', 'v4']);
});

test('bus: timeNano never goes back and time is its seconds', () => {
  const bus = new EventBus();
  for (let i = 0; i < 200; i++) bus.publish('network', 'connect', `n${i}`);
  const past = bus.subscribe(ALL, () => undefined).past;
  assert.equal(past.length, 200);
  for (let i = 1; i < past.length; i++) assert.ok(past[i].timeNano >= past[i - 1].timeNano, `event ${i}`);
  for (const e of past) {
    assert.equal(e.time, Math.floor(e.timeNano / 1e9));
    assert.ok(Math.abs(e.timeNano / 1e6 - Date.now()) < 60_000, 'timeNano is wall-clock nanoseconds');
  }
});

test('bus: timeNano is strictly increasing within one millisecond', () => {
  const bus = new EventBus();
  for (let i = 0; i < 50; i++) bus.publish('network', 'connect', `n${i}`);
  const past = bus.subscribe(ALL, () => undefined).past;
  for (let i = 1; i < past.length; i++) assert.ok(past[i].timeNano > past[i - 1].timeNano, `event ${i}`);
});

test('bus: timeNano values are exact integers, and serialize exactly', () => {
  const bus = new EventBus();
  for (let i = 0; i < 20; i++) bus.publish('network', 'connect', `n${i}`);
  const past = bus.subscribe(ALL, () => undefined).past;
  for (const e of past) {
    assert.ok(Number.isSafeInteger(e.timeNano) || BigInt(Number(BigInt(e.timeNano))) === BigInt(e.timeNano));
    const m = /"timeNano":(\d+)/.exec(eventToJson(e));
    assert.equal(Number(m?.[1]), e.timeNano);
    assert.equal(BigInt(m![1]), eventTimeNano(e), 'the written integer is the exact value');
  }
  const nanos = past.map(eventTimeNano);
  for (let i = 1; i < nanos.length; i++) assert.ok(nanos[i] > nanos[i - 1]);
});

test('exactDoubleAtLeast: rounds up to a value a double holds exactly', () => {
  assert.equal(exactDoubleAtLeast(5n), 5n);
  assert.equal(exactDoubleAtLeast(2n ** 53n + 1n), 2n ** 53n + 2n);
  const v = 1_700_000_000_000_000_001n;
  const r = exactDoubleAtLeast(v);
  assert.ok(r >= v && r - v < 256n);
  assert.equal(BigInt(Number(r)), r);
  assert.equal(exactDoubleAtLeast(r), r);
  assert.equal(exactDoubleAtLeast(2n ** 61n - 1n), 2n ** 61n);
});

test('bus: event shape; status/id/from only on image and container events', () => {
  const bus = new EventBus();
  bus.publish('container', 'start', 'c1', { image: 'busybox', name: 'x' });
  bus.publish('image', 'tag', 'sha256:1', { name: 'busybox:latest' });
  bus.publish('volume', 'create', 'vol', { driver: 'local' });
  const [c, i, v] = bus.subscribe(ALL, () => undefined).past;
  assert.equal(c.Type, 'container');
  assert.equal(c.Action, 'start');
  assert.deepEqual(c.Actor, { ID: 'c1', Attributes: { image: 'busybox', name: 'x' } });
  assert.equal(c.scope, 'local');
  assert.deepEqual([c.status, c.id, c.from], ['start', 'c1', 'busybox']);
  assert.deepEqual([i.status, i.id, i.from], ['tag', 'sha256:1', undefined]);
  assert.ok(!('status' in v) && !('id' in v) && !('from' in v));
  assert.deepEqual(v.Actor.Attributes, { driver: 'local' });
});

test('bus: without since there are no past events', () => {
  const bus = new EventBus();
  bus.publish('volume', 'create', 'a');
  assert.deepEqual(bus.subscribe({}, () => undefined).past, []);
});

test('bus: since/until select past events by time (ms, inclusive)', async () => {
  const bus = new EventBus();
  for (let i = 0; i < 3; i++) {
    bus.publish('volume', 'create', `v${i}`);
    await sleep(3); // distinct milliseconds
  }
  const all = bus.subscribe(ALL, () => undefined).past;
  const ms = all.map((e) => e.timeNano / 1e6);
  assert.deepEqual(bus.subscribe({ since: ms[1] }, () => undefined).past.map((e) => e.Actor.ID), ['v1', 'v2']);
  assert.deepEqual(bus.subscribe({ since: 0, until: ms[1] }, () => undefined).past.map((e) => e.Actor.ID), ['v0', 'v1']);
  assert.deepEqual(bus.subscribe({ since: ms[1], until: ms[1] }, () => undefined).past.map((e) => e.Actor.ID), ['v1']);
  assert.deepEqual(bus.subscribe({ since: ms[2] + 1 }, () => undefined).past, []);
});

test('bus: until alone replays past events up to until', () => {
  const bus = new EventBus();
  bus.publish('volume', 'create', 'a');
  const past = bus.subscribe({ until: Date.now() + 1000 }, () => undefined).past;
  assert.deepEqual(past.map((e) => e.Actor.ID), ['a']);
});

test('bus: until alone in the past replays only events up to until', async () => {
  const bus = new EventBus();
  bus.publish('volume', 'create', 'a');
  await sleep(3);
  const cut = Date.now();
  await sleep(3);
  bus.publish('volume', 'create', 'b');
  assert.deepEqual(bus.subscribe({ until: cut }, () => undefined).past.map((e) => e.Actor.ID), ['a']);
});

test('bus: live delivery to every subscriber, in order; close stops delivery', () => {
  const bus = new EventBus();
  const got1: string[] = [];
  const got2: string[] = [];
  const s1 = bus.subscribe({}, (e) => got1.push(e.Actor.ID));
  const s2 = bus.subscribe({}, (e) => got2.push(e.Actor.ID));
  bus.publish('volume', 'create', 'a');
  bus.publish('volume', 'create', 'b');
  s1.close();
  bus.publish('volume', 'create', 'c');
  s2.close();
  bus.publish('volume', 'create', 'd');
  assert.deepEqual(got1, ['a', 'b']);
  assert.deepEqual(got2, ['a', 'b', 'c']);
});

test('bus: live events past `until` are not delivered', () => {
  const bus = new EventBus();
  const got: EngineEvent[] = [];
  bus.subscribe({ until: Date.now() - 60_000 }, (e) => got.push(e));
  const open: EngineEvent[] = [];
  bus.subscribe({ since: 0, until: Date.now() + 60_000 }, (e) => open.push(e));
  bus.publish('volume', 'create', 'late');
  assert.equal(got.length, 0);
  assert.equal(open.length, 1);
});

test('listeners counts open subscriptions, not the daemon\'s own', () => {
  const bus = new EventBus();
  bus.subscribeInternal(() => undefined);
  assert.equal(bus.listeners(), 0);
  const a = bus.subscribe({}, () => undefined);
  const b = bus.subscribe({}, () => undefined);
  assert.equal(bus.listeners(), 2);
  a.close();
  b.close();
  assert.equal(bus.listeners(), 0);
});
