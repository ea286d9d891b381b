import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../../core/errors.ts';
import { parseDaemonFlags } from './flags.ts';
import { DAEMON_USAGE } from './usage.ts';

function throwsMsg(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, `expected InvalidParameterError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

const SEE = "\nSee 'berthd --help'.";

test('long flags: --name value, --name=value, booleans', () => {
  const f = parseDaemonFlags(['--data-root', '/srv/berth', '--exec-root=/run/b', '--debug', '--live-restore=false']);
  assert.deepEqual(f.values, { 'data-root': '/srv/berth', 'exec-root': '/run/b', debug: true, 'live-restore': false });
  assert.deepEqual([...f.set].sort(), ['data-root', 'debug', 'exec-root', 'live-restore']);
  assert.equal(f.help, false);
  assert.equal(f.version, false);
});

test('short flags: -D, -H value, -Hvalue, -H=value, grouped -Dl debug', () => {
  const f = parseDaemonFlags(['-D', '-H', 'unix:///tmp/a.sock', '-Hunix:///tmp/b.sock', '-H=unix:///tmp/c.sock', '-s', 'overlay2']);
  assert.deepEqual(f.values.hosts, ['unix:///tmp/a.sock', 'unix:///tmp/b.sock', 'unix:///tmp/c.sock']);
  assert.equal(f.values.debug, true);
  assert.equal(f.values['storage-driver'], 'overlay2');
  const g = parseDaemonFlags(['-Dl', 'warn']);
  assert.equal(g.values.debug, true);
  assert.equal(g.values['log-level'], 'warn');
});

test('repeatable flags accumulate under their daemon.json names', () => {
  const f = parseDaemonFlags([
    '--registry-mirror', 'https://mirror.example.com',
    '--registry-mirror=http://10.0.0.1:5000/',
    '--insecure-registry', 'myreg:5000',
    '--insecure-registry', '10.0.0.0/8',
    '--exec-opt', 'native.cgroupdriver=systemd',
    '--default-address-pool', 'base=10.10.0.0/16,size=24',
    '--default-address-pool', 'Base=10.20.0.0/16,SIZE=20',
  ]);
  assert.deepEqual(f.values['registry-mirrors'], ['https://mirror.example.com/', 'http://10.0.0.1:5000/']);
  assert.deepEqual(f.values['insecure-registries'], ['myreg:5000', '10.0.0.0/8']);
  assert.deepEqual(f.values['exec-opts'], ['native.cgroupdriver=systemd']);
  assert.deepEqual(f.values['default-address-pools'], [
    { base: '10.10.0.0/16', size: 24 },
    { base: '10.20.0.0/16', size: 20 },
  ]);
  assert.ok(f.set.has('registry-mirrors') && f.set.has('default-address-pools'));
});

test('ints, help, version, config-file', () => {
  const f = parseDaemonFlags(['--max-concurrent-downloads', '7', '--max-concurrent-uploads=2', '-h', '-v', '--config-file', '/x.json']);
  assert.equal(f.values['max-concurrent-downloads'], 7);
  assert.equal(f.values['max-concurrent-uploads'], 2);
  assert.equal(f.help, true);
  assert.equal(f.version, true);
  assert.equal(f.configFile, '/x.json');
  assert.equal(f.set.has('max-concurrent-downloads'), true);
  assert.equal(parseDaemonFlags(['--version']).version, true);
  assert.equal(parseDaemonFlags(['--help']).help, true);
});

test('hosts are normalised when given', () => {
  const f = parseDaemonFlags(['-H', 'unix://', '-H', 'tcp://0.0.0.0', '-H', '127.0.0.1:2377', '-H', 'tcp://[::1]:3000']);
  assert.deepEqual(f.values.hosts, ['unix:///run/berth/berth.sock', 'tcp://0.0.0.0:2376', 'tcp://127.0.0.1:2377', 'tcp://[::1]:3000']);
});

test('pflag errors', () => {
  throwsMsg(() => parseDaemonFlags(['--foo']), `unknown flag: --foo${SEE}`);
  throwsMsg(() => parseDaemonFlags(['-x']), `unknown shorthand flag: 'x' in -x${SEE}`);
  throwsMsg(() => parseDaemonFlags(['-Dx']), `unknown shorthand flag: 'x' in -Dx${SEE}`);
  throwsMsg(() => parseDaemonFlags(['--data-root']), `flag needs an argument: --data-root${SEE}`);
  throwsMsg(() => parseDaemonFlags(['-H']), `flag needs an argument: 'H' in -H${SEE}`);
  throwsMsg(
    () => parseDaemonFlags(['--max-concurrent-downloads', 'lots']),
    `invalid argument "lots" for "--max-concurrent-downloads" flag: strconv.ParseInt: parsing "lots": invalid syntax${SEE}`,
  );
  throwsMsg(
    () => parseDaemonFlags(['--debug=yes']),
    `invalid argument "yes" for "-D, --debug" flag: strconv.ParseBool: parsing "yes": invalid syntax${SEE}`,
  );
  throwsMsg(() => parseDaemonFlags(['extra']), `"berthd" accepts no arguments.${SEE}`);
  throwsMsg(() => parseDaemonFlags(['--', '--debug']), `"berthd" accepts no arguments.${SEE}`);
});

test('invalid values of validated flags', () => {
  throwsMsg(
    () => parseDaemonFlags(['-H', 'fd://']),
    `invalid argument "fd://" for "-H, --host" flag: invalid bind address (fd://): fd:// (systemd socket activation) is not supported by berthd; listen on unix:///path/to/berth.sock or tcp://host:port instead${SEE}`,
  );
  throwsMsg(
    () => parseDaemonFlags(['--registry-mirror', 'mirror.example.com']),
    `invalid argument "mirror.example.com" for "--registry-mirror" flag: invalid mirror: no scheme specified for "mirror.example.com": must use either 'https://' or 'http://'${SEE}`,
  );
  throwsMsg(
    () => parseDaemonFlags(['--insecure-registry', '-bad-']),
    `invalid argument "-bad-" for "--insecure-registry" flag: invalid index name (-bad-). Cannot begin or end with a hyphen${SEE}`,
  );
  throwsMsg(
    () => parseDaemonFlags(['--default-address-pool', 'base=10.10.0.0/16,size=big']),
    `invalid argument "base=10.10.0.0/16,size=big" for "--default-address-pool" flag: invalid size value: "base=10.10.0.0/16,size=big" (must be integer)${SEE}`,
  );
  throwsMsg(
    () => parseDaemonFlags(['--default-address-pool', 'base=10.10.0.0/16,color=red']),
    `invalid argument "base=10.10.0.0/16,color=red" for "--default-address-pool" flag: unexpected key 'color' in 'color=red'${SEE}`,
  );
});

test('usage text lists every flag in dockerd style', () => {
  assert.match(DAEMON_USAGE, /^Usage:\tberthd \[OPTIONS\]\n\nA self-sufficient runtime for containers\.\n\nOptions:\n/);
  for (const f of ['--data-root string', '-H, --host list', '-D, --debug', '--tlsverify', '-v, --version', '--default-address-pool pool-options']) {
    assert.ok(DAEMON_USAGE.includes(f), f);
  }
  assert.match(DAEMON_USAGE, /--max-concurrent-downloads int +Set the max concurrent downloads \(default 3\)/);
});
