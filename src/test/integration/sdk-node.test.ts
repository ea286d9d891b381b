/*
 * The Node.js Docker SDK (dockerode, over docker-modem) against berthd: a
 * user's usual calls end to end, including its hijacked attach/exec streams,
 * chunked uploads and demultiplexed output.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { FakeRegistry } from '../registry/fake.ts';
import { BERTH, Daemon, have, NODE, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');

/** All bytes of a stream. */
async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** A multiplexed stream split with the SDK's own demuxer, read to its end. */
async function demux(docker: Docker, s: NodeJS.ReadableStream): Promise<{ out: string; err: string }> {
  const o = new PassThrough();
  const e = new PassThrough();
  const outP = collect(o);
  const errP = collect(e);
  const ended = new Promise<void>((res, rej) => { s.on('end', res); s.on('close', res); s.on('error', rej); });
  docker.modem.demuxStream(s, o, e);
  await ended;
  o.end();
  e.end();
  return { out: (await outP).toString(), err: (await errP).toString() };
}

/** Read from a stream until `want` shows up (or fail after `ms`). */
function readUntil(s: NodeJS.ReadableStream, want: string, ms = 10_000): Promise<string> {
  return new Promise((res, rej) => {
    let got = '';
    const t = setTimeout(() => { s.off('data', on); rej(new Error(`timed out waiting for ${JSON.stringify(want)}; got ${JSON.stringify(got)}`)); }, ms);
    const on = (d: Buffer): void => {
      got += d.toString('latin1');
      if (got.includes(want)) { clearTimeout(t); s.off('data', on); res(got); }
    };
    s.on('data', on);
  });
}

/** `p`, or a failure after `ms` (a stream that never ends). */
function within<T>(p: Promise<T>, ms = 5000, what = 'the stream to end'): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, rej) => { t = setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(t));
}

/** The entries of a tar archive: name → content. */
async function untar(data: Buffer): Promise<Map<string, { type: string; body: Buffer }>> {
  const ex = tar.extract();
  const out = new Map<string, { type: string; body: Buffer }>();
  ex.on('entry', (h, stream, next) => {
    collect(stream).then((body) => { out.set(h.name, { type: h.type ?? 'file', body }); next(); }, next);
  });
  const done = new Promise<void>((res, rej) => { ex.on('finish', res); ex.on('error', rej); });
  ex.end(data);
  await done;
  return out;
}

