import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerListOptions, ContainerRecord } from '../core/containers/types.ts';
import type { ImageInfo } from '../core/images/types.ts';
import type { ContainerNetView } from '../core/network/types.ts';
import { filterContainers, filterPorts, imageFamily, pruneFilter } from './filter.ts';

interface Spec { id: string; name: string; status?: string; exit?: number; started?: boolean; labels?: Record<string, string>; image?: string; health?: string }

function rec(s: Spec): ContainerRecord {
  const running = s.status === 'running' || s.status === 'paused' || s.status === 'restarting';
  return {
    id: s.id.padEnd(64, '0'), name: `/${s.name}`, imageId: s.image ?? 'sha256:aa', hasBeenStarted: s.started ?? s.status !== 'created',
    state: { Status: s.status ?? 'running', Running: running, ExitCode: s.exit ?? 0, ...(s.health ? { Health: { Status: s.health } } : {}) },
    config: { Labels: s.labels ?? {} }, hostConfig: {}, mountPoints: [],
  } as unknown as ContainerRecord;
}

// newest first, as the store lists them
const list = [
  rec({ id: 'e1', name: 'web', status: 'running', labels: { tier: 'front' }, health: 'healthy' }),
  rec({ id: 'd1', name: 'db', status: 'exited', exit: 3, image: 'sha256:bb' }),
  rec({ id: 'c1', name: 'new', status: 'created' }),
  rec({ id: 'b1', name: 'cache', status: 'running' }),
  rec({ id: 'a1', name: 'web-old', status: 'exited', exit: 0 }),
];

const names = (cs: ContainerRecord[]): string => cs.map((c) => c.name.slice(1)).join(' ');
const opts = (filters: Record<string, string[]>, more: Partial<ContainerListOptions> = {}): ContainerListOptions =>
  ({ all: false, limit: -1, size: false, filters: new Map(Object.entries(filters)), ...more });

test('without filters: running ones, or all with -a, or the newest n', () => {
  assert.equal(names(filterContainers(list, opts({}))), 'web cache');
  assert.equal(names(filterContainers(list, opts({}, { all: true }))), 'web db new cache web-old');
  assert.equal(names(filterContainers(list, opts({}, { limit: 2 }))), 'web db');
});

test('status implies all; exited needs -a and a started container; before and since do not imply all', () => {
  assert.equal(names(filterContainers(list, opts({ status: ['exited'] }))), 'db web-old');
  assert.equal(names(filterContainers(list, opts({ exited: ['0'] }))), '');
  assert.equal(names(filterContainers(list, opts({ exited: ['0'] }, { all: true }))), 'web-old');
  assert.equal(names(filterContainers(list, opts({ exited: ['3', '+0'] }, { all: true }))), 'db web-old');
  assert.equal(names(filterContainers(list, opts({ since: ['cache'] }))), 'web');
  assert.equal(names(filterContainers(list, opts({ since: ['cache'] }, { all: true }))), 'web db new');
  assert.equal(names(filterContainers(list, opts({ before: ['db'] }, { all: true }))), 'new cache web-old');
  assert.equal(names(filterContainers(list, opts({ before: ['/db'] }))), 'cache');
});

test('before and since take a whole ID or a name, not an ID prefix', () => {
  assert.equal(names(filterContainers(list, opts({ since: ['c1'.padEnd(64, '0')] }, { all: true }))), 'web db');
  assert.throws(() => filterContainers(list, opts({ since: ['c1'] })), { message: 'No such container: c1' });
});

test('names are Go regexps, matched with and without the slash; a bad one matches nothing', () => {
  assert.equal(names(filterContainers(list, opts({ name: ['^web'] }, { all: true }))), 'web web-old');
  assert.equal(names(filterContainers(list, opts({ name: ['^/web$'] }, { all: true }))), 'web');
  assert.equal(names(filterContainers(list, opts({ name: ['['] }, { all: true }))), '');
  assert.equal(names(filterContainers(list, opts({ name: ['[', 'db'] }, { all: true }))), 'db');
});

test('an id filter names containers by unique prefix; with names it narrows them', () => {
  assert.equal(names(filterContainers(list, opts({ id: ['d1'] }, { all: true }))), 'db');
  assert.equal(names(filterContainers(list, opts({ id: ['1'] }, { all: true }))), '', 'not a prefix of any');
  assert.equal(names(filterContainers(list, opts({ id: ['e1', 'a1'], name: ['old'] }, { all: true }))), 'web-old');
});

test('the limit counts the containers kept after every filter', () => {
  assert.equal(names(filterContainers(list, opts({ status: ['exited'] }, { limit: 1 }))), 'db');
  assert.equal(names(filterContainers(list, opts({ label: ['tier'] }, { limit: 1 }))), 'web');
});

test('labels, health, is-task and isolation', () => {
  assert.equal(names(filterContainers(list, opts({ label: ['tier=front'] }))), 'web');
  assert.equal(names(filterContainers(list, opts({ label: ['tier=back'] }))), '');
  assert.equal(names(filterContainers(list, opts({ health: ['healthy'] }))), 'web');
  assert.equal(names(filterContainers(list, opts({ health: ['none'] }))), 'cache');
  assert.equal(names(filterContainers(list, opts({ 'is-task': ['true'] }))), '');
  assert.equal(names(filterContainers(list, opts({ 'is-task': ['false'] }))), 'web cache');
  assert.equal(names(filterContainers(list, opts({ isolation: ['hyperv'] }))), 'web cache');
});

