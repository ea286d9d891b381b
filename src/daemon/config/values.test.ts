import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeJsonError } from './json-error.ts';
import {
  goFormat,
  normalizeHost,
  normalizeInsecureRegistry,
  parseExecOpts,
  parseLogLevel,
  parsePoolFlag,
  validateMirror,
} from './values.ts';

test('normalizeHost', () => {
  assert.equal(normalizeHost(''), 'unix:///run/berth/berth.sock');
  assert.equal(normalizeHost('unix:///tmp/x.sock'), 'unix:///tmp/x.sock');
  assert.equal(normalizeHost('tcp://:2380'), 'tcp://localhost:2380');
  assert.equal(normalizeHost('tcp://example.com/'), 'tcp://example.com:2376');
  assert.throws(() => normalizeHost('tcp://1.2.3.4:2376/path'), { message: 'invalid bind address (tcp://1.2.3.4:2376/path): should not contain a path element' });
  assert.throws(() => normalizeHost('tcp://1.2.3.4:99999'), { message: 'invalid bind address (tcp://1.2.3.4:99999): invalid port "99999"' });
  assert.throws(() => normalizeHost('ssh://me@host'), { message: "invalid bind address (ssh://me@host): unsupported proto 'ssh'" });
  assert.throws(() => normalizeHost('unix://tcp://x'), { message: 'invalid proto, expected unix: tcp://x' });
});

test('validateMirror: dockerd cases', () => {
  assert.equal(validateMirror('https://mirror-1.example.com'), 'https://mirror-1.example.com/');
  assert.equal(validateMirror('http://127.0.0.1:5000/'), 'http://127.0.0.1:5000/');
  assert.equal(validateMirror('https://mirror-1.example.com/v1/'), 'https://mirror-1.example.com/v1/');
  assert.throws(() => validateMirror('mirror-1.example.com:5000'), {
    message: `invalid mirror: no scheme specified for "mirror-1.example.com:5000": must use either 'https://' or 'http://'`,
  });
  assert.throws(() => validateMirror('ftp://mirror-1.example.com'), {
    message: `invalid mirror: unsupported scheme "ftp" in "ftp://mirror-1.example.com": must use either 'https://' or 'http://'`,
  });
  assert.throws(() => validateMirror('http://mirror-1.example.com/?q=foo'), {
    message: 'invalid mirror: query or fragment at end of the URI "http://mirror-1.example.com/?q=foo"',
  });
  assert.throws(() => validateMirror('https://user:secret@mirror.example.com'), {
    message: 'invalid mirror: username/password not allowed in URI "https://user:xxxxx@mirror.example.com"',
  });
});

test('insecure registries: CIDRs and host[:port]', () => {
  assert.equal(normalizeInsecureRegistry('102.10.8.1/24'), '102.10.8.0/24');
  assert.equal(normalizeInsecureRegistry('myreg:5000'), 'myreg:5000');
  assert.equal(normalizeInsecureRegistry('http://myreg.local:5000'), 'myreg.local:5000');
  assert.equal(normalizeInsecureRegistry('[::1]:5000'), '[::1]:5000');
  assert.equal(normalizeInsecureRegistry('fd00::/8'), 'fd00::/8');
  assert.throws(() => normalizeInsecureRegistry('[fe80::]/64'), { message: 'insecure registry [fe80::]/64 is not valid: invalid host "[fe80::]/64"' });
  assert.throws(() => normalizeInsecureRegistry('ftp://x'), { message: "insecure registry ftp://x should not contain '://'" });
  assert.throws(() => normalizeInsecureRegistry('my_reg:5000'), { message: 'insecure registry my_reg:5000 is not valid: invalid host "my_reg"' });
});

test('address pools', () => {
  assert.deepEqual(parsePoolFlag('base=10.10.0.0/16,size=24'), { base: '10.10.0.0/16', size: 24 });
  assert.throws(() => parsePoolFlag('10.10.0.0/16'), { message: "invalid field '10.10.0.0/16' must be a key=value pair" });
  assert.throws(() => parsePoolFlag('base=10.10.0.0,size=24'), /invalid base prefix "10.10.0.0"/);
  assert.throws(() => parsePoolFlag('base=10.10.0.0/16,size=8'), { message: 'invalid default address pool 10.10.0.0/16: size 8 must be between 16 and 32' });
  assert.throws(() => parsePoolFlag('base=10.10.0.0/16'), /both base and size are required/);
});

test('exec-opts: dockerd wording', () => {
  assert.equal(parseExecOpts([]), undefined);
  assert.equal(parseExecOpts(['native.cgroupdriver=systemd']), 'systemd');
  assert.equal(parseExecOpts(['Native.CgroupDriver = cgroupfs']), 'cgroupfs');
  assert.throws(() => parseExecOpts(['native.cgroupdriver']), { message: "invalid exec-opt (native.cgroupdriver): must be formatted 'opt=value'" });
  assert.throws(() => parseExecOpts(['foo=bar']), { message: "invalid exec-opt (foo=bar): unknown option: 'foo'" });
  assert.throws(() => parseExecOpts(['isolation=hyperv']), { message: "invalid exec-opt (isolation=hyperv): option 'isolation' is only supported on windows" });
  assert.throws(() => parseExecOpts(['native.cgroupdriver=nope']), { message: 'native.cgroupdriver option nope not supported' });
});

test('log levels', () => {
  assert.equal(parseLogLevel('WARN'), 'warn');
  assert.equal(parseLogLevel('trace'), 'debug');
  assert.throws(() => parseLogLevel('loud'), { message: 'invalid logging level: loud' });
});

test('goFormat prints like Go %v', () => {
  assert.equal(goFormat(['a', 'b']), '[a b]');
  assert.equal(goFormat(false), 'false');
  assert.equal(goFormat([{ size: 24, base: '10.0.0.0/8' }]), '[map[base:10.0.0.0/8 size:24]]');
});

test('JSON syntax errors are located', () => {
  assert.equal(describeJsonError('{"debug": true}'), undefined);
  assert.equal(describeJsonError('{\n  "debug": true,\n}'), "invalid character '}' looking for beginning of object key string at line 3, column 1");
  assert.equal(describeJsonError('{"debug" true}'), "invalid character 't' after object key at line 1, column 10");
  assert.equal(describeJsonError('{"debug": yes}'), "invalid character 'y' looking for beginning of value at line 1, column 11");
  assert.equal(describeJsonError('{"debug": tru}'), "invalid character '}' in literal true (expecting 'e') at line 1, column 14");
  assert.equal(describeJsonError('{"hosts": ["a" "b"]}'), "invalid character '\"' after array element at line 1, column 16");
  assert.equal(describeJsonError('{"debug": true'), 'unexpected end of JSON input at line 1, column 15');
  assert.equal(describeJsonError('{} x'), "invalid character 'x' after top-level value at line 1, column 4");
});
