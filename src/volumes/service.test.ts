import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MountPoint, VolumeUser } from '../core/volumes/types.ts';
import { MetadataDb } from '../metadata/db.ts';
import { ContainerMounts } from './container-mounts.ts';
import { directorySize, validateVolumeName, validateVolumeOptions } from './local.ts';
import { VolumeService } from './service.ts';
import { VolumeDb } from './store.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'berth-vol-'));
  dirs.push(dir);
  const meta = new MetadataDb(join(dir, 'db'));
  const users: VolumeUser[] = [];
  const events: string[] = [];
  const svc = new VolumeService({
    db: new VolumeDb(meta), root: join(dir, 'volumes'), users: () => users,
    events: { publish: (type, action, id) => { events.push(`${type} ${action} ${id}`); } },
  });
  return { dir, meta, svc, users, events, mounts: new ContainerMounts(svc) };
}

const msgOf = async (p: Promise<unknown>): Promise<string> => p.then(() => '(no error)', (e: Error) => e.message);
const noContainers = (ref: string): never => { throw Object.assign(new Error(`No such container: ${ref}`), { kind: 'not-found' }); };

describe('local driver rules', () => {
  it('checks names and options like dockerd', () => {
    assert.doesNotThrow(() => validateVolumeName('my-vol_1.x'));
    assert.throws(() => validateVolumeName('x'), /volume name is too short, names should be at least two alphanumeric characters/);
    assert.throws(() => validateVolumeName('foo/bar'), /"foo\/bar" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed\. If you intended to pass a host directory, use absolute path/);
    assert.throws(() => validateVolumeName('_x'), /includes invalid characters/);
    assert.doesNotThrow(() => validateVolumeOptions({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }));
    assert.throws(() => validateVolumeOptions({ type: 'tmpfs', foo: 'bar' }), /invalid option: "foo"/);
    assert.throws(() => validateVolumeOptions({ o: 'size=1m' }), /missing required option: "device"/);
    assert.throws(() => validateVolumeOptions({ type: 'tmpfs' }), /missing required option: "device"/);
  });
});

