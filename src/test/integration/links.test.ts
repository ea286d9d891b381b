/*
 * Legacy links (`--link`) with the docker CLI and berth: /etc/hosts and
 * variables on the default bridge, link names in ps, inspect and lookups,
 * `rm --link`, the refusals dockerd gives, the parent's hosts following a
 * restarted target, a daemon restart, and links as DNS aliases on a
 * user-defined network.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon') && have('iptables') && have('ip');

describe('legacy links', { skip: !canRun && 'needs root, runc, conmon, ip and iptables' }, () => {
  const d = new Daemon('berth-links-');
  before(() => startWithBusybox(d));
  after(async () => {
    removeAll(d);
    for (const n of d.docker(['network', 'ls', '-q', '--filter', 'type=custom']).stdout.split('\n').filter(Boolean)) d.docker(['network', 'rm', n]);
    await d.cleanup();
  });
  const ok = (args: string[]): string => {
    const r = d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const ip = (name: string): string => ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]).trim();

  it('gives the parent hosts entries and variables, and names the link', () => {
    ok(['run', '-d', '--name', 'db', '-e', 'PASS=secret', '--expose', '5432', 'busybox', 'sleep', '300']);
    const host = ok(['inspect', '-f', '{{.Config.Hostname}}', 'db']).trim();
    const out = ok(['run', '--rm', '--name', 'web', '--link', 'db:data', 'busybox', 'sh', '-c', 'cat /etc/hosts; env']);
    assert.match(out, new RegExp(`^${ip('db').replaceAll('.', '\\.')}\tdata ${host} db$`, 'm'));
    for (const v of [`DATA_PORT=tcp://${ip('db')}:5432`, `DATA_PORT_5432_TCP_ADDR=${ip('db')}`, 'DATA_PORT_5432_TCP_PROTO=tcp', 'DATA_NAME=/web/data', 'DATA_ENV_PASS=secret']) {
      assert.ok(out.split('\n').includes(v), `${v} in\n${out}`);
    }
    assert.ok(!/DATA_ENV_PATH=/.test(out), 'PATH is not passed on');
    ok(['run', '-d', '--name', 'web2', '--link', 'db', 'busybox', 'sleep', '300']);
    assert.equal(ok(['ps', '--no-trunc', '--filter', 'name=^db$', '--format', '{{.Names}}']), 'db,web2/db\n');
    assert.equal(ok(['ps', '--filter', 'name=^db$', '--format', '{{.Names}}']), 'db\n');
    assert.equal(d.berth(['ps', '--no-trunc', '--filter', 'name=^db$', '--format', '{{.Names}}']).stdout, 'db,web2/db\n');
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.Links}}', 'web2']), '[/db:/web2/db]\n');
    assert.equal(ok(['inspect', '-f', '{{.Name}}', 'web2/db']), '/db\n', 'a link name resolves to its target');
    assert.match(ok(['exec', 'web2', 'sh', '-c', 'echo $DB_NAME']), /^\/web2\/db$/m, 'an exec gets the variables too');
  });

  it('refuses what dockerd refuses', () => {
    let r = d.docker(['run', '--rm', '--link', 'nope:x', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /could not get container for nope: No such container: nope/);
    assert.doesNotMatch(r.stderr, /Unable to find image/, 'a 400, not a 404 that makes the CLI pull');
    r = d.docker(['run', '--rm', '--network', 'host', '--link', 'db:x', 'busybox', 'true']);
    assert.match(r.stderr, /conflicting options: host type networking can't be used with links/);
    r = d.docker(['run', '--rm', '--network', 'container:db', '--link', 'db:x', 'busybox', 'true']);
    assert.match(r.stderr, /conflicting options: container type network can't be used with links/);
    ok(['create', '--name', 'idle', 'busybox', 'true']);
    ok(['create', '--name', 'needsidle', '--link', 'idle', 'busybox', 'true']);
    r = d.docker(['start', 'needsidle']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Cannot link to a non running container: \/idle AS \/needsidle\/idle/);
    assert.equal(ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'needsidle']), 'created 128\n');
    r = d.docker(['rm', '--link', 'db']);
    assert.match(r.stderr, /Conflict, cannot remove the default link name of the container/);
  });

  it('moves the parent\'s entry when the target comes back with another address', () => {
    const before = ip('db');
    ok(['stop', '-t', '0', 'db']);
    ok(['run', '-d', '--name', 'taker', 'busybox', 'sleep', '300']); // takes the address db had
    ok(['start', 'db']);
    assert.notEqual(ip('db'), before);
    assert.match(ok(['exec', 'web2', 'cat', '/etc/hosts']), new RegExp(`^${ip('db').replaceAll('.', '\\.')}\tdb `, 'm'));
  });

  it('keeps links across a daemon restart, and rm --link removes one', async () => {
    ok(['stop', '-t', '0', ...ok(['ps', '-q']).split('\n').filter(Boolean)]); // (sleep ignores SIGTERM: no 10 s wait at shutdown)
    await d.stop();
    await d.start();
    ok(['start', 'db', 'web2']);
    assert.equal(ok(['ps', '--no-trunc', '--filter', 'name=^db$', '--format', '{{.Names}}']), 'db,web2/db\n');
    assert.equal(d.berth(['rm', '--link', '/web2/db']).code, 0);
    assert.equal(ok(['ps', '--no-trunc', '--filter', 'name=^db$', '--format', '{{.Names}}']), 'db\n');
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.Links}}', 'web2']), '[]\n');
    assert.equal(ok(['ps', '-q', '--filter', 'name=^db$']).trim().length, 12, 'the target stays');
  });

  it('keeps a link to a removed target, as dockerd: the parent cannot start until it goes', () => {
    ok(['run', '-d', '--name', 'web3', '--link', 'db:d', 'busybox', 'sleep', '300']);
    ok(['rm', '-f', 'db']);
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.Links}}', 'web3']), '[/db:/web3/d]\n');
    ok(['stop', '-t', '0', 'web3']);
    assert.match(d.docker(['start', 'web3']).stderr, /Cannot link to a non running container: \/db AS \/web3\/d/);
  });

  it('makes a link on a user-defined network a DNS alias for the linking container alone', () => {
    ok(['network', 'create', 'lnk']);
    ok(['run', '-d', '--name', 't1', '--network', 'lnk', 'busybox', 'sleep', '300']);
    const t1 = ok(['inspect', '-f', '{{.NetworkSettings.Networks.lnk.IPAddress}}', 't1']).trim();
    assert.match(ok(['run', '--rm', '--network', 'lnk', '--link', 't1:alias1', 'busybox', 'nslookup', 'alias1']), new RegExp(`Address: ${t1.replaceAll('.', '\\.')}`));
    assert.notEqual(d.docker(['run', '--rm', '--network', 'lnk', 'busybox', 'timeout', '3', 'nslookup', 'alias1']).code, 0, 'no alias for others');
    ok(['create', '--name', 't2', '--network', 'lnk', '--link', 't1:alias1', 'busybox', 'true']);
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.Links}} {{.NetworkSettings.Networks.lnk.Links}}', 't2']), '[] [t1:alias1]\n');
  });
});
