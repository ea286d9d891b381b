import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError } from '../core/errors.ts';
import type { ContainerRecord } from '../core/containers/types.ts';
import {
  children, inspectLinks, linkedSetup, linkEnv, listedNames, parseLink, registerLinks, removeLink, resolveLinkName, updateHostsEntry,
} from './links.ts';

function rec(id: string, name: string, extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: id.repeat(64).slice(0, 64), name, config: { Hostname: id.repeat(12).slice(0, 12), Env: [] }, hostConfig: { NetworkMode: 'bridge' },
    state: { Running: true, Restarting: false }, ...extra,
  } as unknown as ContainerRecord;
}

function records(...cs: ContainerRecord[]): { byId(id: string): ContainerRecord | undefined; all(): ContainerRecord[]; nameOwner(n: string): ContainerRecord | undefined } {
  return { byId: (id) => cs.find((c) => c.id === id), all: () => cs, nameOwner: (n) => cs.find((c) => c.name === n) };
}

test('parseLink reads name:alias, a bare name and the stored /name:/parent/alias, with dockerd errors', () => {
  assert.deepEqual(parseLink('db:data'), { name: 'db', alias: 'data' });
  assert.deepEqual(parseLink('db'), { name: 'db', alias: 'db' });
  assert.deepEqual(parseLink('/db:/web/data'), { name: 'db', alias: 'data' });
  assert.throws(() => parseLink('a:b:c'), /bad format for links: a:b:c/);
  assert.throws(() => parseLink(''), /empty string specified for links/);
});