describe('VolumeService', () => {
  it('creates, finds, lists with filters and keeps records across reopen', async () => {
    const { svc, dir, events } = setup();
    const v = await svc.create({ name: 'data1', labels: { app: 'web' } });
    assert.equal(v.mountpoint, join(dir, 'volumes/data1/_data'));
    assert.ok(existsSync(v.mountpoint));
    assert.match(v.record.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await svc.create({ name: 'data1', labels: { other: 'x' } });
    assert.deepEqual(again.record.labels, { app: 'web' }, 'an existing volume is returned as it is');
    const anon = await svc.create({});
    assert.match(anon.record.name, /^[a-f0-9]{64}$/);
    assert.deepEqual(events, ['volume create data1', 'volume create data1', `volume create ${anon.record.name}`]);
    const names = async (f: [string, string[]][]) => (await svc.list(new Map(f))).map((x) => x.record.name);
    assert.deepEqual(await names([['label', ['app=web']]]), ['data1']);
    assert.deepEqual(await names([['name', ['ata']]]), ['data1']);
    assert.deepEqual(await names([['driver', ['other']]]), []);
    await assert.rejects(svc.list(new Map([['bogus', ['1']]])), /invalid filter 'bogus'/);
    assert.equal(await msgOf(svc.get('nope')), 'get nope: no such volume');
    assert.equal(await msgOf(svc.create({ name: 'x', driver: 'foo' })), 'create x: error looking up volume plugin foo: plugin "foo" not found');
    assert.equal(await msgOf(svc.create({ name: 'a/b' })), 'create a/b: "a/b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path');
    const reopened = new VolumeService({ ...svc.d, db: new VolumeDb(new MetadataDb(join(dir, 'db'))) });
    assert.deepEqual((await reopened.get('data1')).record.labels, { app: 'web' });
  });

  it('refuses to remove a volume in use and prunes anonymous ones unless all', async () => {
    const { svc, users } = setup();
    await svc.create({ name: 'named' });
    await svc.create({ name: 'busy' });
    const anon = (await svc.create({ labels: { 'com.docker.volume.anonymous': '' } })).record.name;
    writeFileSync(join(svc.dataDir(anon), 'f'), '12345');
    users.push({ id: 'c'.repeat(64), running: false, mounts: [{ Type: 'volume', Name: 'busy', Source: '', Destination: '/b', Mode: '', RW: true, Propagation: '' }] });
    assert.equal(await msgOf(svc.remove('busy', true)), `remove busy: volume is in use - [${'c'.repeat(64)}]`);
    assert.deepEqual((await svc.list(new Map([['dangling', ['true']]]))).map((v) => v.record.name).sort(), [anon, 'named'].sort());
    assert.deepEqual(await svc.prune(new Map()), { deleted: [anon], reclaimed: 5 });
    assert.deepEqual((await svc.prune(new Map([['all', ['true']]]))).deleted, ['named']);
    assert.ok(await svc.get('busy'));
    await svc.remove('gone', true);
    assert.equal(await msgOf(svc.remove('gone', false)), 'get gone: no such volume');
    users.length = 0;
    await svc.remove('busy', false);
    assert.equal((await svc.list(new Map())).length, 0);
  });

  it('never deletes through a filesystem still mounted inside a volume', { skip: process.getuid?.() !== 0 && 'needs root (mount)' }, async () => {
    const { svc } = setup();
    await svc.create({ name: 'guarded' });
    const sub = join(svc.dataDir('guarded'), 'sub');
    mkdirSync(sub);
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', sub]).status, 0);
    try {
      writeFileSync(join(sub, 'precious'), 'x');
      assert.equal(await msgOf(svc.remove('guarded', false)), `remove guarded: volume is still mounted at ${sub}`);
      assert.ok(existsSync(join(sub, 'precious')));
      assert.ok(await svc.get('guarded'));
    } finally {
      spawnSync('umount', [sub]);
    }
    await svc.remove('guarded', false);
    assert.equal(existsSync(svc.dataDir('guarded')), false);
  });

  it('sizes directories counting hard links once', async () => {
    const { dir } = setup();
    mkdirSync(join(dir, 't/sub'), { recursive: true });
    writeFileSync(join(dir, 't/a'), 'abc');
    writeFileSync(join(dir, 't/sub/b'), 'defg');
    const { linkSync } = await import('node:fs');
    linkSync(join(dir, 't/a'), join(dir, 't/sub/a2'));
    assert.equal(await directorySize(join(dir, 't')), 7);
  });
});

describe('ContainerMounts', () => {
  const container = (hostConfig: Record<string, unknown>, volumes: Record<string, object> | null = null) =>
    ({ id: 'a'.repeat(64), config: { Volumes: volumes }, hostConfig });

  it('resolves binds, volumes, mounts and image volumes in dockerd order', async () => {
    const { svc, mounts, dir } = setup();
    const points = await mounts.resolve(container({
      Binds: ['/srv:/srv:ro', 'named:/n'],
      Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1 << 20 } }, { Type: 'bind', Source: dir, Target: '/d' }],
    }, { '/n': {}, '/img': {} }), noContainers);
    const byDest = Object.fromEntries(points.map((p) => [p.Destination, p]));
    assert.deepEqual(Object.keys(byDest).sort(), ['/d', '/img', '/n', '/srv', '/t']);
    assert.equal(byDest['/n'].Name, 'named', 'a bind wins over the image volume at the same path');
    assert.equal(byDest['/n'].Source, svc.dataDir('named'));
    assert.match(byDest['/img'].Name!, /^[a-f0-9]{64}$/);
    assert.deepEqual((await svc.get(byDest['/img'].Name!)).record.labels, { 'com.docker.volume.anonymous': '' });
    assert.equal(byDest['/srv'].RW, false);
  });

  it('fails with no partial state', async () => {
    const { svc, mounts } = setup();
    const bad = async (h: Record<string, unknown>, v: Record<string, object> | null = null) => {
      const m = await msgOf(mounts.resolve(container(h, v), noContainers));
      assert.equal((await svc.list(new Map())).length, 0, `no volume left after: ${m}`);
      return m;
    };
    assert.equal(await bad({ Binds: ['good:/a', 'foo/bar:/b'] }), 'create foo/bar: "foo/bar" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path');
    assert.equal(await bad({ Binds: ['/h:/x', 'v2:/x'] }), 'Duplicate mount point: /x');
    assert.equal(await bad({ Binds: ['v2:/x'], Tmpfs: { '/x': '' } }), 'Duplicate mount point: /x');
    assert.equal(await bad({ Binds: ['good:/a'], Mounts: [{ Type: 'bind', Source: '/nonexistent-berth', Target: '/x' }] }), 'invalid mount config for type "bind": bind source path does not exist: /nonexistent-berth');
    assert.equal(await bad({ Binds: ['good:/a', '/h:/proc'] }), 'error mounting "/h" to rootfs at "/proc": "/proc" cannot be mounted because it is not of type proc');
    assert.equal(await bad({ VolumesFrom: ['nope'] }, { '/anon': {} }), 'No such container: nope');
    assert.equal(await bad({ Binds: ['good:/a', 'xy:/b'], Mounts: [{ Type: 'volume', Source: 'v3', Target: '/c', VolumeOptions: { DriverConfig: { Options: { bogus: '1' } } } }] }), 'create v3: invalid option: "bogus"');
  });

  it('keeps volume-subpath inside the volume', async () => {
    const { svc, mounts, dir } = setup();
    const mk = async (subpath: string) => ({
      id: 'd'.repeat(64),
      mountPoints: await mounts.resolve(container({ Mounts: [{ Type: 'volume', Source: 'sp', Target: '/x', VolumeOptions: { Subpath: subpath } }] }), noContainers),
    });
    await svc.create({ name: 'sp' });
    mkdirSync(join(svc.dataDir('sp'), 'sub'));
    symlinkSync('/etc', join(svc.dataDir('sp'), 'evil'));
    symlinkSync('sub', join(svc.dataDir('sp'), 'good'));
    const rootfs = join(dir, 'rootfs');
    mkdirSync(rootfs);
    assert.equal((await mounts.attach(await mk('good'), rootfs))[0].source, join(svc.dataDir('sp'), 'sub'));
    assert.equal(await msgOf(mounts.attach(await mk('evil'), rootfs)), `cannot access path ${join(svc.dataDir('sp'), 'evil')}: path is outside of the volume`);
    assert.equal(await msgOf(mounts.attach(await mk('none'), rootfs)), `cannot access path ${join(svc.dataDir('sp'), 'none')}: no such file or directory`);
    assert.equal(await msgOf(mk('../x')), 'invalid mount config for type "volume": subpath must be a relative path within the volume');
  });

  it('shares the mounts of --volumes-from read-only on request', async () => {
    const { mounts } = setup();
    const u1: MountPoint[] = [
      { Type: 'volume', Name: 'shared', Source: '/v/shared/_data', Destination: '/s', Driver: 'local', Mode: 'z', RW: true, Propagation: '', copyData: true },
      { Type: 'bind', Source: '/h', Destination: '/h', Mode: '', RW: true, Propagation: 'rprivate', createSource: true },
    ];
    const points = await mounts.resolve(container({ VolumesFrom: ['u1:ro'] }), (ref) => {
      assert.equal(ref, 'u1');
      return { mountPoints: u1 };
    });
    assert.deepEqual(points.map((p) => [p.Destination, p.RW, p.Mode, p.copyData]), [['/s', false, '', false], ['/h', false, '', false]]);
  });

  it('copies image content into a new empty volume, keeping owners and modes', { skip: process.getuid?.() !== 0 && 'needs root (chown)' }, async () => {
    const { svc, mounts, dir, users } = setup();
    const rootfs = join(dir, 'rootfs');
    mkdirSync(join(rootfs, 'data/sub'), { recursive: true, mode: 0o750 });
    writeFileSync(join(rootfs, 'data/f'), 'hi');
    chownSync(join(rootfs, 'data/sub'), 1234, 5678);
    chownSync(join(rootfs, 'data'), 42, 43);
    const c = { id: 'b'.repeat(64), mountPoints: await mounts.resolve(container({ Binds: ['cv:/data', 'nc:/data2:nocopy'] }), noContainers) };
    mkdirSync(join(rootfs, 'data2'));
    writeFileSync(join(rootfs, 'data2/x'), 'x');
    users.push({ id: c.id, running: true, mounts: c.mountPoints });
    const spec = await mounts.attach(c, rootfs);
    assert.deepEqual(spec.map((m) => [m.destination, m.source, m.options]), [
      ['/data', svc.dataDir('cv'), ['rbind', 'rprivate']], ['/data2', svc.dataDir('nc'), ['rbind', 'rprivate']],
    ]);
    const st = statSync(join(svc.dataDir('cv'), 'sub'));
    assert.equal(st.uid, 1234);
    assert.equal(st.gid, 5678);
    assert.equal(statSync(svc.dataDir('cv')).uid, 42, 'the volume root takes the owner of the image directory');
    assert.equal(existsSync(join(svc.dataDir('nc'), 'x')), false, 'nocopy');
    writeFileSync(join(rootfs, 'data/new'), 'later');
    await mounts.attach(c, rootfs);
    assert.equal(existsSync(join(svc.dataDir('cv'), 'new')), false, 'a volume with content is left alone');
    await mounts.detach(c);
  });
});

