import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Daemon, busyboxRootfs } from './harness.ts';

describe('images with the docker CLI', () => {
  const d = new Daemon();
  before(() => d.start());
  after(() => d.cleanup());

  it('imports busybox with changes and lists it like docker', () => {
    const imp = d.docker(['import', '-c', 'CMD ["sh"]', '-c', 'ENV FOO=bar', '-c', 'LABEL a.b=c', '-m', 'from test', '-', 'busybox:latest'], busyboxRootfs());
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stdout.trim(), /^sha256:[a-f0-9]{64}$/);
    const ls = d.docker(['images']);
    assert.equal(ls.code, 0, ls.stderr);
    const lines = ls.stdout.trim().split('\n');
    assert.match(lines[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.match(lines[1], /^busybox\s+latest\s+[a-f0-9]{12}\s+.+ago\s+[\d.]+MB$/);
    const inspect = JSON.parse(d.docker(['image', 'inspect', 'busybox']).stdout)[0];
    assert.deepEqual(inspect.Config.Cmd, ['sh']);
    assert.deepEqual(inspect.Config.Env, ['FOO=bar']);
    assert.deepEqual(inspect.Config.Labels, { 'a.b': 'c' });
    assert.equal(inspect.Comment, 'from test');
    assert.equal(inspect.RootFS.Layers.length, 1);
    assert.equal(inspect.GraphDriver.Name, 'overlay2');
    assert.equal(d.docker(['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}}', 'busybox']).stdout.trim(), 'linux/amd64');
  });

  it('tags, filters, and resolves IDs and prefixes', () => {
    const id = d.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox']).stdout.trim();
    assert.equal(d.docker(['tag', 'busybox', 'localhost:5000/team/bb:v1']).code, 0);
    assert.equal(d.docker(['tag', id.slice(7, 15), 'other:1']).code, 0);
    const refs = d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.trim().split('\n').sort();
    assert.deepEqual(refs, ['busybox:latest', 'localhost:5000/team/bb:v1', 'other:1']);
    assert.equal(d.docker(['images', '-q', '--no-trunc', 'other']).stdout.trim(), id);
    assert.equal(d.docker(['images', '--filter', 'reference=local*/*/*', '--format', '{{.Tag}}']).stdout.trim(), 'v1');
    assert.equal(d.docker(['images', '--filter', 'label=a.b=c', '-q']).stdout.trim().split('\n')[0], id.slice(7, 19));
    assert.equal(d.docker(['images', '--filter', 'label=nope', '-q']).stdout.trim(), '');
    assert.equal(d.docker(['images', '--filter', 'dangling=true', '-q']).stdout.trim(), '');
    const bad = d.docker(['images', '--filter', 'bogus=1']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid filter 'bogus'/);
  });

  it('refuses ambiguous removals and removes with -f, as dockerd', () => {
    const id = d.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox']).stdout.trim();
    const conflict = d.docker(['rmi', id.slice(7, 19)]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /conflict: unable to delete [a-f0-9]{12} \(must be forced\) - image is referenced in multiple repositories/);
    const untag = d.docker(['rmi', 'other:1']);
    assert.equal(untag.stdout.trim(), 'Untagged: other:1');
    const missing = d.docker(['rmi', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such image: nosuch:latest/);
    const forced = d.docker(['rmi', '-f', id.slice(7, 19)]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /Untagged: busybox:latest/);
    assert.match(forced.stdout, /Untagged: localhost:5000\/team\/bb:v1/);
    assert.match(forced.stdout, new RegExp(`Deleted: ${id}`));
    assert.equal(d.docker(['images', '-q']).stdout.trim(), '');
  });

  it('round-trips save and load with identical IDs and diff IDs', () => {
    d.docker(['import', '-', 'rt:1'], busyboxRootfs());
    const before = JSON.parse(d.docker(['image', 'inspect', 'rt:1']).stdout)[0];
    const tar = join(d.dir, 'rt.tar');
    const save = d.docker(['save', '-o', tar, 'rt:1']);
    assert.equal(save.code, 0, save.stderr);
    assert.equal(d.docker(['rmi', 'rt:1']).code, 0);
    const load = d.docker(['load', '-i', tar]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /Loaded image: rt:1/);
    const afterLoad = JSON.parse(d.docker(['image', 'inspect', 'rt:1']).stdout)[0];
    assert.equal(afterLoad.Id, before.Id);
    assert.deepEqual(afterLoad.RootFS.Layers, before.RootFS.Layers);
    // Saving again gives the same bytes (reproducible archive).
    const tar2 = join(d.dir, 'rt2.tar');
    assert.equal(d.docker(['save', '-o', tar2, 'rt:1']).code, 0);
    assert.ok(readFileSync(tar).equals(readFileSync(tar2)));
  });

  it('history, system df and prune', () => {
    const h = d.docker(['history', 'rt:1']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /Imported from -/);
    const df = d.docker(['system', 'df']);
    assert.match(df.stdout, /^Images\s+1\s+0\s+[\d.]+MB/m);
    d.docker(['import', '-', 'dangle:1'], busyboxRootfs());
    d.docker(['tag', 'rt:1', 'dangle:1']);
    const prune = d.docker(['image', 'prune', '-f']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.match(prune.stdout, /deleted: sha256:/);
    assert.equal(d.docker(['images', '-q', '--filter', 'dangling=true']).stdout.trim(), '');
    assert.equal(d.docker(['images', '-q', 'rt']).stdout.trim().length, 12);
  });

  it('leaves no layer directory behind after removals', async () => {
    assert.equal(d.docker(['rmi', '-f', 'rt:1', 'dangle:1']).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    const dirs = readdirSync(join(d.dataRoot, 'overlay2')).filter((n) => n !== 'l');
    assert.deepEqual(dirs, []);
  });
});
