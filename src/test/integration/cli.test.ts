import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Daemon, busyboxRootfs } from './harness.ts';

describe('the berth CLI against berthd', () => {
  const d = new Daemon();
  before(() => d.start());
  after(() => d.cleanup());

  it('imports from a file and from stdin, and prints the ID', () => {
    const file = join(d.dir, 'rootfs.tar');
    writeFileSync(file, busyboxRootfs());
    const a = d.berth(['import', '-c', 'CMD ["sh"]', file, 'busybox:latest']);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout.trim(), /^sha256:[a-f0-9]{64}$/);
    const b = d.berth(['import', '-m', 'piped', '-', 'piped:1'], busyboxRootfs());
    assert.equal(b.code, 0, b.stderr);
    assert.equal(d.berth(['image', 'inspect', '-f', '{{.Comment}}', 'piped:1']).stdout.trim(), 'piped');
  });

  it('prints the same tables as the docker CLI', () => {
    for (const args of [['images'], ['images', '--digests'], ['images', '-q'], ['history', 'busybox'], ['history', '-q', '--no-trunc', 'busybox'],
      ['images', '--format', 'table {{.Repository}}\t{{.Tag}}\t{{.Size}}'], ['images', '--format', '{{json .}}'], ['system', 'df'],
      ['image', 'inspect', 'busybox'], ['inspect', '-f', '{{json .RootFS}}', 'busybox']]) {
      const berth = d.berth(args);
      const docker = d.docker(args);
      assert.equal(berth.code, 0, `${args.join(' ')}: ${berth.stderr}`);
      // The two commands run a moment apart: "1 second ago" may become "2 seconds ago" (and shift the columns).
      const settled = (t: string): string => t.replace(/(?:\d+|About an?|Less than a) (?:second|minute|hour)s? ago/g, 'T ago').replace(/ {2,}/g, '  ');
      if (berth.stdout !== docker.stdout) assert.equal(settled(berth.stdout), settled(docker.stdout), args.join(' '));
    }
  });

  it('tags, saves, removes and loads back', () => {
    assert.equal(d.berth(['tag', 'busybox', 'example.test/bb:2']).code, 0);
    const id = d.berth(['images', '-q', '--no-trunc', 'busybox']).stdout.trim();
    const tar = join(d.dir, 'save.tar');
    const save = d.berth(['save', '-o', tar, 'busybox', 'example.test/bb:2']);
    assert.equal(save.code, 0, save.stderr);
    assert.ok(existsSync(tar));
    const rmi = d.berth(['rmi', 'busybox', 'example.test/bb:2']);
    assert.equal(rmi.code, 0, rmi.stderr);
    assert.match(rmi.stdout, /Untagged: busybox:latest\nUntagged: example.test\/bb:2\nDeleted: sha256:/);
    const load = d.berth(['load', '-i', tar]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /Loaded image: busybox:latest/);
    assert.match(load.stdout, /Loaded image: example.test\/bb:2/);
    assert.equal(d.berth(['images', '-q', '--no-trunc', 'busybox']).stdout.trim(), id);
  });

  it('shows events between --since and --until', () => {
    const since = String(Math.floor(Date.now() / 1000) - 2);
    d.berth(['tag', 'busybox', 'evt:1']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = d.berth(['events', '--since', since, '--until', until, '--filter', 'event=tag', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
    assert.equal(ev.code, 0, ev.stderr);
    assert.match(ev.stdout, /^image tag evt:1$/m);
  });

  it('prunes with -a -f and reports reclaimed space', () => {
    const p = d.berth(['image', 'prune', '-a', '-f']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /Deleted Images:/);
    assert.match(p.stdout, /Total reclaimed space: [\d.]+[kM]?B/);
    assert.equal(d.berth(['images', '-q']).stdout, '');
  });

  it('runs containers with berth run/ps/logs/exec/stop/rm', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
    d.berth(['import', '-c', 'CMD ["sh"]', '-', 'bb:run'], busyboxRootfs());
    const once = d.berth(['run', '--rm', 'bb:run', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    assert.equal(once.code, 5);
    assert.equal(once.stdout, 'out\n');
    assert.equal(once.stderr, 'err\n');
    assert.equal(d.berth(['run', '-i', '--rm', 'bb:run', 'cat'], 'piped\n').stdout, 'piped\n');
    const id = d.berth(['run', '-d', '--name', 'svc', 'bb:run', 'sh', '-c', 'echo ready; exec sleep 1000']).stdout.trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    assert.equal(d.berth(['ps', '-q']).stdout.trim(), id.slice(0, 12));
    assert.equal(d.berth(['ps', '--no-trunc', '--format', '{{.Names}} {{.Command}}']).stdout, 'svc "sh -c \'echo ready; exec sleep 1000\'"\n'.replace(/\\'/g, "'"));
    assert.equal(d.berth(['exec', 'svc', 'echo', 'in-exec']).stdout, 'in-exec\n');
    assert.equal(d.berth(['logs', 'svc']).stdout, 'ready\n');
    assert.equal(d.berth(['stop', '-t', '0', 'svc']).stdout.trim(), 'svc');
    assert.match(d.berth(['ps', '-a', '--filter', 'name=svc']).stdout, /Exited \(137\)/);
    assert.equal(d.berth(['rm', 'svc']).code, 0);
    assert.equal(d.berth(['rmi', 'bb:run']).code, 0);
  });

  it('uses docker exit codes for usage errors and an absent daemon', () => {
    const flag = d.berth(['images', '--bogus']);
    assert.equal(flag.code, 125);
    assert.match(flag.stderr, /unknown flag: --bogus/);
    const args = d.berth(['rmi']);
    assert.equal(args.code, 1);
    assert.match(args.stderr, /'berth rmi' requires at least 1 argument/);
    const help = d.berth(['images', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage:\s+berth images \[OPTIONS\] \[REPOSITORY\[:TAG\]\]/);
    const down = new Daemon();
    try {
      const r = down.berth(['images']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Cannot connect to the Berth daemon at unix:\/\/.*berth.sock. Is the berth daemon running\?/);
    } finally {
      void down.cleanup();
    }
  });
});
