import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { DOCKER, Daemon, busyboxRootfs, have } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SIGKILL of berthd with running containers (live restore)', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  after(async () => {
    if (await d.ping()) {
      const all = d.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (all.length) d.docker(['rm', '-f', ...all]);
    }
    await d.cleanup();
  });

  it('keeps 20 running containers, leaves the 5 being created whole or absent, and adopts everything', async () => {
    d.writeConfig({ 'live-restore': true });
    await d.start();
    assert.equal(d.docker(['import', '-', 'busybox:latest'], busyboxRootfs()).code, 0);
    const running: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = d.docker(['run', '-d', 'busybox', 'sh', '-c', `echo started-${i}; exec sleep 1000`]);
      assert.equal(r.code, 0, r.stderr);
      running.push(r.stdout.trim());
    }
    const exiter = d.docker(['run', '-d', 'busybox', 'sh', '-c', 'sleep 1; exit 7']).stdout.trim();
    const unnetworked = d.docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']).stdout.trim();
    const creating = Array.from({ length: 5 }, () => spawn(DOCKER, ['run', '-d', 'busybox', 'sleep', '1000'], { env: { ...process.env, DOCKER_HOST: d.host }, stdio: 'ignore' }));
    await sleep(150);
    await d.stop('SIGKILL');
    await Promise.all(creating.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
    await sleep(1500); // the exiter ends while the daemon is down
    await d.start();

    const ps = JSON.parse((await d.http('GET', '/containers/json?all=1')).body) as { Id: string; State: string; Status: string }[];
    const byId = new Map(ps.map((c) => [c.Id, c]));
    for (const id of running) assert.equal(byId.get(id)?.State, 'running', `container ${id.slice(0, 12)} still runs`);
    assert.match(byId.get(exiter)!.Status, /^Exited \(7\)/);
    const others = ps.filter((c) => !running.includes(c.Id) && c.Id !== exiter && c.Id !== unnetworked);
    assert.ok(others.length <= 5);
    for (const c of others) assert.ok(['running', 'created', 'exited'].includes(c.State), `half-created container ${c.Id}: ${c.State}`);

    // Adopted containers answer to logs, attach (via logs of their output), stop and inspect.
    assert.equal(d.docker(['logs', running[3]]).stdout, 'started-3\n');
    assert.equal(d.docker(['stop', '-t', '0', running[0]]).code, 0);
    assert.equal(JSON.parse(d.docker(['inspect', running[0]]).stdout)[0].State.ExitCode, 137);
    assert.equal(d.docker(['exec', running[1], 'echo', 'ok']).stdout, 'ok\n');
    // an adopted container on the none network leaves it with dockerd's events: die, then network disconnect
    const since = Math.floor(Date.now() / 1000) - 1;
    assert.equal(d.docker(['stop', '-t', '0', unnetworked]).code, 0);
    await sleep(300);
    const evs = d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1),
      '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.container}}']).stdout.trim().split('\n')
      .map((l) => l.split(' ')).filter((w) => w[2] === unnetworked || w[3] === unnetworked).map((w) => `${w[0]} ${w[1]}`);
    assert.ok(evs.indexOf('network disconnect') > evs.indexOf('container die') && evs.includes('container die'), evs.join(', '));

    // Cleanup leaves nothing: no conmon, no mount.
    const all = d.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean);
    assert.equal(d.docker(['rm', '-f', ...all]).code, 0);
    await sleep(200);
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(d.dir));
    assert.deepEqual(mounts, []);
  });
});
