import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../../core/errors.ts';
import { configToJson, loadDaemonConfig, reloadDaemonConfig } from './load.ts';
import { DEFAULT_ADDRESS_POOLS, defaultDaemonConfig } from './types.ts';

const DEF = '/etc/berth/daemon.json';
const PREFIX = `unable to configure the Berth daemon with file ${DEF}: `;
const MERGED = `${PREFIX}merged configuration validation from file and command line flags failed: `;
const TLS = ['--tlsverify', '--tlscacert', '/c/ca.pem', '--tlscert', '/c/cert.pem', '--tlskey', '/c/key.pem'];

function files(map: Record<string, string>): (p: string) => string | undefined {
  return (p) => map[p];
}
const none = files({});

function throwsMsg(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, `expected InvalidParameterError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

test('defaults with no flags and no file', () => {
  const c = loadDaemonConfig([], none);
  assert.deepEqual(c, defaultDaemonConfig());
  assert.equal(c.pidfile, '/run/berth/berthd.pid');
  assert.deepEqual(c.defaultAddressPools, DEFAULT_ADDRESS_POOLS);
  assert.equal(c.maxConcurrentDownloads, 3);
  assert.equal(c.maxConcurrentUploads, 5);
});

test('pidfile follows exec-root unless given', () => {
  assert.equal(loadDaemonConfig(['--exec-root', '/run/b2/'], none).pidfile, '/run/b2/berthd.pid');
  assert.equal(loadDaemonConfig(['--exec-root', '/run/b2', '-p', '/tmp/x.pid'], none).pidfile, '/tmp/x.pid');
});

test('a missing default file is fine; a missing explicit file is an error', () => {
  assert.equal(loadDaemonConfig([], none).configFile, DEF);
  throwsMsg(
    () => loadDaemonConfig(['--config-file', '/x/d.json'], none),
    'unable to configure the Berth daemon with file /x/d.json: open /x/d.json: no such file or directory',
  );
});

test('empty file and BOM are accepted', () => {
  assert.deepEqual(loadDaemonConfig([], files({ [DEF]: '  \n' })), defaultDaemonConfig());
  assert.equal(loadDaemonConfig([], files({ [DEF]: '\uFEFF{"debug": true}' })).debug, true);
});

test('file and flags merge', () => {
  const json = JSON.stringify({
    'data-root': '/srv/berth',
    'registry-mirrors': ['https://mirror.gcr.io'],
    'insecure-registries': ['myreg:5000', '10.1.2.3/8'],
    'exec-opts': ['native.cgroupdriver=systemd'],
    'default-address-pools': [{ base: '10.10.0.0/16', size: 24 }],
    'live-restore': true,
    'storage-driver': 'overlay2',
    'max-concurrent-downloads': 6,
    'log-level': 'warn',
  });
  const c = loadDaemonConfig(['-D', '--max-concurrent-uploads', '9', '-H', 'unix:///tmp/b.sock'], files({ [DEF]: json }));
  assert.equal(c.dataRoot, '/srv/berth');
  assert.deepEqual(c.registryMirrors, ['https://mirror.gcr.io/']);
  assert.deepEqual(c.insecureRegistries, ['myreg:5000', '10.0.0.0/8']);
  assert.equal(c.cgroupDriver, 'systemd');
  assert.deepEqual(c.execOpts, ['native.cgroupdriver=systemd']);
  assert.deepEqual(c.defaultAddressPools, [{ base: '10.10.0.0/16', size: 24 }]);
  assert.equal(c.liveRestore, true);
  assert.equal(c.maxConcurrentDownloads, 6);
  assert.equal(c.maxConcurrentUploads, 9);
  assert.equal(c.debug, true);
  assert.equal(c.logLevel, 'warn');
  assert.deepEqual(c.hosts, ['unix:///tmp/b.sock']);
});

test('invalid JSON: position given', () => {
  throwsMsg(
    () => loadDaemonConfig([], files({ [DEF]: '{\n  "debug": true,\n}' })),
    `${PREFIX}invalid character '}' looking for beginning of object key string at line 3, column 1`,
  );
  throwsMsg(() => loadDaemonConfig([], files({ [DEF]: '["debug"]' })), `${PREFIX}json: cannot unmarshal array into the configuration object (daemon.json must hold a JSON object)`);
});

test('unknown keys', () => {
  throwsMsg(
    () => loadDaemonConfig([], files({ [DEF]: '{"foo": 1, "debug": true, "bar": "x"}' })),
    `${PREFIX}the following directives don't match any configuration option: foo, bar`,
  );
});