test('registerLinks resolves targets at create: 400 for a missing one, through container: modes, never a host one', () => {
  const db = rec('d', '/db');
  const side = rec('s', '/side', { hostConfig: { NetworkMode: `container:${db.id}` } });
  const host = rec('h', '/hostc', { hostConfig: { NetworkMode: 'host' } });
  const all = records(db, side, host);
  const resolve = (ref: string): ContainerRecord => {
    const c = all.nameOwner(`/${ref}`) ?? all.byId(ref);
    if (!c) throw new NotFoundError(`No such container: ${ref}`);
    return c;
  };
  assert.deepEqual(registerLinks({ NetworkMode: 'bridge', Links: ['db:data', 'side', 'db:data'] }, resolve), [{ id: db.id, alias: 'data' }, { id: db.id, alias: 'side' }]);
  assert.throws(() => registerLinks({ Links: ['gone:x'] }, resolve), { kind: 'invalid-parameter', message: 'could not get container for gone: No such container: gone' });
  assert.throws(() => registerLinks({ Links: ['hostc:x'] }, resolve), /host type networking can't be used with links/);
  assert.deepEqual(registerLinks({ NetworkMode: 'mynet', Links: ['gone:x'] }, resolve), [], 'a user-defined network keeps them as DNS aliases');
});

test('link names: listed after the own name, resolvable, shown in inspect, removable; a removed target stays as a dead link', () => {
  const db = rec('d', '/db');
  const web = rec('w', '/web', { links: [{ id: db.id, alias: 'data' }] });
  const all = records(db, web);
  assert.deepEqual(listedNames(all)(db), ['/db', '/web/data']);
  assert.deepEqual(listedNames(all)(web), ['/web']);
  assert.equal(resolveLinkName(all, 'web/data'), db);
  assert.equal(resolveLinkName(all, '/web/other'), undefined);
  assert.deepEqual(inspectLinks(all, web), ['/db:/web/data']);
  assert.equal(inspectLinks(all, db), null);
  assert.throws(() => removeLink(all, 'db'), /Conflict, cannot remove the default link name of the container/);
  assert.throws(() => removeLink(all, 'nobody/data'), /Cannot get parent \/nobody for link name \/nobody\/data/);
  const gone = rec('w', '/web', { links: [{ id: db.id, alias: 'data', gone: '/db' }] });
  const left = records(gone);
  assert.deepEqual(inspectLinks(left, gone), ['/db:/web/data']);
  assert.deepEqual(children(left, gone).map((x) => x.child), [undefined]);
  assert.throws(() => linkedSetup(left, gone, true, () => ({ v4: '', v6: '' })), /Cannot link to a non running container: \/db AS \/web\/data/);
  assert.equal(resolveLinkName(left, 'web/data'), undefined);
  assert.equal(removeLink(all, '/web/data'), web);
  assert.deepEqual(web.links, []);
});

test('linkEnv follows dockerd 28: first port, every port, runs of ports, the name and the target env without HOME and PATH', () => {
  const env = linkEnv('/web/my-db', '10.0.0.2', ['PASS=x', 'PATH=/bin', 'HOME=/root', 'NOEQ'], { '5432/tcp': {}, '8001/udp': {}, '8000/udp': {}, '80/tcp': {} });
  assert.deepEqual(env, [
    'MY_DB_PORT=tcp://10.0.0.2:80',
    'MY_DB_PORT_80_TCP=tcp://10.0.0.2:80', 'MY_DB_PORT_80_TCP_ADDR=10.0.0.2', 'MY_DB_PORT_80_TCP_PORT=80', 'MY_DB_PORT_80_TCP_PROTO=tcp',
    'MY_DB_PORT_5432_TCP=tcp://10.0.0.2:5432', 'MY_DB_PORT_5432_TCP_ADDR=10.0.0.2', 'MY_DB_PORT_5432_TCP_PORT=5432', 'MY_DB_PORT_5432_TCP_PROTO=tcp',
    'MY_DB_PORT_8000_UDP=udp://10.0.0.2:8000', 'MY_DB_PORT_8000_UDP_ADDR=10.0.0.2', 'MY_DB_PORT_8000_UDP_PORT=8000', 'MY_DB_PORT_8000_UDP_PROTO=udp',
    'MY_DB_PORT_8001_UDP=udp://10.0.0.2:8001', 'MY_DB_PORT_8001_UDP_ADDR=10.0.0.2', 'MY_DB_PORT_8001_UDP_PORT=8001', 'MY_DB_PORT_8001_UDP_PROTO=udp',
    'MY_DB_PORT_8000_UDP_START=udp://10.0.0.2:8000', 'MY_DB_PORT_8000_UDP_PORT_START=8000', 'MY_DB_PORT_8000_UDP_END=udp://10.0.0.2:8001', 'MY_DB_PORT_8000_UDP_PORT_END=8001',
    'MY_DB_NAME=/web/my-db', 'MY_DB_ENV_PASS=x',
  ]);
  assert.deepEqual(linkEnv('/a/b', '1.2.3.4', null, undefined), ['B_NAME=/a/b']);
});

test('linkedSetup gives hosts lines and variables on the default bridge, and refuses targets off it or stopped', () => {
  const db = rec('d', '/db', { config: { Hostname: 'dbhost', Env: ['A=1'] } as ContainerRecord['config'] });
  const web = rec('w', '/web', { links: [{ id: db.id, alias: 'data' }] });
  const all = records(db, web);
  const got = linkedSetup(all, web, true, () => ({ v4: '10.0.0.2', v6: 'fd00::2' }));
  assert.deepEqual(got.hosts, ['10.0.0.2\tdata dbhost db', 'fd00::2\tdata dbhost db']);
  assert.deepEqual(got.env, ['DATA_NAME=/web/data', 'DATA_ENV_A=1']);
  assert.deepEqual(linkedSetup(all, web, false, () => null), { env: [], hosts: [] }, 'not on the default bridge: nothing');
  assert.throws(() => linkedSetup(all, web, true, () => null), /cannot link to \/db, as it does not belong to the default network/);
  db.state.Running = false;
  assert.throws(() => linkedSetup(all, web, true, () => ({ v4: '', v6: '' })), /Cannot link to a non running container: \/db AS \/web\/data/);
});

test('updateHostsEntry moves a link alias to its new address, of the same family only', () => {
  const hosts = '127.0.0.1\tlocalhost\n10.0.0.2\tdata dbhost db\nfd00::2\tdata dbhost db\n10.0.0.9\tdatabase\n';
  assert.equal(updateHostsEntry(hosts, 'data', '10.0.0.7'), '127.0.0.1\tlocalhost\n10.0.0.7\tdata dbhost db\nfd00::2\tdata dbhost db\n10.0.0.9\tdatabase\n');
});
