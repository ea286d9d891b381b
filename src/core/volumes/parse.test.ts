import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDaemonRootRule, checkProcMount, mountSpec, parseBind, parseVolumesFrom, tmpfsOptions, validMountMode } from './parse.ts';

const rnd = (): string => 'f'.repeat(64);
const bind = (raw: string, driver = '') => parseBind(raw, driver, rnd);
const msg = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
};

describe('parseBind (HostConfig.Binds)', () => {
  it('reads host binds with dockerd defaults', () => {
    const p = bind('/srv/data:/data').point;
    assert.deepEqual(p, { Type: 'bind', Source: '/srv/data', Destination: '/data', Mode: '', RW: true, Propagation: 'rprivate', createSource: true });
    const ro = bind('/srv/data/:/data/:ro,rslave').point;
    assert.equal(ro.RW, false);
    assert.equal(ro.Mode, 'ro,rslave');
    assert.equal(ro.Propagation, 'rslave');
    assert.equal(ro.Source, '/srv/data');
    assert.equal(ro.Destination, '/data');
  });

  it('reads named volumes (Mode z) and nocopy', () => {
    const s = bind('cache:/var/cache');
    assert.equal(s.point.Type, 'volume');
    assert.equal(s.point.Name, 'cache');
    assert.equal(s.point.Mode, 'z');
    assert.equal(s.point.copyData, true);
    assert.deepEqual(s.volume, { driver: 'local', labels: {}, options: {}, anonymous: false });
    const nc = bind('cache:/var/cache:nocopy').point;
    assert.equal(nc.copyData, false);
    assert.equal(nc.Mode, 'nocopy');
    assert.equal(bind('cache:/c', 'mydrv').volume?.driver, 'mydrv');
  });

  it('a path alone is an anonymous volume', () => {
    const s = bind('/only');
    assert.equal(s.point.Name, rnd());
    assert.equal(s.volume?.anonymous, true);
  });

  it("answers bad specs with dockerd's messages", () => {
    assert.equal(msg(() => bind('a:b:c:d')), "invalid volume specification: 'a:b:c:d'");
    assert.equal(msg(() => bind(':/x')), "invalid volume specification: ':/x'");
    assert.equal(msg(() => bind('/x:rw')), "invalid volume specification: '/x:rw'");
    assert.equal(msg(() => bind('vol1:/x:zz')), 'invalid mode: zz');
    assert.equal(msg(() => bind('/a:/x:ro,rw')), 'invalid mode: ro,rw');
    assert.equal(msg(() => bind('/h:/')), `invalid volume specification: '/h:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`);
    assert.equal(msg(() => bind('/a:rel')), `invalid volume specification: '/a:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`);
    assert.equal(msg(() => bind('/a:/b:nocopy')), `invalid volume specification: '/a:/b:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`);
  });

  it('knows the valid modes', () => {
    for (const m of ['', 'ro', 'rw', 'z', 'Z', 'ro,z', 'rshared', 'nocopy', 'ro,nocopy,rslave,z', 'cached']) assert.ok(validMountMode(m), m);
    for (const m of ['x', 'ro,ro', 'z,Z', 'shared,slave', 'nocopy,nocopy']) assert.ok(!validMountMode(m), m);
  });
});

describe('mountSpec (HostConfig.Mounts)', () => {
  const spec = (m: object) => mountSpec(m, { fromApi: true, randomName: rnd });
  it('binds must name an absolute source and get rprivate', () => {
    const s = spec({ Type: 'bind', Source: '/h', Target: '/x' });
    assert.equal(s.point.Propagation, 'rprivate');
    assert.equal(s.point.Mode, '');
    assert.equal(s.sourceMustExist, true);
    assert.equal(msg(() => spec({ Type: 'bind', Target: '/x' })), 'invalid mount config for type "bind": field Source must not be empty');
    assert.equal(msg(() => spec({ Type: 'bind', Source: 'rel', Target: '/x' })), `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`);
    assert.equal(msg(() => spec({ Type: 'bind', Source: '/h', Target: '/x', BindOptions: { Propagation: 'bogus' } })), 'invalid mount config for type "bind": invalid propagation mode: bogus');
    assert.equal(spec({ Type: 'bind', Source: '/h', Target: '/x', BindOptions: { CreateMountpoint: true } }).sourceMustExist, false);
  });

  it('volumes: options, labels, nocopy, read-only only when named', () => {
    const s = spec({ Type: 'volume', Source: 'v1', Target: '/d', ReadOnly: true, VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } } } });
    assert.equal(s.point.RW, false);
    assert.equal(s.point.copyData, false);
    assert.equal(s.point.Mode, 'z');
    assert.deepEqual(s.volume, { driver: 'local', labels: { a: 'b' }, options: { type: 'tmpfs', device: 'tmpfs' }, anonymous: false });
    assert.equal(msg(() => spec({ Type: 'volume', Target: '/d', ReadOnly: true })), 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes');
    assert.equal(spec({ Type: 'volume', Target: '/d' }).volume?.anonymous, true);
  });

  it('tmpfs takes no source; unknown types are refused', () => {
    const t = spec({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 2 * 1024 * 1024, Mode: 0o1770 } });
    assert.deepEqual(t.point.tmpfs, { size: 2 * 1024 * 1024, mode: 0o1770 });
    assert.equal(msg(() => spec({ Type: 'tmpfs', Source: 'foo', Target: '/t' })), 'invalid mount config for type "tmpfs": field Source must not be specified');
    assert.equal(msg(() => spec({ Type: 'npipe', Target: '/t' })), 'invalid mount config for type "npipe": mount type unknown');
    assert.equal(msg(() => spec({ Type: 'bind', Source: '/a' })), 'invalid mount config for type "bind": field Target must not be empty');
  });
});