describe('VolumeService filters as dockerd 28', () => {
  it('lists by name as a Go regexp, driver exactly, dangling as GetBoolOrDefault', async () => {
    const { svc, users } = setup();
    for (const n of ['v1', 'v2', 'vol-abc']) await svc.create({ name: n });
    users.push({ id: 'c'.repeat(64), running: true, mounts: [{ Type: 'volume', Name: 'v1', Source: '', Destination: '/b', Mode: '', RW: true, Propagation: '' }] });
    const names = async (f: [string, string[]][]) => (await svc.list(new Map(f))).map((x) => x.record.name).sort();
    assert.deepEqual(await names([['name', ['^v.$']]]), ['v1', 'v2']);
    assert.deepEqual(await names([['name', ['(?i)L-A']]]), ['vol-abc'], 'RE2 syntax');
    assert.deepEqual(await names([['name', ['[']]]), [], 'a bad regexp matches only itself');
    assert.deepEqual(await names([['driver', ['loc']]]), []);
    assert.deepEqual(await names([['dangling', ['1']]]), ['v2', 'vol-abc']);
    assert.deepEqual(await names([['dangling', ['0']]]), ['v1']);
    assert.equal(await msgOf(svc.list(new Map([['dangling', ['TRUE']]]))), "invalid filter 'dangling=[TRUE]'");
    assert.equal(await msgOf(svc.list(new Map([['dangling', ['true', 'false']]]))), "invalid filter 'dangling=[true false]'");
  });

  it('a volume created without a name is anonymous; prune takes anonymous ones, or with all every unused one without options', async () => {
    const { svc } = setup();
    const anon = (await svc.create({})).record;
    assert.deepEqual(anon.labels, { 'com.docker.volume.anonymous': '' });
    await svc.create({ name: 'named', labels: { a: '1', b: '2' } });
    await svc.create({ name: 'other', labels: { a: '1' } });
    await svc.create({ name: 'withopts', driverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    assert.equal(await msgOf(svc.prune(new Map([['all', ['maybe']]]))), 'invalid filter \'all\': strconv.ParseBool: parsing "maybe": invalid syntax');
    assert.equal(await msgOf(svc.prune(new Map([['all', ['1', '0']]]))), "invalid filter 'all=[1 0]': only one value is expected");
    assert.deepEqual((await svc.prune(new Map())).deleted, [anon.name]);
    assert.deepEqual((await svc.prune(new Map([['all', ['T']], ['label!', ['a', 'b']]]))).deleted, ['other'], 'label!: only those with all of them stay');
    assert.deepEqual((await svc.prune(new Map([['all', ['true']]]))).deleted, ['named']);
    assert.ok(await svc.get('withopts'), 'a volume with mount options is never pruned');
    assert.deepEqual((await svc.usage()).map((v) => v.record.name), [], 'nor counted by system df');
  });
});
