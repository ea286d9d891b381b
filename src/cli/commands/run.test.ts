import assert from 'node:assert/strict';
import { test } from 'node:test';
import { berth, containerClient, frame, ttyStdin, type FakeCall } from './containers-fakes.ts';

const ID = 'c0ffee'.padEnd(64, '0');
const summary = (calls: FakeCall[]) => calls.map((c) => `${c.method} ${c.path}${c.hijack ? ' (hijack)' : ''}`);

/** A daemon that creates ID, answers wait with `status` and streams `output` frames on attach. */
function daemon(o: { status?: number; output?: Buffer[]; createErrors?: [number, string][]; startError?: [number, string] } = {}) {
  const createErrors = [...(o.createErrors ?? [])];
  let release: () => void = () => undefined;
  const exited = new Promise<void>((r) => {
    release = r;
  });
  const client = containerClient((c) => {
    if (c.path === '/containers/create') {
      const e = createErrors.shift();
      return e ? { error: e } : { json: { Id: ID, Warnings: ['low memory'] } };
    }
    if (c.path === '/images/create') return { body: '{"status":"Pulling from library/busybox","id":"latest"}\n{"status":"Status: Downloaded newer image for busybox:latest"}\n' };
    if (c.path.endsWith('/wait')) return { json: { StatusCode: o.status ?? 0 }, after: exited };
    if (c.path.endsWith('/start')) {
      if (o.startError) return { error: o.startError };
      release();
    }
    return undefined;
  }, (conn) => {
    void exited.then(() => {
      for (const f of o.output ?? []) conn.write(f);
      conn.end();
    });
  });
  return client;
}

test('run: create, attach, wait, start in that order; frames to stdout/stderr; exit status from wait', async () => {
  const client = daemon({ status: 3, output: [frame(1, 'out\n'), frame(2, 'err\n')] });
  const r = await berth(['run', '--name', 'web', 'busybox', 'echo', 'hi'], client);
  assert.deepEqual([r.code, r.out, r.err], [3, 'out\n', 'WARNING: low memory\nerr\n']);
  assert.deepEqual(summary(client.calls), [
    'POST /containers/create', `POST /containers/${ID}/attach (hijack)`, `POST /containers/${ID}/wait`, `POST /containers/${ID}/start`,
  ]);
  const [create, attach, wait] = client.calls;
  assert.deepEqual(create.query, { name: 'web' });
  assert.deepEqual((create.body as Record<string, unknown>).Cmd, ['echo', 'hi']);
  assert.deepEqual(attach.query, { stream: true, stdout: true, stderr: true });
  assert.deepEqual(wait.query, { condition: 'next-exit' });
});

test('run -d prints the ID and does not attach; --rm waits for removal', async () => {
  const client = daemon({ status: 0 });
  const r = await berth(['run', '-d', '--rm', 'busybox'], client);
  assert.deepEqual([r.code, r.out], [0, `${ID}\n`]);
  assert.deepEqual(summary(client.calls), ['POST /containers/create', `POST /containers/${ID}/wait`, `POST /containers/${ID}/start`]);
  assert.deepEqual(client.calls[1].query, { condition: 'removed' });
  const body = client.calls[0].body as Record<string, any>;
  assert.deepEqual([body.AttachStdout, body.AttachStderr, body.HostConfig.AutoRemove], [false, false, true]);
});

test('run pulls on "No such image" and retries the create', async () => {
  const client = daemon({ createErrors: [[404, 'No such image: busybox:latest']] });
  const r = await berth(['run', '-d', 'busybox'], client);
  assert.equal(r.code, 0);
  assert.equal(r.err, "Unable to find image 'busybox:latest' locally\nlatest: Pulling from library/busybox\nStatus: Downloaded newer image for busybox:latest\nWARNING: low memory\n");
  const pull = client.calls.find((c) => c.path === '/images/create')!;
  assert.deepEqual(pull.query, { fromImage: 'docker.io/library/busybox', tag: 'latest' });
  assert.equal(client.calls.filter((c) => c.path === '/containers/create').length, 2);
});