test('a key both as flag and in file', () => {
  throwsMsg(
    () => loadDaemonConfig(['--debug'], files({ [DEF]: '{"debug": false}' })),
    `${PREFIX}the following directives are specified both as a flag and in the configuration file: debug: (from flag: true, from file: false)`,
  );
  throwsMsg(
    () => loadDaemonConfig(['-H', 'unix:///a.sock', '-D'], files({ [DEF]: '{"hosts": ["unix:///b.sock"], "debug": true}' })),
    `${PREFIX}the following directives are specified both as a flag and in the configuration file: ` +
      'debug: (from flag: true, from file: true), hosts: (from flag: [unix:///a.sock], from file: [unix:///b.sock])',
  );
});

test('wrong value types', () => {
  const cases: Array<[string, string]> = [
    ['{"debug": "yes"}', 'json: cannot unmarshal string into configuration option debug of type bool'],
    ['{"hosts": "unix:///x"}', 'json: cannot unmarshal string into configuration option hosts of type []string'],
    ['{"hosts": [1]}', 'json: cannot unmarshal number 1 into configuration option hosts of type string'],
    ['{"max-concurrent-downloads": 2.5}', 'json: cannot unmarshal number 2.5 into configuration option max-concurrent-downloads of type int'],
    ['{"data-root": false}', 'json: cannot unmarshal bool into configuration option data-root of type string'],
    ['{"default-address-pools": [{"base": "10.0.0.0/8", "size": "24"}]}', 'json: cannot unmarshal string into configuration option default-address-pools.size of type int'],
  ];
  for (const [json, msg] of cases) throwsMsg(() => loadDaemonConfig([], files({ [DEF]: json })), PREFIX + msg);
  // null means "not set", as with Go
  assert.equal(loadDaemonConfig([], files({ [DEF]: '{"debug": null}' })).debug, false);
});

test('validation errors from the file carry the merged prefix', () => {
  throwsMsg(() => loadDaemonConfig([], files({ [DEF]: '{"log-level": "loud"}' })), `${MERGED}invalid logging level: loud`);
  throwsMsg(() => loadDaemonConfig([], files({ [DEF]: '{"max-concurrent-downloads": 0}' })), `${MERGED}invalid max concurrent downloads: 0`);
  throwsMsg(() => loadDaemonConfig([], files({ [DEF]: '{"max-concurrent-uploads": -1}' })), `${MERGED}invalid max concurrent uploads: -1`);
  throwsMsg(
    () => loadDaemonConfig([], files({ [DEF]: '{"registry-mirrors": ["ftp://m"]}' })),
    `${MERGED}invalid mirror: unsupported scheme "ftp" in "ftp://m": must use either 'https://' or 'http://'`,
  );
  throwsMsg(() => loadDaemonConfig([], files({ [DEF]: '{"exec-opts": ["foo=bar"]}' })), `${MERGED}invalid exec-opt (foo=bar): unknown option: 'foo'`);
  throwsMsg(() => loadDaemonConfig([], files({ [DEF]: '{"default-address-pools": [{"base": "10.0.0.0/8"}]}' })), `${PREFIX}invalid default address pool 10.0.0.0/8: size 0 must be between 8 and 32`);
});

