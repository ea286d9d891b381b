import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { credsKey, encodeAuth, eraseCreds, getCreds, INDEX_SERVER, storeCreds } from './registry-creds.ts';

test('credential keys: Docker Hub spellings map to the index server, others to host[:port]', () => {
  assert.equal(credsKey(''), INDEX_SERVER);
  assert.equal(credsKey('docker.io'), INDEX_SERVER);
  assert.equal(credsKey('https://index.docker.io/v1/'), INDEX_SERVER);
  assert.equal(credsKey('https://reg.example:5000/v2/'), 'reg.example:5000');
  assert.equal(credsKey('127.0.0.1:5000'), '127.0.0.1:5000');
});

test('auths in config.json: base64 user:password, kept alongside other keys, erased on logout', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-creds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ psFormat: 'table {{.ID}}' }));
  storeCreds(dir, { username: 'alice', password: 'p:w', serveraddress: 'reg:5000' });
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(cfg.psFormat, 'table {{.ID}}');
  assert.equal(cfg.auths['reg:5000'].auth, Buffer.from('alice:p:w').toString('base64'));
  assert.deepEqual(getCreds(dir, 'reg:5000'), { serveraddress: 'reg:5000', username: 'alice', password: 'p:w' });
  const header = JSON.parse(Buffer.from(encodeAuth(getCreds(dir, 'reg:5000')).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString());
  assert.deepEqual(header, { username: 'alice', password: 'p:w', serveraddress: 'reg:5000' });
  assert.equal(eraseCreds(dir, 'reg:5000'), true);
  assert.equal(getCreds(dir, 'reg:5000'), undefined);
  assert.equal(eraseCreds(dir, 'reg:5000'), false);
  assert.equal(encodeAuth(undefined), Buffer.from('{}').toString('base64'));
});

test('credsStore / credHelpers: docker-credential-NAME get/store/erase', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-creds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = join(dir, 'store.json');
  const helper = join(dir, 'docker-credential-fake');
  writeFileSync(helper, `#!/usr/bin/env python3
import json, sys, os
path = ${JSON.stringify(store)}
db = json.load(open(path)) if os.path.exists(path) else {}
action, data = sys.argv[1], sys.stdin.read()
if action == 'store':
    v = json.loads(data); db[v['ServerURL']] = v
elif action == 'get':
    key = data.strip()
    if key not in db: print('credentials not found in native keychain'); sys.exit(1)
    print(json.dumps({'ServerURL': key, 'Username': db[key]['Username'], 'Secret': db[key]['Secret']}))
elif action == 'erase':
    db.pop(data.strip(), None)
json.dump(db, open(path, 'w'))
`);
  chmodSync(helper, 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  t.after(() => { process.env.PATH = oldPath; });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'fake' }));
  storeCreds(dir, { username: 'bob', password: 'secret', serveraddress: 'reg:5000' });
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.deepEqual(cfg.auths['reg:5000'], {}, 'no secret in config.json');
  assert.equal(JSON.parse(readFileSync(store, 'utf8'))['reg:5000'].Secret, 'secret');
  assert.deepEqual(getCreds(dir, 'reg:5000'), { username: 'bob', password: 'secret', serveraddress: 'reg:5000' });
  assert.equal(getCreds(dir, 'other:1'), undefined);
  assert.equal(eraseCreds(dir, 'reg:5000'), true);
  assert.equal(getCreds(dir, 'reg:5000'), undefined);
});