test('bad values get dockerd 28 wording', () => {
  assert.throws(() => filterContainers(list, opts({ status: ['run'] })),
    { message: "invalid filter 'status=run': invalid value for state (run): must be one of created, running, paused, restarting, removing, exited, dead" });
  assert.throws(() => filterContainers(list, opts({ exited: ['x'] })), { message: 'invalid filter \'exited=x\': strconv.Atoi: parsing "x": invalid syntax' });
  assert.throws(() => filterContainers(list, opts({ health: ['ok'] })),
    { message: "invalid filter 'health=ok': invalid value for health (ok): must be one of none, starting, healthy, unhealthy" });
  assert.throws(() => filterContainers(list, opts({ 'is-task': ['maybe'] })), { message: "invalid filter 'is-task=[maybe]'" });
});

test('publish and expose values: ports, ranges, protocols, and moby words for bad ones', () => {
  assert.deepEqual(filterPorts('publish', '80'), ['80/tcp']);
  assert.deepEqual(filterPorts('expose', '53/udp'), ['53/udp']);
  assert.deepEqual(filterPorts('expose', '8000-8002/'), ['8000/tcp', '8001/tcp', '8002/tcp']);
  assert.throws(() => filterPorts('publish', '1:2'), { message: "filter for 'publish' should not contain ':': 1:2" });
  assert.throws(() => filterPorts('publish', 'abc'), { message: 'error while looking up for publish abc: strconv.ParseUint: parsing "abc": invalid syntax' });
  assert.throws(() => filterPorts('publish', '70000'), { message: 'error while looking up for publish 70000: strconv.ParseUint: parsing "70000": value out of range' });
  assert.throws(() => filterPorts('expose', '90-80'), { message: 'error while looking up for expose 90-80: invalid range specified for port: 90-80' });
  assert.throws(() => filterPorts('expose', ''), { message: 'error while looking up for expose : empty string specified for ports' });
});

test('network, publish and expose look at what the network view shows', () => {
  const views: Record<string, ContainerNetView> = {
    web: { sandboxKey: '', primary: null, networks: { front: { NetworkID: 'f00d' } }, ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null } },
    cache: { sandboxKey: '', primary: null, networks: { bridge: { NetworkID: 'b0b0' } }, ports: {} },
  };
  const net = (c: ContainerRecord): ContainerNetView => views[c.name.slice(1)] ?? { sandboxKey: '', primary: null, networks: {}, ports: {} };
  const pick = (f: Record<string, string[]>): string => names(filterContainers(list, opts(f), { net }));
  assert.equal(pick({ network: ['front'] }), 'web');
  assert.equal(pick({ network: ['b0'] }), 'cache', 'a network ID prefix');
  assert.equal(pick({ network: ['fro'] }), '', 'not a name prefix');
  assert.equal(pick({ publish: ['8080'] }), 'web', 'the host port');
  assert.equal(pick({ publish: ['80'] }), '', 'not the container port');
  assert.equal(pick({ publish: ['8000-8100/tcp'] }), 'web');
  assert.equal(pick({ expose: ['443'] }), 'web');
  assert.equal(pick({ expose: ['80/udp'] }), '');
});

test('ancestor: the images named and their descendants', async () => {
  const infos = [
    { id: 'sha256:aa', parent: '' }, { id: 'sha256:bb', parent: 'sha256:aa' }, { id: 'sha256:cc', parent: 'sha256:bb' }, { id: 'sha256:dd', parent: '' },
  ] as ImageInfo[];
  const images = {
    resolveId: (ref: string): string => {
      const id = ref === 'base' ? 'sha256:aa' : ref === 'mid' ? 'sha256:bb' : null;
      if (!id) throw new Error('No such image');
      return id;
    },
    list: async () => infos,
  };
  assert.deepEqual([...(await imageFamily(images, ['base']))].sort(), ['sha256:aa', 'sha256:bb', 'sha256:cc']);
  assert.deepEqual([...(await imageFamily(images, ['mid', 'nope']))].sort(), ['sha256:bb', 'sha256:cc']);
  assert.equal((await imageFamily(images, ['nope'])).size, 0);
  assert.equal(names(filterContainers(list, opts({ ancestor: ['mid'] }, { all: true }), { ancestors: await imageFamily(images, ['mid']) })), 'db');
  assert.equal(names(filterContainers(list, opts({ ancestor: ['nope'] }, { all: true }), { ancestors: new Set() })), '');
});

test('container prune: labels and one until, read as dockerd reads it', () => {
  const old = { ...rec({ id: 'f1', name: 'old', status: 'exited' }), created: '2020-01-01T00:00:00Z' } as ContainerRecord;
  const fresh = { ...rec({ id: 'f2', name: 'new', status: 'exited' }), created: new Date().toISOString() } as ContainerRecord;
  const keep = pruneFilter(new Map([['until', ['2021-01-01']]]));
  assert.deepEqual([keep(old), keep(fresh)], [true, false]);
  assert.throws(() => pruneFilter(new Map([['until', ['1h', '2h']]])), { message: 'more than one until filter specified' });
  assert.throws(() => pruneFilter(new Map([['until', ['2000-13-01']]])), { message: 'parsing time "2000-13-01": month out of range' });
});