test('validation errors without a file are bare', () => {
  throwsMsg(() => loadDaemonConfig(['--log-level', 'loud'], none), 'invalid logging level: loud');
  throwsMsg(() => loadDaemonConfig(['--max-concurrent-downloads', '0'], none), 'invalid max concurrent downloads: 0');
  throwsMsg(() => loadDaemonConfig(['--exec-opt', 'native.cgroupdriver=foo'], none), 'native.cgroupdriver option foo not supported');
  throwsMsg(() => loadDaemonConfig(['--data-root', 'relative/dir'], none), 'data-root must be an absolute path: relative/dir');
});

test('storage driver must be overlay2', () => {
  assert.equal(loadDaemonConfig(['-s', 'overlay2'], none).storageDriver, 'overlay2');
  throwsMsg(
    () => loadDaemonConfig(['--storage-driver', 'vfs'], none),
    'error initializing graphdriver: driver not supported: vfs (berthd supports only overlay2)',
  );
  throwsMsg(
    () => loadDaemonConfig([], files({ [DEF]: '{"storage-driver": "btrfs"}' })),
    'error initializing graphdriver: driver not supported: btrfs (berthd supports only overlay2)',
  );
});

test('insecure registries are checked', () => {
  throwsMsg(
    () => loadDaemonConfig([], files({ [DEF]: '{"insecure-registries": ["[fe80::]/64"]}' })),
    'insecure registry [fe80::]/64 is not valid: invalid host "[fe80::]/64"',
  );
});

test('tcp hosts require all TLS settings', () => {
  const c = loadDaemonConfig(['-H', 'tcp://0.0.0.0:2376', ...TLS], none);
  assert.deepEqual(c.hosts, ['tcp://0.0.0.0:2376']);
  assert.deepEqual(c.tls, { verify: true, cacert: '/c/ca.pem', cert: '/c/cert.pem', key: '/c/key.pem' });
  throwsMsg(
    () => loadDaemonConfig(['-H', 'tcp://0.0.0.0:2375'], none),
    'refusing to listen on tcp://0.0.0.0:2375 without TLS: a tcp:// host needs --tlsverify, --tlscacert, --tlscert and --tlskey ' +
      '(missing: --tlsverify, --tlscacert, --tlscert, --tlskey); anyone reaching an unprotected port gets root on this machine',
  );
  assert.throws(() => loadDaemonConfig(['-H', 'tcp://:2376', '--tlsverify', '--tlscacert', '/ca'], none), /missing: --tlscert, --tlskey/);
  // TLS settings may come from the file too
  const fromFile = JSON.stringify({ tlsverify: true, tlscacert: '/a', tlscert: '/b', tlskey: '/c' });
  assert.equal(loadDaemonConfig(['-H', 'tcp://127.0.0.1:2376'], files({ [DEF]: fromFile })).tls.verify, true);
});

test('fd:// hosts in the file are rejected clearly', () => {
  assert.throws(
    () => loadDaemonConfig([], files({ [DEF]: '{"hosts": ["fd://"]}' })),
    /fd:\/\/ \(systemd socket activation\) is not supported by berthd/,
  );
});

test('configToJson round-trips through daemon.json', () => {
  const c = loadDaemonConfig(['--exec-opt', 'native.cgroupdriver=systemd', '--registry-mirror', 'https://m.example'], none);
  const again = loadDaemonConfig(['--config-file', '/c.json'], files({ '/c.json': JSON.stringify(configToJson(c)) }));
  assert.deepEqual({ ...again, configFile: DEF }, c);
});

// ---- reload ----