/** `berth registry serve` on a loopback port: a registry that takes pushes. */
async function startRegistry(root: string): Promise<{ proc: ChildProcess; host: string }> {
  const proc = spawn(NODE, [BERTH, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', root, '--access-log=false'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => { err += c; });
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const m = /listening on (127\.0\.0\.1:\d+)/.exec(err);
    if (m) return { proc, host: m[1] };
    if (proc.exitCode !== null) break;
  }
  proc.kill('SIGKILL');
  throw new Error(`registry did not start: ${err}`);
}

async function packTar(files: Record<string, string>): Promise<Buffer> {
  const p = tar.pack();
  for (const [name, body] of Object.entries(files)) p.entry({ name, mode: 0o644 }, body);
  p.finalize();
  return collect(p);
}

describe('dockerode (the Node.js Docker SDK) against berthd', { skip: !canRun && 'needs root, runc and conmon', timeout: 120_000 }, () => {
  const d = new Daemon('berth-sdkn-');
  const reg = new FakeRegistry();
  let docker: Docker;
  const t0 = Math.floor(Date.now() / 1000);
  before(async () => {
    await reg.start();
    await startWithBusybox(d);
    docker = new Docker({ socketPath: d.sock });
  });
  after(async () => { removeAll(d); await d.cleanup(); await reg.stop(); });

  /** A progress stream (pull, build, load) followed to its end with the SDK. */
  const follow = (s: NodeJS.ReadableStream): Promise<Record<string, unknown>[]> => new Promise((res, rej) => {
    docker.modem.followProgress(s, (err: Error | null, out: Record<string, unknown>[]) => (err ? rej(err) : res(out)));
  });

  it('pings, reports version and info', async () => {
    assert.equal(String(await docker.ping()), 'OK');
    const v = await docker.version();
    assert.equal(v.ApiVersion, '1.50');
    assert.equal(v.Os, 'linux');
    const info = await docker.info();
    assert.equal(typeof info.Containers, 'number');
    assert.ok(info.Images >= 1, JSON.stringify(info.Images));
  });

  it('lists, inspects, tags and untags images', async () => {
    const list = await docker.listImages();
    assert.ok(list.some((i) => i.RepoTags?.includes('busybox:latest')), JSON.stringify(list));
    const bb = await docker.getImage('busybox').inspect();
    assert.deepEqual(bb.Config.Cmd, ['sh']);
    assert.match(bb.Id, /^sha256:[0-9a-f]{64}$/);
    const hist = await docker.getImage('busybox').history() as { Id: string }[];
    assert.ok(hist.length >= 1 && hist[0].Id === bb.Id, JSON.stringify(hist));
    await docker.getImage('busybox').tag({ repo: 'sdknode/bb', tag: 't1' });
    const tagged = await docker.listImages({ filters: { reference: ['sdknode/*'] } });
    assert.deepEqual(tagged.map((i) => i.RepoTags), [['sdknode/bb:t1']]);
    const gone = await docker.getImage('sdknode/bb:t1').remove() as { Untagged?: string }[];
    assert.deepEqual(gone, [{ Untagged: 'sdknode/bb:t1' }]);
    await assert.rejects(docker.getImage('sdknode/bb:t1').inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('runs a container with docker.run: output demultiplexed, exit code returned', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const outP = collect(out);
    const errP = collect(err);
    const [data, ct] = await docker.run('busybox', ['sh', '-c', 'echo out; echo err >&2; exit 3'], [out, err], { Tty: false, HostConfig: { NetworkMode: 'none' } }) as [{ StatusCode: number }, Docker.Container];
    assert.equal(data.StatusCode, 3);
    assert.equal((await outP).toString(), 'out\n');
    assert.equal((await errP).toString(), 'err\n');
    // no Env in the request or the image: null, as dockerd keeps the image's
    assert.equal((await ct.inspect()).Config.Env, null);
    await ct.remove();
  });

  it('runs a TTY container whose attach stream is raw', async () => {
    const out = new PassThrough();
    const outP = collect(out);
    const [data, ct] = await docker.run('busybox', ['sh', '-c', 'echo tty; echo err >&2'], out, { Tty: true, HostConfig: { NetworkMode: 'none' } }) as [{ StatusCode: number }, Docker.Container];
    assert.equal(data.StatusCode, 0);
    assert.equal((await outP).toString(), 'tty\r\nerr\r\n');
    await ct.remove({ force: true });
  });

  let ct: Docker.Container;
  it('creates a container with env, labels and host config, starts and inspects it', async () => {
    ct = await docker.createContainer({
      Image: 'busybox', name: 'sdkn-main', Cmd: ['sh', '-c', 'echo started; echo warn >&2; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done'],
      Env: ['FOO=bar'], Labels: { sdkflow: 'node' },
      HostConfig: { NetworkMode: 'none', Memory: 64 << 20, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    // dockerode sends start's options as a body too (here a 23-byte one): dockerd refuses any body over 7 bytes
    await assert.rejects(ct.start({ detachKeys: 'ctrl-x' }), (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24/.test(e.message ?? ''));
    assert.equal((await ct.inspect()).State.Status, 'created');
    await ct.start();
    const info = await ct.inspect();
    assert.equal(info.Name, '/sdkn-main');
    assert.equal(info.State.Status, 'running');
    assert.ok(info.State.Running && info.State.Pid > 0);
    assert.ok(info.Config.Env.includes('FOO=bar'), JSON.stringify(info.Config.Env));
    assert.equal(info.Config.Labels.sdkflow, 'node');
    assert.equal(info.HostConfig.Memory, 64 << 20);
    assert.deepEqual(info.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    // what the SDK left out shows as dockerd shows it (the Go zero values), not missing
    assert.equal(info.HostConfig.AutoRemove, false);
    assert.equal(info.HostConfig.Binds, null);
    assert.equal(info.HostConfig.CpuShares, 0);
    assert.deepEqual(info.HostConfig.ConsoleSize, [0, 0]);
    assert.deepEqual(Object.keys(info.HostConfig).slice(0, 4), ['Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode']);
    const ls = await docker.listContainers({ filters: { label: ['sdkflow=node'] } });
    assert.deepEqual(ls.map((c) => c.Names), [['/sdkn-main']]);
    assert.equal(ls[0].State, 'running');
    assert.deepEqual(await docker.listContainers({ filters: { label: ['sdkflow=other'] } }), []);
  });

  it('shows top, stats and logs', async () => {
    const top = await ct.top() as { Titles: string[]; Processes: string[][] };
    assert.ok(top.Titles.includes('PID'), JSON.stringify(top));
    assert.ok(top.Processes.some((p) => p.join(' ').includes('while true') || p.join(' ').includes('sh -c')), JSON.stringify(top));
    const st = await ct.stats({ stream: false }) as { memory_stats: { limit?: number; usage?: number }; pids_stats: { current?: number } };
    assert.equal(st.memory_stats.limit, 64 << 20);
    assert.ok((st.pids_stats.current ?? 0) >= 1, JSON.stringify(st.pids_stats));
    const logs = await ct.logs({ stdout: true, stderr: true, timestamps: true, follow: false }) as Buffer;
    assert.ok(Buffer.isBuffer(logs));
    const { out, err } = await demux(docker, Readable.from([logs]));
    assert.match(out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z started\n$/);
    assert.match(err, /Z warn\n$/);
    const onlyErr = await ct.logs({ stdout: false, stderr: true, follow: false, since: t0 - 5 }) as Buffer;
    assert.equal((await demux(docker, Readable.from([onlyErr]))).err, 'warn\n');
  });

  it('runs an exec with stdin through a hijacked connection', async () => {
    const ex = await ct.exec({ Cmd: ['sh', '-c', 'read line; echo "got $line $FOO"; echo e >&2; exit 4'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: true }) as Duplex;
    const res = demux(docker, stream);
    stream.write('hello\n');
    const { out, err } = await res;
    assert.equal(out, 'got hello bar\n');
    assert.equal(err, 'e\n');
    const info = await ex.inspect();
    assert.equal(info.ExitCode, 4);
    assert.equal(info.Running, false);
  });

  it('runs an exec with a TTY and resizes it', async () => {
    const ex = await ct.exec({ Cmd: ['sh', '-c', 'sleep 0.3; stty size'], AttachStdout: true, AttachStderr: true, Tty: true });
    const stream = await ex.start({ hijack: true, stdin: false, Tty: true }) as Duplex;
    await new Promise((r) => setTimeout(r, 100));
    await ex.resize({ h: 33, w: 101 });
    const raw = (await collect(stream)).toString();
    assert.equal(raw, '33 101\r\n');
    assert.equal((await ex.inspect()).ExitCode, 0);
  });

  it('pauses, unpauses, renames and updates the container', async () => {
    await ct.pause();
    assert.equal((await ct.inspect()).State.Status, 'paused');
    await ct.unpause();
    assert.equal((await ct.inspect()).State.Status, 'running');
    await ct.rename({ name: 'sdkn-renamed' });
    assert.equal((await ct.inspect()).Name, '/sdkn-renamed');
    const up = await ct.update({ Memory: 96 << 20, MemorySwap: 192 << 20, RestartPolicy: { Name: 'unless-stopped' } }) as { Warnings: string[] | null };
    assert.ok(up && 'Warnings' in up, JSON.stringify(up));
    const info = await ct.inspect();
    assert.equal(info.HostConfig.Memory, 96 << 20);
    assert.deepEqual(info.HostConfig.RestartPolicy, { Name: 'unless-stopped', MaximumRetryCount: 0 });
  });

  it('copies files in and out with putArchive/getArchive and lists changes', async () => {
    await ct.putArchive(await packTar({ 'hello.txt': 'hi from sdk\n', 'sub/inner.txt': 'inner\n' }), { path: '/tmp' });
    // a streamed (chunked) upload, with noOverwriteDirNonDir
    await ct.putArchive(Readable.from([await packTar({ 'streamed.txt': 'streamed\n' })]), { path: '/tmp', noOverwriteDirNonDir: true });
    const arch = await collect(await ct.getArchive({ path: '/tmp/hello.txt' }) as NodeJS.ReadableStream);
    assert.equal((await untar(arch)).get('hello.txt')?.body.toString(), 'hi from sdk\n');
    const dir = await untar(await collect(await ct.getArchive({ path: '/tmp' }) as NodeJS.ReadableStream));
    assert.equal(dir.get('tmp/sub/inner.txt')?.body.toString(), 'inner\n');
    assert.equal(dir.get('tmp/streamed.txt')?.body.toString(), 'streamed\n');
    const ex = await ct.exec({ Cmd: ['cat', '/tmp/streamed.txt'], AttachStdout: true, AttachStderr: true });
    assert.equal((await demux(docker, await ex.start({}) as NodeJS.ReadableStream)).out, 'streamed\n');
    const changes = await ct.changes() as { Path: string; Kind: number }[];
    assert.ok(changes.some((c) => c.Path === '/tmp/hello.txt' && c.Kind === 1), JSON.stringify(changes));
    await assert.rejects(ct.getArchive({ path: '/nonexistent' }), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('follows logs until the container stops, then waits, restarts and kills it', async () => {
    const follow = await ct.logs({ stdout: true, stderr: false, follow: true }) as NodeJS.ReadableStream;
    const followed = demux(docker, follow);
    await ct.stop({ t: 5 });
    assert.equal((await followed).out, 'started\nbye\n');
    const w = await ct.wait();
    assert.equal(w.StatusCode, 0);
    await ct.restart({ t: 1 });
    assert.equal((await ct.inspect()).State.Running, true);
    const waiting = ct.wait({ condition: 'not-running' });
    await ct.kill({ signal: 'SIGKILL' });
    assert.equal((await waiting).StatusCode, 137);
    const st = (await ct.inspect()).State;
    assert.equal(st.Status, 'exited');
    assert.equal(st.ExitCode, 137);
  });

  it('exports and commits the container', async () => {
    const exp = await untar(await collect(await ct.export() as NodeJS.ReadableStream));
    assert.equal(exp.get('tmp/hello.txt')?.body.toString(), 'hi from sdk\n');
    assert.ok(exp.has('bin/busybox'));
    const c = await ct.commit({ repo: 'sdknode/committed', tag: 'v1', comment: 'from dockerode', changes: 'ENV COMMITTED=1' }) as { Id: string };
    assert.match(c.Id, /^sha256:[0-9a-f]{64}$/);
    const img = await docker.getImage('sdknode/committed:v1').inspect();
    assert.equal(img.Id, c.Id);
    assert.equal(img.Comment, 'from dockerode');
    assert.ok(img.Config.Env.includes('COMMITTED=1'), JSON.stringify(img.Config.Env));
  });

  it('attaches with stdin to a cat container: input echoed, end of input ends it', async () => {
    const cat = await docker.createContainer({ Image: 'busybox', Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, HostConfig: { NetworkMode: 'none' } });
    const stream = await cat.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as Duplex;
    const res = demux(docker, stream);
    await cat.start();
    stream.write('ping 1\n');
    stream.write('ping 2\n');
    stream.end();
    assert.equal((await res).out, 'ping 1\nping 2\n');
    assert.equal((await cat.wait()).StatusCode, 0);
    await cat.remove();
  });

  it('ends only the attach (or a TTY exec stream) when input ends without StdinOnce, as dockerd', async () => {
    const cat = await docker.createContainer({ Image: 'busybox', Cmd: ['cat'], OpenStdin: true, StdinOnce: false, HostConfig: { NetworkMode: 'none' } });
    await cat.start();
    const stream = await cat.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as Duplex;
    const res = demux(docker, stream);
    stream.write('once\n');
    await readUntil(stream, 'once\n');
    stream.end();
    assert.equal((await within(res)).out, 'once\n');
    assert.equal((await cat.inspect()).State.Status, 'running');
    const ex = await cat.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, Tty: true });
    const es = await ex.start({ hijack: true, stdin: true, Tty: true }) as Duplex;
    es.write('tty in\n');
    await readUntil(es, 'tty in\r\ntty in\r\n');
    es.end();
    await within(collect(es));
    assert.equal((await ex.inspect()).Running, true);
    await cat.remove({ force: true });
  });

  it('attaches with logs: the output so far, then the end (stream false)', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo one; echo two >&2'], HostConfig: { NetworkMode: 'none' } });
    await c.start();
    assert.equal((await c.wait()).StatusCode, 0);
    const s = await c.attach({ logs: true, stream: false, stdout: true, stderr: true }) as NodeJS.ReadableStream;
    assert.deepEqual(await within(demux(docker, s)), { out: 'one\n', err: 'two\n' });
    const onlyOut = await c.attach({ logs: true, stream: false, stdout: true, stderr: false }) as NodeJS.ReadableStream;
    assert.deepEqual(await demux(docker, onlyOut), { out: 'one\n', err: '' });
    await c.remove();
  });

  it('attaches to a TTY container, resizes it, and sees raw bytes', async () => {
    const sh = await docker.createContainer({ Image: 'busybox', Cmd: ['sh'], Tty: true, OpenStdin: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, HostConfig: { NetworkMode: 'none' } });
    const stream = await sh.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as Duplex;
    await sh.start();
    await sh.resize({ h: 40, w: 120 });
    stream.write('stty size; echo mark$((6*7))\n');
    const got = await readUntil(stream, 'mark42');
    assert.match(got, /40 120\r\n/);
    stream.write('exit 5\n');
    assert.equal((await sh.wait()).StatusCode, 5);
    await sh.remove({ force: true, v: true });
  });

  it('reports events between since and until, prunes and removes', async () => {
    const until = Math.floor(Date.now() / 1000) + 1;
    await new Promise((r) => setTimeout(r, 1100));
    const ev = await collect(await docker.getEvents({ since: t0, until, filters: { type: ['container'] } }) as NodeJS.ReadableStream);
    const events = ev.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } });
    const mine = events.filter((e) => e.Actor.ID === ct.id).map((e) => e.Action);
    for (const a of ['create', 'start', 'pause', 'unpause', 'rename', 'kill', 'die', 'commit']) assert.ok(mine.includes(a), `${a} in ${mine.join(',')}`);
    assert.ok(mine.some((a) => a.startsWith('exec_start')), mine.join(','));
    assert.ok(events.every((e) => e.Type === 'container'));
    const stopped = await docker.createContainer({ Image: 'busybox', Cmd: ['true'], Labels: { sdkprune: '1' }, HostConfig: { NetworkMode: 'none' } });
    const pr = await docker.pruneContainers({ filters: { label: ['sdkprune=1'] } });
    assert.deepEqual(pr.ContainersDeleted, [stopped.id]);
    await ct.remove({ force: true, v: true });
    await assert.rejects(ct.inspect(), (e: { statusCode?: number; message?: string }) => e.statusCode === 404 && /No such container/.test(e.message ?? ''));
    // no stream chosen is the request's error, before the container is looked up
    await assert.rejects(docker.getContainer('nosuch').logs({ follow: false }), (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /you must choose at least one stream/.test(e.message ?? ''));
    await docker.getImage('sdknode/committed:v1').remove();
  });

  it('pulls with progress, saves, loads and imports images', async () => {
    reg.addImage('sdk/pulled', 'v1', [{ files: { 'hello.txt': 'pulled\n' }, compression: 'gzip' }]);
    const progress = await follow(await docker.pull(`${reg.host}/sdk/pulled:v1`));
    assert.ok(progress.some((p) => String(p.status).includes(`Downloaded newer image for ${reg.host}/sdk/pulled:v1`)), JSON.stringify(progress));
    const pulled = await docker.getImage(`${reg.host}/sdk/pulled:v1`).inspect();
    assert.equal(pulled.RepoDigests.length, 1);
    // the registry's view without a pull (GET /distribution/{name}/json): one image, and an index of two platforms
    const dist = await docker.getImage(`${reg.host}/sdk/pulled:v1`).distribution() as { Descriptor: { digest: string; mediaType: string; size: number }; Platforms: unknown[] };
    assert.equal(`${reg.host}/sdk/pulled@${dist.Descriptor.digest}`, pulled.RepoDigests[0]);
    assert.equal(dist.Descriptor.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.deepEqual(dist.Platforms, [{ architecture: 'amd64', os: 'linux' }]);
    const amd = reg.addImage('sdk/multi', null, [{ files: { a: 'a' }, compression: 'gzip' }]);
    const arm = reg.addImage('sdk/multi', null, [{ files: { b: 'b' }, compression: 'gzip' }], { arch: 'arm64' });
    const index = reg.addIndex('sdk/multi', 'v1', [{ digest: amd.manifestDigest, arch: 'amd64' }, { digest: arm.manifestDigest, arch: 'arm64', variant: 'v8' }]);
    const multi = await docker.getImage(`${reg.host}/sdk/multi:v1`).distribution() as typeof dist;
    assert.equal(multi.Descriptor.digest, index);
    assert.deepEqual(multi.Platforms, [{ architecture: 'amd64', os: 'linux' }, { architecture: 'arm64', os: 'linux', variant: 'v8' }]);
    await assert.rejects(docker.getImage(`${reg.host}/sdk/multi:nope`).distribution(), (e: { statusCode?: number }) => e.statusCode === 404);
    // as dockerd: an error before any progress is the HTTP answer
    await assert.rejects(docker.pull(`${reg.host}/sdk/missing:v1`), (e: { statusCode?: number; message: string }) => e.statusCode === 404 && /not found/.test(e.message));
    const saved = await collect(await docker.getImage(`${reg.host}/sdk/pulled:v1`).get());
    assert.ok((await untar(saved)).has('manifest.json'));
    await docker.getImage(`${reg.host}/sdk/pulled:v1`).remove();
    const loaded = await follow(await docker.loadImage(Readable.from([saved])));
    assert.ok(loaded.some((p) => String(p.stream).includes(`Loaded image: ${reg.host}/sdk/pulled:v1`)), JSON.stringify(loaded));
    const imported = await follow(await docker.importImage(Readable.from([await packTar({ 'only.txt': 'imported\n' })]), { repo: 'sdknode/imported', tag: 'x' }));
    assert.match(String(imported.at(-1)?.status), /^sha256:[0-9a-f]{64}$/);
    assert.equal((await docker.getImage('sdknode/imported:x').inspect()).RootFS.Layers?.length, 1);
    await docker.getImage('sdknode/imported:x').remove();
    await docker.getImage(`${reg.host}/sdk/pulled:v1`).remove();
  });

  it('pushes to a registry and pulls back what it pushed', async () => {
    const r = await startRegistry(join(d.dir, 'registry'));
    try {
      await docker.getImage('busybox').tag({ repo: `${r.host}/sdk/pushed`, tag: 'p1' });
      const pushed = await follow(await docker.getImage(`${r.host}/sdk/pushed`).push({ tag: 'p1' }));
      const last = pushed.at(-1) as { status?: string; aux?: { Tag: string; Digest: string; Size: number }; error?: string };
      assert.equal(last.error, undefined, JSON.stringify(pushed));
      assert.ok(pushed.some((p) => String(p.status).startsWith(`The push refers to repository [${r.host}/sdk/pushed]`)), JSON.stringify(pushed));
      const aux = pushed.find((p) => p.aux)?.aux as { Tag: string; Digest: string; Size: number };
      assert.equal(aux.Tag, 'p1');
      assert.match(aux.Digest, /^sha256:[0-9a-f]{64}$/);
      await docker.getImage(`${r.host}/sdk/pushed:p1`).remove();
      await follow(await docker.pull(`${r.host}/sdk/pushed:p1`));
      const back = await docker.getImage(`${r.host}/sdk/pushed:p1`).inspect();
      assert.equal(back.Id, (await docker.getImage('busybox').inspect()).Id);
      assert.deepEqual(back.RepoDigests, [`${r.host}/sdk/pushed@${aux.Digest}`]);
      await docker.getImage(`${r.host}/sdk/pushed:p1`).remove();
    } finally {
      r.proc.kill('SIGKILL');
    }
  });

  it('builds from a tar stream and from a context directory', async () => {
    const ctx = await packTar({ Dockerfile: 'FROM busybox\nCOPY msg.txt /msg.txt\nRUN echo built >> /msg.txt\nCMD ["cat", "/msg.txt"]\n', 'msg.txt': 'from tar\n' });
    const out = await follow(await docker.buildImage(Readable.from([ctx]), { t: 'sdknode/built:1' }));
    assert.ok(out.some((o) => typeof o.aux === 'object' && /^sha256:/.test(String((o.aux as { ID?: string }).ID))), JSON.stringify(out));
    assert.ok(out.some((o) => String(o.stream).includes('Successfully tagged sdknode/built:1')), JSON.stringify(out));
    const dir = join(d.dir, 'ctx');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM sdknode/built:1\nARG WHO\nRUN echo "dir $WHO" >> /msg.txt\n');
    const out2 = await follow(await docker.buildImage({ context: dir, src: ['Dockerfile'] }, { t: 'sdknode/built:2', buildargs: { WHO: 'ctx' }, labels: { via: 'sdk' } }));
    assert.ok(out2.some((o) => String(o.stream).includes('Successfully tagged sdknode/built:2')), JSON.stringify(out2));
    // one ID per stage, the --label step included in the last one
    const ids = out2.filter((o) => o.aux).map((o) => (o.aux as { ID: string }).ID);
    assert.deepEqual(ids, [(await docker.getImage('sdknode/built:2').inspect()).Id]);
    assert.equal((await docker.getImage('sdknode/built:2').inspect()).Config.Labels?.via, 'sdk');
    // q: only the ID, as a stream line
    const quiet = await follow(await docker.buildImage(Readable.from([await packTar({ Dockerfile: 'FROM busybox\nLABEL quiet=1\n' })]), { q: true, labels: { l: '1' } }));
    assert.equal(quiet.length, 1, JSON.stringify(quiet));
    assert.match(String(quiet[0].stream), /^sha256:[0-9a-f]{64}\n$/);
    await docker.getImage(String(quiet[0].stream).trim()).remove();
    // a failing step is an error message in the stream (followProgress hands it over as a line)
    const bad = await follow(await docker.buildImage(Readable.from([await packTar({ Dockerfile: 'FROM busybox\nRUN exit 7\n' })]), { t: 'sdknode/bad' }));
    assert.match(String(bad.at(-1)?.error), /returned a non-zero code: 7/);
    assert.match(String((bad.at(-1)?.errorDetail as { message?: string })?.message), /returned a non-zero code: 7/);
    const outS = new PassThrough();
    const outP = collect(outS);
    const [res, runCt] = await docker.run('sdknode/built:2', [], outS, { Tty: false, HostConfig: { NetworkMode: 'none' } }) as [{ StatusCode: number }, Docker.Container];
    assert.equal(res.StatusCode, 0);
    await runCt.remove();
    const { out: text } = await demux(docker, Readable.from([await outP]));
    assert.equal(text, 'from tar\nbuilt\ndir ctx\n');
    for (const t of ['sdknode/built:2', 'sdknode/built:1']) await docker.getImage(t).remove();
  });

  it('manages volumes and networks', async () => {
    const vol = await docker.createVolume({ Name: 'sdkn-vol', Labels: { sdk: 'node' } });
    const vi = await vol.inspect();
    assert.equal(vi.Name, 'sdkn-vol');
    assert.equal(vi.Driver, 'local');
    const vols = await docker.listVolumes({ filters: { label: ['sdk=node'] } });
    assert.deepEqual(vols.Volumes.map((v) => v.Name), ['sdkn-vol']);
    const net = await docker.createNetwork({ Name: 'sdkn-net', Labels: { sdk: 'node' } });
    const ni = await net.inspect();
    assert.equal(ni.Name, 'sdkn-net');
    assert.equal(ni.Driver, 'bridge');
    assert.equal(ni.IPAM?.Options, null); // no IPAM in the request: dockerd keeps no options map
    const nets = await docker.listNetworks({ filters: { label: ['sdk=node'] } });
    assert.deepEqual(nets.map((n) => n.Name), ['sdkn-net']);
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'cat /data/f'], HostConfig: { NetworkMode: 'none', Binds: ['sdkn-vol:/data'] } });
    await c.putArchive(await packTar({ f: 'in volume\n' }), { path: '/data' });
    await c.start();
    assert.equal((await c.wait()).StatusCode, 0);
    assert.equal((await demux(docker, Readable.from([await c.logs({ stdout: true }) as Buffer]))).out, 'in volume\n');
    await c.remove();
    const c2 = await docker.createContainer({ Image: 'busybox', Cmd: ['true'] });
    await net.connect({ Container: c2.id, EndpointConfig: { Aliases: ['sdkalias'] } });
    assert.ok(Object.keys((await c2.inspect()).NetworkSettings.Networks).includes('sdkn-net'));
    await net.disconnect({ Container: c2.id });
    assert.ok(!Object.keys((await c2.inspect()).NetworkSettings.Networks).includes('sdkn-net'));
    await c2.remove();
    await net.remove();
    await docker.getVolume('sdkn-vol').remove();
    const df = await docker.df();
    assert.ok(Array.isArray(df.Images) && Array.isArray(df.Containers) && Array.isArray(df.Volumes));
  });

  it('streams stats and events until the client stops reading', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'none' } });
    const evs = await docker.getEvents({ filters: { container: [c.id] } }) as NodeJS.ReadableStream & { destroy(): void };
    const startEv = readUntil(evs, '"Action":"start"');
    await c.start();
    assert.match(await startEv, /"status":"start"/);
    evs.destroy();
    const stats = await c.stats({ stream: true }) as NodeJS.ReadableStream & { destroy(): void };
    const first = await readUntil(stats, '\n');
    stats.destroy();
    const st = JSON.parse(first.split('\n')[0]) as { id: string; read: string };
    assert.equal(st.id, c.id);
    const ex = await c.exec({ Cmd: ['sh', '-c', 'touch /tmp/detached'] });
    await ex.start({ Detach: true });
    for (let i = 0; i < 50 && (await ex.inspect()).Running !== false; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await ex.inspect()).ExitCode, 0);
    await c.remove({ force: true });
    await assert.rejects(c.wait({ condition: 'not-running' }), (e: { statusCode?: number }) => e.statusCode === 404);
  });
});