describe('volumes-from, /proc and tmpfs options', () => {
  it('parses CONTAINER[:MODE]', () => {
    assert.deepEqual(parseVolumesFrom('u1'), { container: 'u1', readOnly: false });
    assert.deepEqual(parseVolumesFrom('u1:ro'), { container: 'u1', readOnly: true });
    assert.deepEqual(parseVolumesFrom('u1:rw,z'), { container: 'u1', readOnly: false });
    assert.equal(msg(() => parseVolumesFrom('u1:bad')), 'invalid mode: bad');
    assert.equal(msg(() => parseVolumesFrom('u1:rshared')), 'invalid mode rshared for volumes-from, propagation properties are not allowed');
    assert.equal(msg(() => parseVolumesFrom('')), 'volumes-from specification cannot be an empty string');
  });

  it('refuses mounts over /proc with runc\'s words', () => {
    const p = (Destination: string) => ({ Type: 'bind' as const, Source: '/h', Destination, Mode: '', RW: true, Propagation: '' });
    assert.equal(msg(() => checkProcMount(p('/proc'))), 'error mounting "/h" to rootfs at "/proc": "/proc" cannot be mounted because it is not of type proc');
    assert.equal(msg(() => checkProcMount(p('/proc/sys'))), 'error mounting "/h" to rootfs at "/proc/sys": "/proc/sys" cannot be mounted because it is inside /proc');
    assert.doesNotThrow(() => checkProcMount(p('/proc/cpuinfo')));
    assert.doesNotThrow(() => checkProcMount(p('/processes')));
  });

  it('converts tmpfs sizes with the largest whole suffix', () => {
    assert.deepEqual(tmpfsOptions({ size: 1024 * 1024, mode: 0o700 }, false), ['mode=700', 'size=1m']);
    assert.deepEqual(tmpfsOptions({ size: 3 * 2 ** 30 }, true), ['ro', 'size=3g']);
    assert.deepEqual(tmpfsOptions({ size: 1000 }, false), ['size=1000']);
    assert.deepEqual(tmpfsOptions(undefined, false), []);
  });
});

describe('binds holding the daemon root (validateBindDaemonRoot)', () => {
  const root = '/var/lib/berth';
  it('get rslave when they name no propagation, and keep rslave or rshared', () => {
    for (const raw of ['/var:/x', '/var/lib/berth/volumes:/x', '/var/lib/berth:/x:ro']) {
      const s = bind(raw);
      applyDaemonRootRule(s, root);
      assert.deepEqual([s.point.Propagation, s.point.autoSlave], ['rslave', true], raw);
    }
    const shared = bind('/:/x:rshared');
    applyDaemonRootRule(shared, root);
    assert.deepEqual([shared.point.Propagation, shared.point.autoSlave], ['rshared', undefined]);
    const other = bind('/srv:/x');
    applyDaemonRootRule(other, root);
    assert.equal(other.point.Propagation, 'rprivate', 'a bind elsewhere keeps the default');
    const mount = mountSpec({ Type: 'bind', Source: '/var', Target: '/x' }, { fromApi: true, randomName: rnd });
    applyDaemonRootRule(mount, root);
    assert.equal(mount.point.Propagation, 'rslave');
  });
  it('refuse any other propagation they name', () => {
    assert.equal(msg(() => applyDaemonRootRule(bind('/var:/x:ro,rprivate'), root)),
      'invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "/var/lib/berth", bind mount source: "/var", propagation: "rprivate"');
    assert.match(msg(() => applyDaemonRootRule(mountSpec({ Type: 'bind', Source: '/var/lib/berth/x', Target: '/x', BindOptions: { Propagation: 'shared' } }, { fromApi: true, randomName: rnd }), root)), /propagation: "shared"$/);
  });
});