test('reload applies reloadable keys and reports them', () => {
  const cur = loadDaemonConfig([], files({ [DEF]: '{"debug": false, "max-concurrent-downloads": 8}' }));
  const file = JSON.stringify({
    debug: true,
    'log-level': 'error',
    'registry-mirrors': ['https://m2.example'],
    'insecure-registries': ['reg.local:5000'],
    'live-restore': true,
    'max-concurrent-uploads': 1,
  });
  const { config, changed, ignored } = reloadDaemonConfig(cur, files({ [DEF]: file }));
  assert.equal(config.debug, true);
  assert.equal(config.logLevel, 'error');
  assert.deepEqual(config.registryMirrors, ['https://m2.example/']);
  assert.deepEqual(config.insecureRegistries, ['reg.local:5000']);
  assert.equal(config.liveRestore, true);
  assert.equal(config.maxConcurrentUploads, 1);
  assert.equal(config.maxConcurrentDownloads, 3, 'absent max-concurrent-* return to the default');
  assert.deepEqual(changed.sort(), [
    'debug', 'insecure-registries', 'live-restore', 'log-level', 'max-concurrent-downloads', 'max-concurrent-uploads', 'registry-mirrors',
  ]);
  assert.deepEqual(ignored, []);
});

test('reload keeps absent keys and ignores non-reloadable changes', () => {
  const cur = loadDaemonConfig(['-D'], files({ [DEF]: '{"registry-mirrors": ["https://m.example"]}' }));
  const file = '{"data-root": "/elsewhere", "storage-driver": "overlay2", "hosts": ["unix:///run/berth/berth.sock"], "log-level": "info"}';
  const r = reloadDaemonConfig(cur, files({ [DEF]: file }), ['-D']);
  assert.deepEqual(r.config.registryMirrors, ['https://m.example/']);
  assert.equal(r.config.debug, true);
  assert.equal(r.config.dataRoot, '/var/lib/berth');
  assert.deepEqual(r.changed, []);
  assert.deepEqual(r.ignored, ['data-root']);
});

test('reload errors: invalid values, conflicts with flags; nothing changes', () => {
  const cur = loadDaemonConfig(['-D'], none);
  throwsMsg(() => reloadDaemonConfig(cur, files({ [DEF]: '{"log-level": "loud"}' })), 'file configuration validation failed: invalid logging level: loud');
  throwsMsg(
    () => reloadDaemonConfig(cur, files({ [DEF]: '{"debug": false}' }), ['-D']),
    `${PREFIX}the following directives are specified both as a flag and in the configuration file: debug: (from flag: true, from file: false)`,
  );
  throwsMsg(() => reloadDaemonConfig(cur, files({ [DEF]: '{"nope": 1}' })), `${PREFIX}the following directives don't match any configuration option: nope`);
  assert.equal(cur.debug, true);
});

test('reload with the file gone: defaults for max-concurrent-*, rest kept; explicit file must exist', () => {
  const cur = loadDaemonConfig(['--config-file', '/c.json'], files({ '/c.json': '{"max-concurrent-uploads": 2, "debug": true}' }));
  const r = reloadDaemonConfig(cur, none);
  assert.equal(r.config.maxConcurrentUploads, 5);
  assert.equal(r.config.debug, true);
  assert.deepEqual(r.changed, ['max-concurrent-uploads']);
  assert.throws(() => reloadDaemonConfig(cur, none, ['--config-file', '/c.json']), /open \/c\.json: no such file or directory/);
});

test('log-driver and log-opts from the file and from flags', () => {
  const c = loadDaemonConfig(['--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'], files({}));
  assert.deepEqual(c.logOpts, { 'max-size': '10m', 'max-file': '3' });
  assert.equal(c.logDriver, 'json-file');
  assert.deepEqual(loadDaemonConfig([], files({ [DEF]: '{"log-driver": "local", "log-opts": {"max-size": "1m"}}' })).logOpts, { 'max-size': '1m' });
  throwsMsg(() => loadDaemonConfig([], files({ [DEF]: '{"log-opts": {"max-file": "0"}}' })), `${MERGED}failed to set log opts: max-file cannot be less than 1`);
  throwsMsg(() => loadDaemonConfig([], files({ [DEF]: '{"log-driver": "gelfx"}' })), `${MERGED}failed to set log opts: error looking up logging plugin gelfx: plugin "gelfx" not found`);
  assert.throws(() => loadDaemonConfig([], files({ [DEF]: '{"log-opts": {"max-file": 3}}' })), /cannot unmarshal number 3 into configuration option log-opts of type string/);
});
