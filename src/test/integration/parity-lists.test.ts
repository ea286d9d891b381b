/*
 * Lists, filters and prunes of images, volumes and networks, and `system df`,
 * found different from dockerd in side-by-side runs (docker CLI 28), now as
 * dockerd 28's image_list.go, image_prune.go, volume/service, network/filter.go
 * and prune.go read them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');

describe('lists, filters and prunes as dockerd 28', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon('berth-pl-');
  before(() => startWithBusybox(d));
  after(async () => { removeAll(d); await d.cleanup(); });
  const ok = (args: string[], input?: string): string => {
    const r = d.docker(args, input === undefined ? undefined : Buffer.from(input));
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const fails = (args: string[], message: string): void => {
    const r = d.docker(args);
    assert.equal(r.code, 1, `docker ${args.join(' ')} should fail: ${r.stdout}`);
    assert.equal(r.stderr.trim(), `Error response from daemon: ${message}`);
  };
  const lines = (s: string): string[] => s.split('\n').filter(Boolean).sort();

  it('images: filter values checked as dockerd, times below the second, no label! in lists', () => {
    ok(['build', '-q', '-t', 'pl-a:1', '-'], 'FROM busybox\nLABEL n=1\n');
    ok(['build', '-q', '-t', 'pl-b:1', '-'], 'FROM busybox\nLABEL n=2\n');
    fails(['images', '--filter', 'dangling=TRUE'], "invalid filter 'dangling=[TRUE]'");
    fails(['images', '--filter', 'dangling=yes'], "invalid filter 'dangling=[yes]'");
    fails(['images', '--filter', 'label!=n'], "invalid filter 'label!'");
    fails(['images', '--filter', 'until=2000-13-01'], 'parsing time "2000-13-01": month out of range');
    // both made within the same second most of the time: still one before the other
    assert.deepEqual(lines(ok(['images', '--filter', 'since=pl-a:1', '--format', '{{.Repository}}'])), ['pl-b']);
    assert.deepEqual(lines(ok(['images', '--filter', 'before=pl-b:1', '--filter', 'reference=pl-*', '--format', '{{.Repository}}'])), ['pl-a']);
  });

  it('system df counts the images `docker images` shows, not intermediate ones', () => {
    ok(['build', '-q', '-t', 'pl-c:1', '-'], 'FROM busybox\nLABEL x=1\nLABEL y=2\n');
    assert.ok(lines(ok(['images', '-aq'])).length > lines(ok(['images', '-q'])).length, 'the build left an intermediate image');
    const df = ok(['system', 'df', '--format', '{{json .}}']).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(df.find((x) => x.Type === 'Images').TotalCount, String(new Set(lines(ok(['images', '-q']))).size));
  });

  it('volumes: name as a regexp, dangling exact, nameless volumes anonymous, prune all checked and volumes with options kept', () => {
    for (const n of ['pv1', 'pv2', 'pvol-abc']) ok(['volume', 'create', n]);
    ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'pvt']);
    const anon = ok(['volume', 'create']).trim();
    assert.equal(ok(['volume', 'inspect', '-f', '{{json .Labels}}', anon]).trim(), '{"com.docker.volume.anonymous":""}');
    assert.deepEqual(lines(ok(['volume', 'ls', '-q', '-f', 'name=^pv[0-9]$'])), ['pv1', 'pv2']);
    fails(['volume', 'ls', '-f', 'dangling=TRUE'], "invalid filter 'dangling=[TRUE]'");
    fails(['volume', 'prune', '-f', '--filter', 'all=maybe'], 'invalid filter \'all\': strconv.ParseBool: parsing "maybe": invalid syntax');
    assert.deepEqual(lines(ok(['volume', 'prune', '-f'])).filter((l) => /^[0-9a-z-]+$/.test(l)), [anon], 'without -a: the anonymous one');
    ok(['volume', 'prune', '-a', '-f']);
    assert.deepEqual(lines(ok(['volume', 'ls', '-q'])), ['pvt'], 'a volume with mount options is not pruned');
    ok(['volume', 'rm', 'pvt']);
  });

  it('networks: name and id as regexps, dangling and type values checked, prune until', () => {
    const id = ok(['network', 'create', '--label', 'pl=1', 'pln1']).trim();
    ok(['network', 'create', 'pln2']);
    assert.deepEqual(lines(ok(['network', 'ls', '-f', 'name=^pln.$', '--format', '{{.Name}}'])), ['pln1', 'pln2']);
    assert.deepEqual(lines(ok(['network', 'ls', '-f', `id=${id.slice(5, 20)}`, '--format', '{{.Name}}'])), ['pln1']);
    fails(['network', 'ls', '-f', 'type=bad'], "invalid filter: 'type'='bad'");
    fails(['network', 'ls', '-f', 'dangling=yes'], 'invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")');
    fails(['network', 'prune', '-f', '--filter', 'until=1h', '--filter', 'until=2h'], 'more than one until filter specified');
    ok(['network', 'prune', '-f', '--filter', 'until=2000-01-01']);
    assert.deepEqual(lines(ok(['network', 'ls', '-f', 'name=^pln', '--format', '{{.Name}}'])), ['pln1', 'pln2'], 'made after the until time: kept');
    ok(['network', 'prune', '-f', '--filter', 'label!=pl']);
    assert.deepEqual(lines(ok(['network', 'ls', '-f', 'name=^pln', '--format', '{{.Name}}'])), ['pln1']);
    ok(['network', 'rm', 'pln1']);
    // predefined names, whether or not the daemon has that network (these tests run with their own bridge)
    for (const n of ['default', 'bridge', 'host']) fails(['network', 'create', n], `operation is not permitted on predefined ${n} network`);
  });

  it('prune filters: one until, exact dangling; build prune takes label filters; image prune -a clears images with children', () => {
    fails(['container', 'prune', '-f', '--filter', 'until=1h', '--filter', 'until=2h'], 'more than one until filter specified');
    // the CLI adds dangling=true (no -a): with false the values conflict
    fails(['image', 'prune', '-f', '--filter', 'dangling=false'], "invalid filter 'dangling=[false true]'");
    fails(['image', 'prune', '-f', '--filter', 'until=2000-01-01T25:00'], 'parsing time "2000-01-01T25:00": hour out of range');
    ok(['system', 'prune', '-f', '--filter', 'label=nonexist']);
    removeAll(d);
    ok(['image', 'prune', '-a', '-f']);
    assert.deepEqual(lines(ok(['images', '-aq'])), [], 'busybox, parent of the built images, goes too');
  });
});
