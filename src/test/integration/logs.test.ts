import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('container logs: rotation with --log-opt, drivers, daemon defaults', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  before(async () => {
    d.writeConfig({ 'log-opts': { 'max-size': '50k' } });
    await startWithBusybox(d);
  });
  after(async () => {
    removeAll(d);
    await d.cleanup();
  });

  const logFiles = (id: string): string[] => readdirSync(join(d.dataRoot, 'containers', id)).filter((f) => f.startsWith(`${id}-json.log`)).sort();

  it('rotates at max-size, keeps max-file files (gzipped with compress) and docker logs reads across them', async () => {
    // 3000 numbered lines of ~40 bytes, written slowly enough for several rotations.
    const script = 'i=1; while [ $i -le 3000 ]; do echo "line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); [ $((i % 200)) = 0 ] && sleep 0.1; done; sleep 600';
    const id = d.docker(['run', '-d', '--log-opt', 'max-size=20k', '--log-opt', 'max-file=3', '--log-opt', 'compress=true', 'busybox', 'sh', '-c', script]).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    for (let i = 0; i < 100 && !d.docker(['logs', '--tail', '1', id]).stdout.includes('line-3000-'); i++) await sleep(100);
    await sleep(600);
    const files = logFiles(id);
    assert.deepEqual(files, [`${id}-json.log`, `${id}-json.log.1.gz`, `${id}-json.log.2.gz`], `files: ${files}`);
    const live = statSync(join(d.dataRoot, 'containers', id, `${id}-json.log`)).size;
    assert.ok(live < 40_000, `live file is ${live} bytes`);
    const out = d.docker(['logs', id]).stdout.split('\n').filter(Boolean);
    // What is kept is a contiguous run of lines ending with the last one.
    assert.equal(out.at(-1), 'line-3000-xxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    const first = Number(/^line-(\d+)-/.exec(out[0])![1]);
    assert.ok(first > 1, 'the oldest lines were rotated away');
    out.forEach((l, i) => assert.equal(l, `line-${first + i}-xxxxxxxxxxxxxxxxxxxxxxxxxxxx`));
    assert.equal(d.docker(['logs', '--tail', '2', id]).stdout, 'line-2999-xxxxxxxxxxxxxxxxxxxxxxxxxxxx\nline-3000-xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n');
    // a negative --tail is everything, as dockerd reads it; 0 is nothing
    assert.equal(d.docker(['logs', '--tail=-1', id]).stdout.trim().split('\n').length, out.length);
    assert.equal(d.docker(['logs', '--tail', '0', id]).stdout, '');
    assert.equal(JSON.parse(d.docker(['inspect', id]).stdout)[0].HostConfig.LogConfig.Config['max-file'], '3');
  });

  it('follows a log through rotations without losing or repeating lines', async () => {
    const id = d.docker(['run', '-d', '--log-opt', 'max-size=4k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c',
      'sleep 1; i=1; while [ $i -le 1500 ]; do echo "f-$i"; i=$((i+1)); [ $((i % 100)) = 0 ] && sleep 0.05; done']).stdout.trim();
    const follower = spawn(DOCKER, ['logs', '-f', id], { env: { ...process.env, DOCKER_HOST: d.host } });
    let text = '';
    follower.stdout.on('data', (c) => { text += c; });
    const code = await new Promise((r) => follower.on('exit', r));
    assert.equal(code, 0);
    const lines = text.split('\n').filter(Boolean);
    assert.equal(lines.length, 1500, `got ${lines.length} lines`);
    lines.forEach((l, i) => assert.equal(l, `f-${i + 1}`));
  });

  it('daemon log-opts apply to containers that set none; max-file 1 truncates', async () => {
    const id = d.docker(['run', '-d', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 4000 ]; do echo "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy-$i"; i=$((i+1)); [ $((i % 400)) = 0 ] && sleep 0.1; done; sleep 0.6; echo end-marker; sleep 600']).stdout.trim();
    assert.deepEqual(JSON.parse(d.docker(['inspect', id]).stdout)[0].HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '50k' } });
    for (let i = 0; i < 100 && !d.docker(['logs', '--tail', '1', id]).stdout.includes('end-marker'); i++) await sleep(100);
    assert.deepEqual(logFiles(id), [`${id}-json.log`]);
    const size = statSync(join(d.dataRoot, 'containers', id, `${id}-json.log`)).size;
    assert.ok(size < 100_000, `the log was truncated (${size} bytes)`);
    const n = d.docker(['logs', id]).stdout.split('\n').filter(Boolean).length;
    assert.ok(n < 4000, `${n} lines kept`);
  });

  it('logs --details: the log attrs (labels/env the log-opts pick) before each line, as dockerd prints them', () => {
    const run = (args: string[]): string => {
      const id = d.docker(['run', '-d', '--network', 'none', ...args]).stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.equal(d.docker(['wait', id]).stdout.trim(), '0');
      return id;
    };
    const plain = run(['busybox', 'echo', 'hi']);
    assert.equal(d.docker(['logs', '--details', plain]).stdout, ' hi\n');
    assert.equal(d.docker(['logs', plain]).stdout, 'hi\n');
    const ts = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z';
    const attrs = run(['--label', 'a=b', '--label', 'c=d', '--label', 'e=f', '--log-opt', 'labels=a,c', '-e', 'X=1', '--log-opt', 'env=X',
      '--log-opt', 'env-regex=^Y', '-e', 'Y1=2', '-e', 'Z=3', 'busybox', 'sh', '-c', 'echo hi; echo err >&2; sleep 0.2; echo last']); // (conmon may log two streams' lines out of order unless apart)
    const both = d.docker(['logs', '--details', attrs]);
    assert.equal(both.stdout, 'X=1,Y1=2,a=b,c=d hi\nX=1,Y1=2,a=b,c=d last\n');
    assert.equal(both.stderr, 'X=1,Y1=2,a=b,c=d err\n');
    assert.match(d.docker(['logs', '--details', '-t', '--tail', '1', attrs]).stdout, new RegExp(`^${ts} X=1,Y1=2,a=b,c=d last\\n$`));
    assert.equal(d.docker(['logs', '--details', '-f', '--since', '2000-01-01T00:00:00Z', attrs]).stdout, 'X=1,Y1=2,a=b,c=d hi\nX=1,Y1=2,a=b,c=d last\n');
    // keys and values query-escaped like Go's url.QueryEscape
    const escaped = run(['--label', 'k/x=v&w y', '--log-opt', 'labels-regex=^k', 'busybox', 'echo', 'hi']);
    assert.equal(d.docker(['logs', '--details', escaped]).stdout, 'k%2Fx=v%26w+y hi\n');
    // a line written in pieces is one line with one prefix (and one timestamp), as dockerd's log copier makes it
    const pieces = run(['--label', 'a=b', '--log-opt', 'labels=a', 'busybox', 'sh', '-c', 'printf abc; sleep 0.3; echo def; printf tail']);
    assert.match(d.docker(['logs', '--details', '-t', pieces]).stdout, new RegExp(`^${ts} a=b abcdef\\n${ts} a=b tail$`));
    assert.equal(d.docker(['logs', '--tail', '2', pieces]).stdout, 'abcdef\ntail');
    // the local driver keeps no attrs
    assert.equal(d.docker(['logs', '--details', run(['--log-driver', 'local', '--label', 'a=b', 'busybox', 'echo', 'hi'])]).stdout, ' hi\n');
  });

  it('a bad labels-regex/env-regex fails the start as dockerd\'s logger does; daemon log-opts fill in for the daemon\'s driver', () => {
    const r = d.docker(['run', '--name', 'lgd-badre', '--network', 'none', '--log-opt', 'labels-regex=[', 'busybox', 'echo', 'hi']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Error response from daemon: failed to initialize logging driver: error parsing regexp: missing closing \]: `\[`/);
    const st = JSON.parse(d.docker(['inspect', 'lgd-badre']).stdout)[0].State;
    assert.equal(st.Status, 'created');
    assert.equal(st.ExitCode, 128);
    assert.equal(st.Error, 'failed to initialize logging driver: error parsing regexp: missing closing ]: `[`');
    const l = d.docker(['logs', 'lgd-badre']);
    assert.equal(l.code, 1);
    assert.match(l.stderr, /error parsing regexp: missing closing \]: `\[`/);
    assert.match(d.docker(['run', '--rm', '--network', 'none', '--log-opt', 'env-regex=a**', 'busybox', 'true']).stderr, /invalid nested repetition operator: `\*\*`/);
    assert.match(d.docker(['create', '--log-driver', 'local', '--log-opt', 'labels=a', 'busybox']).stderr, /unknown log opt 'labels' for log driver local/);
    const id = d.docker(['create', '--log-driver', 'json-file', '--log-opt', 'labels=a', 'busybox']).stdout.trim();
    assert.deepEqual(JSON.parse(d.docker(['inspect', id]).stdout)[0].HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '50k', labels: 'a' } });
  });

  it('log driver none keeps nothing; bad drivers and options get dockerd\'s errors', () => {
    const id = d.docker(['run', '-d', '--log-driver', 'none', 'busybox', 'echo', 'hi']).stdout.trim();
    assert.equal(d.docker(['wait', id]).stdout.trim(), '0');
    const r = d.docker(['logs', id]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /configured logging driver does not support reading/);
    assert.match(d.docker(['create', '--log-driver', 'nosuch', 'busybox']).stderr, /error looking up logging plugin nosuch: plugin "nosuch" not found/);
    assert.match(d.docker(['create', '--log-opt', 'max-age=1', 'busybox']).stderr, /unknown log opt 'max-age' for json-file log driver/);
    // values are the driver's to check when it opens: create succeeds, start fails (dockerd)
    const created = d.docker(['create', '--name', 'badopt', '--log-opt', 'max-file=0', 'busybox', 'true']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(d.docker(['start', 'badopt']).stderr, /failed to initialize logging driver: max-file cannot be less than 1/);
    const run = d.berth(['run', '--rm', '--log-opt', 'max-size=huge', 'busybox', 'true']);
    assert.equal(run.code, 125);
    assert.match(run.stderr, /failed to initialize logging driver: invalid size: 'huge'/);
    assert.equal(d.docker(['ps', '-aq', '--filter', 'name=badopt']).stdout.trim().length, 12);
    assert.equal(d.docker(['rm', 'badopt']).code, 0);
  });
});