test('daemon errors: "berth: ..." with the usage hint, 125 for create, 127/126 for start', async () => {
  const conflict = await berth(['run', '-d', 'busybox'], daemon({ createErrors: [[409, 'Conflict. The container name "/x" is already in use']] }));
  assert.deepEqual([conflict.code, conflict.err], [125,
    "berth: Error response from daemon: Conflict. The container name \"/x\" is already in use\n\nRun 'berth run --help' for more information\n"]);
  const missing = await berth(['run', 'busybox', 'nope'], daemon({ startError: [400, 'exec: "nope": executable file not found in $PATH'] }));
  assert.equal(missing.code, 127);
  assert.match(missing.err, /\nberth: Error response from daemon: exec: "nope": executable file not found/);
  const denied = await berth(['run', '-d', 'busybox', '/etc'], daemon({ startError: [400, 'exec: "/etc": permission denied'] }));
  assert.equal(denied.code, 126);
  const create = await berth(['create', 'busybox'], daemon({ createErrors: [[409, 'name in use']] }));
  assert.deepEqual([create.code, create.err], [1, 'Error response from daemon: name in use\n']);
});

test('flag checks: -it needs a terminal, -a conflicts with -d, bad values exit 125', async () => {
  const notTty = await berth(['run', '-it', 'busybox'], daemon());
  assert.deepEqual([notTty.code, notTty.err], [1, 'the input device is not a TTY\n']);
  const conflict = await berth(['run', '-d', '-a', 'stdout', 'busybox'], daemon());
  assert.deepEqual([conflict.code, conflict.err], [1, 'conflicting options: cannot specify both --attach and --detach\n']);
  const bad = await berth(['run', '-m', '3x', 'busybox'], daemon());
  assert.equal(bad.code, 125);
  assert.match(bad.err, /^invalid argument "3x" for "-m, --memory" flag: invalid suffix: 'x'\n\nUsage: {2}berth run \[OPTIONS\] IMAGE/);
  const restart = await berth(['run', '--rm', '--restart', 'always', 'busybox'], daemon());
  assert.deepEqual([restart.code, restart.err], [125, "berth: conflicting options: cannot specify both --restart and --rm\n\nRun 'berth run --help' for more information\n"]);
});

test('run -it: raw stdin, ctrl-p ctrl-q detaches with status 0 and the keys never reach the daemon', async () => {
  const stdin = ttyStdin();
  const received: Buffer[] = [];
  const client = containerClient((c) => {
    if (c.path === '/containers/create') return { json: { Id: ID } };
    if (c.path.endsWith('/wait')) return { json: { StatusCode: 9 }, after: new Promise(() => undefined) };
    if (c.path.endsWith('/start')) setImmediate(() => stdin.write(Buffer.from('ls\r\x10\x11more')));
    return undefined;
  }, (conn) => {
    conn.on('data', (d: Buffer) => received.push(d));
    conn.write('$ ');
  });
  const r = await berth(['run', '-it', 'busybox'], client, { stdin });
  assert.deepEqual([r.code, r.out], [0, '$ ']);
  assert.equal(Buffer.concat(received).toString(), 'ls\r');
  assert.deepEqual(stdin.modes, [true, false]);
  const body = client.calls[0].body as Record<string, unknown>;
  assert.deepEqual([body.Tty, body.OpenStdin, body.AttachStdin, body.StdinOnce], [true, true, true, true]);
});

test('run -i: stdin is copied, then half-closed; the output ends the run', async () => {
  let got = '';
  const client = containerClient((c) => {
    if (c.path === '/containers/create') return { json: { Id: ID } };
    if (c.path.endsWith('/wait')) return { json: { StatusCode: 0 } };
    return undefined;
  }, (conn) => {
    conn.on('data', (d: Buffer) => {
      got += d.toString();
    });
    conn.on('end', () => {
      conn.write(frame(1, got.toUpperCase()));
      conn.end();
    });
  });
  const { Readable } = await import('node:stream');
  const r = await berth(['run', '-i', 'busybox', 'cat'], client, { stdin: Readable.from([Buffer.from('abc')]) });
  assert.deepEqual([r.code, r.out], [0, 'ABC']);
  assert.deepEqual(client.calls[1].query, { stream: true, stdin: true, stdout: true, stderr: true });
});

test('create prints the ID and writes --cidfile; --help lists --help without -h (hostname owns -h)', async (t) => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const cidDir = mkdtempSync(join(tmpdir(), 'berth-cid-'));
  t.after(() => rmSync(cidDir, { recursive: true, force: true }));
  const cid = join(cidDir, 'cid');
  const r = await berth(['create', '--cidfile', cid, '-h', 'box', 'busybox'], daemon());
  assert.deepEqual([r.code, r.out, readFileSync(cid, 'utf8')], [0, `${ID}\n`, ID]);
  const again = await berth(['create', '--cidfile', cid, 'busybox'], daemon());
  assert.equal(again.code, 1);
  assert.match(again.err, /container ID file found/);
  const help = await berth(['create', '--help'], daemon());
  assert.match(help.out, /\n {6}--help +Print usage\n {2}-h, --hostname string +Container host name\n/);
});
