import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { ApiError, DaemonConnectError } from '../client/errors.ts';
import { runCli } from '../framework/command.ts';
import { rootCommand } from './root.ts';
import { fakeClient, sink, type Recorded, type Responder } from './test-helpers.ts';

process.env.TZ = 'UTC';

const IMAGE = { Id: 'sha256:' + '5'.repeat(64), RepoTags: ['busybox:latest'], RepoDigests: [], Created: 0, Size: 1_982_411, SharedSize: -1, Containers: -1 };

async function berth(args: string[], respond: Responder, stdin = '') {
  const calls: Recorded[] = [];
  const out = sink();
  const err = sink();
  const code = await runCli(rootCommand(), args, { stdout: out, stderr: err, stdin: Readable.from([Buffer.from(stdin)]), env: {} },
    () => fakeClient(respond, calls));
  return { code, out: out.text(), err: err.text(), calls };
}

const notFound = (what: string) => () => { throw new ApiError(404, `No such image: ${what}`); };

test('root help groups the commands like docker', async () => {
  const r = await berth(['--help'], () => undefined);
  assert.equal(r.code, 0);
  assert.match(r.out, /Common Commands:\n {2}run {9}Create and run a new container from an image\n {2}exec {8}Execute a command in a running container\n {2}ps {10}List containers\n {2}build {7}Build an image from a Dockerfile\n {2}pull {8}Download an image from a registry\n {2}push {8}Upload an image to a registry\n {2}images {6}List images\n {2}login {7}Authenticate to a registry\n {2}logout {6}Log out from a registry\n {2}search {6}Search Docker Hub for images\n {2}version {5}Show the Berth version information\n {2}info {8}Display system-wide information\n\nManagement Commands:\n {2}builder {5}Manage builds\n {2}container {3}Manage containers\n {2}image {7}Manage images\n {2}network {5}Manage networks\n {2}registry {4}Run and maintain an OCI registry\n {2}system {6}Manage Berth\n {2}volume {6}Manage volumes\n\nCommands:\n {2}attach {6}Attach local standard input, output, and error streams to a running container\n {2}commit/);
});

test('images and image ls send the filters and print the table', async () => {
  const r = await berth(['image', 'ls', '-a', '-f', 'dangling=false', 'busybox'], () => [IMAGE]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.calls[0].opts?.query, { all: true, filters: '{"dangling":{"false":true},"reference":{"busybox":true}}' });
  assert.match(r.out, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\nbusybox +latest +555555555555 +\d+ years ago +1\.98MB\n$/);
  assert.equal((await berth(['images', '-f', 'bad'], () => [])).code, 125);
});

test('tag posts the full repository name', async () => {
  const r = await berth(['tag', 'busybox', 'me/x'], () => '');
  assert.equal(r.code, 0);
  assert.deepEqual([r.calls[0].method, r.calls[0].path, r.calls[0].opts?.query], ['POST', '/images/busybox/tag', { repo: 'docker.io/me/x', tag: 'latest' }]);
});

test('rmi keeps going, then fails with every error; -f forgives missing images', async () => {
  const respond: Responder = (_m, path) => {
    if (path === '/images/nope') notFound('nope:latest')();
    return [{ Untagged: 'busybox:latest' }, { Deleted: IMAGE.Id }];
  };
  const r = await berth(['rmi', 'nope', 'busybox'], respond);
  assert.deepEqual([r.code, r.out, r.err], [1, `Untagged: busybox:latest\nDeleted: ${IMAGE.Id}\n`, 'Error response from daemon: No such image: nope:latest\n']);
  const forced = await berth(['rmi', '-f', 'nope'], respond);
  assert.deepEqual([forced.code, forced.out, forced.err], [0, '', 'Error response from daemon: No such image: nope:latest\n']);
  assert.deepEqual(forced.calls[0].opts?.query, { force: true, noprune: undefined });
});

test('image prune asks first; "n" cancels without calling the daemon', async () => {
  const no = await berth(['image', 'prune'], () => ({}), 'n\n');
  assert.deepEqual([no.code, no.out, no.calls.length], [0, 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ', 0]);
  const yes = await berth(['image', 'prune', '-a'], () => ({ ImagesDeleted: [{ Deleted: 'sha256:1' }], SpaceReclaimed: 2000 }), 'y\n');
  assert.equal(yes.out, 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] Deleted Images:\ndeleted: sha256:1\n\nTotal reclaimed space: 2kB\n');
  assert.deepEqual(yes.calls[0].opts?.query, { filters: '{"dangling":{"false":true}}' });
});

test('inspect tries each object type, then says "No such object"', async () => {
  const r = await berth(['inspect', 'nope'], (_m, path) => {
    if (path === '/info') return { Swarm: { ControlAvailable: false } };
    throw new ApiError(404, 'page not found');
  });
  assert.deepEqual([r.code, r.out, r.err], [1, '[]\n', 'Error: No such object: nope\n']);
  assert.deepEqual(r.calls.map((c) => c.path), ['/containers/nope/json', '/images/nope/json', '/networks/nope', '/volumes/nope', '/info', '/plugins/nope/json']);
  const img = await berth(['inspect', '--type', 'image', '-f', '{{.Id}}', 'busybox'], () => IMAGE);
  assert.deepEqual([img.code, img.out], [0, `${IMAGE.Id}\n`]);
});

test('version prints the client part and fails when the daemon is down', async () => {
  const r = await berth(['version'], () => { throw new DaemonConnectError('unix:///x', 'Cannot connect to the Berth daemon at unix:///x. Is the berth daemon running?'); });
  assert.equal(r.code, 1);
  assert.match(r.out, /^Client:\n Version: {11}\S+\n API version: {7}1\.50\n[^]* Context: {11}default\n$/);
  assert.equal(r.err, 'Cannot connect to the Berth daemon at unix:///x. Is the berth daemon running?\n');
});

test('events: one line per event until the stream ends', async () => {
  const r = await berth(['events', '--since', '0', '--until', '1', '-f', 'type=image'], () =>
    '{"Type":"image","Action":"tag","Actor":{"ID":"sha256:1","Attributes":{"name":"x:1"}},"scope":"local","time":1,"timeNano":1000000005}\n');
  assert.equal(r.out, '1970-01-01T00:00:01.000000005Z image tag sha256:1 (name=x:1)\n');
  assert.deepEqual(r.calls[0].opts?.query, { since: '0', until: '1', filters: '{"type":{"image":true}}' });
});
