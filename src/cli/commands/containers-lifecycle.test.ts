import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { berth, containerClient, frame, type FakeCall } from './containers-fakes.ts';

/** c1 exists (running, no TTY); everything else is "No such container". */
function daemon(extra: (c: FakeCall) => ReturnType<Parameters<typeof containerClient>[0]> = () => undefined) {
  return containerClient((c) => {
    const hit = extra(c);
    if (hit) return hit;
    if (c.path.startsWith('/containers/c1/json')) return { json: { Id: 'c1full', Config: { Tty: false, OpenStdin: true }, State: { Running: true }, HostConfig: {} } };
    if (c.path.startsWith('/containers/c1/wait') || c.path.startsWith('/containers/c1full/wait')) return { json: { StatusCode: 5 } };
    if (c.path.startsWith('/containers/c1')) return undefined;
    if (c.path.startsWith('/containers/')) return { error: [404, `No such container: ${c.path.split('/')[2]}`] };
    return undefined;
  }, (conn) => {
    conn.resume();
    conn.end(frame(1, 'hello\n'));
  });
}

test('start prints each name, reports failures, then fails with the list', async () => {
  const client = daemon();
  const r = await berth(['start', 'c1', 'nope'], client);
  assert.deepEqual([r.code, r.out, r.err], [1, 'c1\n', 'Error response from daemon: No such container: nope\nError: failed to start containers: nope\n']);
});

test('stop/restart/kill/pause/unpause send their queries and join the errors', async () => {
  const client = daemon();
  const stop = await berth(['stop', '-t', '5', '-s', 'KILL', 'c1', 'nope'], client);
  assert.deepEqual([stop.code, stop.out, stop.err], [1, 'c1\n', 'Error response from daemon: No such container: nope\n']);
  assert.deepEqual(client.calls.find((c) => c.path === '/containers/c1/stop')?.query, { signal: 'KILL', t: 5 });
  assert.equal((await berth(['stop', 'c1'], client)).out, 'c1\n');
  assert.deepEqual(client.calls.at(-1)?.query, {});
  assert.equal((await berth(['restart', '-t', '0', 'c1'], client)).code, 0);
  assert.deepEqual(client.calls.at(-1)?.query, { t: 0 });
  assert.equal((await berth(['kill', '-s', 'HUP', 'c1'], client)).out, 'c1\n');
  assert.deepEqual([client.calls.at(-1)?.path, client.calls.at(-1)?.query], ['/containers/c1/kill', { signal: 'HUP' }]);
  assert.equal((await berth(['container', 'pause', 'c1'], client)).out, 'c1\n');
  assert.equal((await berth(['unpause', 'c1'], client)).out, 'c1\n');
});

test('rm: -f forgives missing containers (printed on stderr), -v and -l become v=1 and link=1', async () => {
  const client = daemon();
  const r = await berth(['rm', '-f', '-v', 'c1', 'nope'], client);
  assert.deepEqual([r.code, r.out, r.err], [0, 'c1\n', 'Error response from daemon: No such container: nope\n']);
  assert.deepEqual(client.calls[0].query, { force: true, v: true });
  const strict = await berth(['container', 'remove', 'nope'], client);
  assert.equal(strict.code, 1);
  assert.equal((await berth(['rm', ''], client)).err, 'container name cannot be empty\n');
});

test('rename and wait', async () => {
  const client = daemon();
  assert.equal((await berth(['rename', 'c1', 'web'], client)).code, 0);
  assert.deepEqual(client.calls.at(-1)?.query, { name: 'web' });
  const bad = await berth(['rename', 'nope', 'x'], client);
  assert.deepEqual([bad.code, bad.err], [1, 'Error response from daemon: No such container: nope\nError: failed to rename container named nope\n']);
  const w = await berth(['wait', 'c1', 'nope'], client);
  assert.deepEqual([w.code, w.out, w.err], [1, '5\n', 'Error response from daemon: No such container: nope\n']);
});

test('start -a: attach, wait, start, then the exit status; more than one container is refused', async () => {
  const client = daemon();
  const r = await berth(['start', '-a', 'c1'], client);
  assert.deepEqual([r.code, r.out], [5, 'hello\n']);
  assert.deepEqual(client.calls.map((c) => c.path), ['/containers/c1/json', '/containers/c1full/attach', '/containers/c1full/wait', '/containers/c1full/start']);
  assert.deepEqual(client.calls[1].query, { stream: true, stdout: true, stderr: true });
  const many = await berth(['start', '-a', 'c1', 'c2'], client);
  assert.deepEqual([many.code, many.err], [1, 'you cannot start and attach multiple containers at once\n']);
});

test('attach: wait first, state checks, exit status from wait', async () => {
  const client = daemon((c) => (c.path === '/containers/stopped/json' ? { json: { Id: 's', State: { Running: false }, Config: {} } } : undefined));
  const r = await berth(['attach', 'c1'], client, { stdin: Readable.from([]) });
  assert.deepEqual([r.code, r.out], [5, 'hello\n']);
  assert.deepEqual(client.calls.map((c) => c.path), ['/containers/c1/wait', '/containers/c1/json', '/containers/c1/attach', '/containers/c1/json']);
  assert.deepEqual(client.calls[2].query, { stream: true, stdin: true, stdout: true, stderr: true });
  const stopped = await berth(['attach', 'stopped'], client);
  assert.deepEqual([stopped.code, stopped.err], [1, 'You cannot attach to a stopped container, start it first\n']);
});

test('exec: inspect, create, start over a hijack with the body, exit code from exec inspect', async () => {
  const client = daemon((c) => {
    if (c.path === '/containers/c1/exec') return { json: { Id: 'e1' } };
    if (c.path === '/exec/e1/json') return { json: { ExitCode: 42 } };
    return undefined;
  });
  const r = await berth(['exec', '-e', 'A=1', '-u', 'root', '-w', '/tmp', '--privileged', 'c1', 'ls', '-l'], client);
  assert.deepEqual([r.code, r.out], [42, 'hello\n']);
  assert.deepEqual(client.calls.map((c) => `${c.method} ${c.path}`), ['GET /containers/c1/json', 'POST /containers/c1/exec', 'POST /exec/e1/start', 'GET /exec/e1/json']);
  assert.deepEqual(client.calls[1].body, {
    User: 'root', Privileged: true, Tty: false, AttachStdin: false, AttachStderr: true, AttachStdout: true, Detach: false,
    DetachKeys: '', Env: ['A=1'], WorkingDir: '/tmp', Cmd: ['ls', '-l'],
  });
  assert.deepEqual(client.calls[2].body, { Detach: false, Tty: false });
  const d = await berth(['exec', '-d', 'c1', 'sleep', '1'], client);
  assert.deepEqual([d.code, client.calls.at(-1)?.body], [0, { Detach: true, Tty: false }]);
  const tty = await berth(['exec', '-it', 'c1', 'sh'], client);
  assert.deepEqual([tty.code, tty.err], [1, 'the input device is not a TTY\n']);
  const none = await berth(['exec', 'nope', 'ls'], client);
  assert.deepEqual([none.code, none.err], [1, 'Error response from daemon: No such container: nope\n']);
});
