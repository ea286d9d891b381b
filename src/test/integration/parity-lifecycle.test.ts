/*
 * Sequences found different from dockerd in side-by-side runs, now as dockerd:
 * a container waiting out its restart back-off counts as running (stop, kill,
 * restart, rm -f cancel the restart; pause, exec, top, attach refuse it), a
 * manual start resets the restart count, logs -f ends at the exit, exec -i with
 * stdin at EOF, the kill event of rm -f, a bad stop signal, and event order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('container lifecycle sequences as dockerd', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  before(() => startWithBusybox(d));
  after(async () => { removeAll(d); await d.cleanup(); });
  const state = (name: string) => d.docker(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.Restarting}} {{.State.Pid}} {{.State.ExitCode}}', name]).stdout.trim();
  const now = () => (Date.now() / 1000).toFixed(3);
  const events = (since: string, name: string) => d.docker(['events', '--since', since, '--until', now(), '--filter', `container=${name}`,
    '--filter', 'type=container', '--format', '{{.Action}} {{index .Actor.Attributes "exitCode"}}{{index .Actor.Attributes "signal"}}']).stdout.trim().split('\n').map((l) => l.trim());
  /** Start an always-restarting container and wait until it is in its back-off (which grows past 400 ms after a few exits). */
  async function restarting(name: string): Promise<void> {
    assert.equal(d.docker(['run', '-d', '--network', 'none', '--name', name, '--restart', 'always', 'busybox', 'sh', '-c', 'exit 5']).code, 0);
    for (let i = 0; i < 200; i++) {
      const n = Number(d.docker(['inspect', '-f', '{{.RestartCount}}', name]).stdout.trim());
      if (n >= 3 && state(name).startsWith('restarting')) return;
      await sleep(20);
    }
    assert.fail(`${name} never seen restarting`);
  }

  it('a restarting container is running and restarting (Pid 0); pause, exec, top and attach refuse it; kill cancels the restart without a signal', async () => {
    await restarting('rk');
    assert.equal(state('rk'), 'restarting true true 0 5');
    assert.match(d.docker(['ps', '--filter', 'name=rk', '--format', '{{.Status}}']).stdout, /^Restarting \(5\) /);
    const refused = /Container [0-9a-f]{64} is restarting, wait until the container is running/;
    assert.match(d.docker(['pause', 'rk']).stderr, refused);
    assert.match(d.docker(['exec', 'rk', 'true']).stderr, refused);
    assert.match(d.docker(['top', 'rk']).stderr, refused);
    assert.match(d.docker(['attach', 'rk']).stderr, /attach to a restarting container/);
    const since = now();
    const k = d.docker(['kill', 'rk']);
    assert.equal(k.code, 0, k.stderr);
    assert.equal(state('rk'), 'exited false false 0 5');
    const n = d.docker(['inspect', '-f', '{{.RestartCount}}', 'rk']).stdout;
    await sleep(400);
    assert.equal(d.docker(['inspect', '-f', '{{.RestartCount}}', 'rk']).stdout, n, 'no restart after the kill');
    assert.deepEqual(events(since, 'rk'), [''], 'no kill event: a restarting container gets no signal');
    d.docker(['rm', 'rk']);
  });

  it('stop of a restarting container sends the stop event; restart of one runs it again; rm -f removes one', async () => {
    await restarting('rs');
    let since = now();
    assert.equal(d.docker(['stop', 'rs']).code, 0);
    assert.equal(state('rs'), 'exited false false 0 5');
    assert.deepEqual(events(since, 'rs'), ['stop']);
    d.docker(['rm', 'rs']);
    await restarting('rr');
    since = now();
    const r = d.docker(['restart', '-t', '1', 'rr']);
    assert.equal(r.code, 0, r.stderr);
    const ev = events(since, 'rr');
    assert.deepEqual(ev.slice(0, 3), ['stop', 'start', 'restart'], ev.join('|'));
    assert.equal(d.docker(['rm', 'rr']).code, 1, 'still restarting by its policy');
    await restarting('rf');
    const f = d.docker(['rm', '-f', 'rf']);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(d.docker(['ps', '-aq', '--filter', 'name=rf']).stdout, '');
    d.docker(['rm', '-f', 'rr']);
  });

  it('a manual start resets RestartCount, so on-failure:N restarts N times again', async () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'of', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
    const done = async () => {
      for (let i = 0; i < 150 && d.docker(['inspect', '-f', '{{.State.Status}}', 'of']).stdout.trim() !== 'exited'; i++) await sleep(20);
      return d.docker(['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'of']).stdout.trim();
    };
    assert.equal(await done(), 'exited 2');
    const since = now();
    d.docker(['start', 'of']);
    await sleep(50);
    assert.equal(await done(), 'exited 2');
    assert.equal(events(since, 'of').filter((e) => e === 'start').length, 3, 'started by hand, then twice by the policy');
    d.docker(['rm', 'of']);
  });

  it('logs -f of a container its policy restarts ends at the exit', async () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'lf', '--restart', 'always', 'busybox', 'sh', '-c', 'echo run; sleep 0.3; exit 1']);
    const t = Date.now();
    const r = await d.dockerAsync(['logs', '-f', 'lf']);
    assert.ok(Date.now() - t < 3000, `logs -f followed the restarts (${Date.now() - t} ms)`);
    assert.match(r.stdout, /^run\n/);
    d.docker(['rm', '-f', 'lf']);
  });

  it('exec -i with stdin at EOF already; rm -f, stop of --rm and of paused containers send dockerd\'s events', async () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'ev', 'busybox', 'sleep', '100']);
    const t = Date.now();
    assert.equal(d.docker(['exec', '-i', 'ev', 'sh', '-c', 'cat; exit 3'], '').code, 3);
    assert.ok(Date.now() - t < 5000, 'the exec got its EOF');
    assert.match(d.docker(['stop', '-s', 'SIGFOO', 'ev']).stderr, /cannot stop container: ev: Invalid signal: SIGFOO/);
    assert.equal(state('ev').split(' ')[0], 'running', 'a bad stop signal stops nothing');
    let since = now();
    assert.equal(d.docker(['pause', 'ev']).code, 0);
    assert.match(d.docker(['rm', 'ev']).stderr, /cannot remove container "\/ev": container is paused and must be unpaused first/);
    assert.equal(d.docker(['stop', '-t', '1', 'ev']).code, 0);
    assert.deepEqual(events(since, 'ev'), ['pause', 'kill 15', 'unpause', 'kill 9', 'die 137', 'stop'], 'the signal, then the resume');
    d.docker(['start', 'ev']);
    since = now();
    assert.equal(d.docker(['kill', 'ev']).code, 0);
    assert.deepEqual(events(since, 'ev'), ['kill 9', 'die 137']);
    d.docker(['start', 'ev']);
    const link = d.docker(['rm', '--link', 'ev']);
    assert.equal(link.code, 1);
    assert.match(link.stderr, /Conflict, cannot remove the default link name of the container/, 'rm --link does not remove the container');
    since = now();
    d.docker(['rm', '-f', 'ev']);
    assert.deepEqual(events(since, 'ev'), ['kill 9', 'die 137', 'destroy']);
    d.docker(['run', '-d', '--rm', '--network', 'none', '--name', 'rm1', 'busybox', 'sleep', '100']);
    since = now();
    d.docker(['stop', '-t', '0', 'rm1']);
    await sleep(200);
    assert.deepEqual(events(since, 'rm1'), ['kill 15', 'kill 9', 'die 137', 'stop', 'destroy']);
  });

  it('health: probes at the start interval during the start period; a new start keeps the log of earlier runs', async () => {
    d.docker(['run', '-d', '--network', 'none', '--name', 'hs', '--health-cmd', 'true', '--health-interval', '60s', '--health-start-period', '30s',
      '--health-start-interval', '100ms', 'busybox', 'sleep', '100']);
    const health = () => d.docker(['inspect', '-f', '{{.State.Health.Status}} {{len .State.Health.Log}}', 'hs']).stdout.trim();
    for (let i = 0; i < 100 && !health().startsWith('healthy'); i++) await sleep(20);
    assert.match(health(), /^healthy [1-9]/, 'healthy long before the 60 s interval');
    d.docker(['stop', '-t', '0', 'hs']);
    const logged = Number(health().split(' ')[1]);
    d.docker(['start', 'hs']);
    assert.equal(health(), `starting ${logged}`);
    d.docker(['rm', '-f', 'hs']);
  });

  it('JSON answers end with a newline, as Go\'s encoder writes them', async () => {
    assert.match((await d.http('GET', '/v1.50/version')).body, /\}\n$/);
    const e = await d.http('GET', '/v1.50/containers/nosuch/json');
    assert.equal(e.body, '{"message":"No such container: nosuch"}\n');
    const l = await d.http('GET', '/v1.50/containers/json?all=1');
    assert.match(l.body, /\]\n$/);
    assert.equal(Number(l.headers['content-length']), Buffer.byteLength(l.body));
  });
});
