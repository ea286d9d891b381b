/**
 * `docker build` (docker CLI 28, classic builder) and `berth build` against
 * berthd: output stream, image config, files in the built image, cache
 * (also across a restart), multi-stage, .dockerignore, bad input.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, Daemon, removeAll, startWithBusybox, type RunResult } from './harness.ts';

function ctxDir(d: Daemon, name: string, files: Record<string, string>): string {
  const dir = join(d.dir, 'ctx', name);
  mkdirSync(dir, { recursive: true });
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), body);
  }
  return dir;
}

function build(d: Daemon, dir: string, args: string[] = []): RunResult {
  const r = spawnSync(DOCKER, ['build', ...args, '.'], {
    cwd: dir, maxBuffer: 1 << 28, env: { ...process.env, DOCKER_HOST: d.host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(d.dir, 'docker-config') },
  });
  return { code: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** A build that lets this process keep serving (for ADD from a local URL). */
function buildAsync(d: Daemon, dir: string, args: string[] = []): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(DOCKER, ['build', ...args, '.'], { cwd: dir, env: { ...process.env, DOCKER_HOST: d.host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(d.dir, 'docker-config') } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => { stdout += c; });
    p.stderr.on('data', (c) => { stderr += c; });
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function inspect(d: Daemon, ref: string): Record<string, unknown> & { Config: Record<string, unknown>; RootFS: { Layers: string[] } } {
  const r = d.docker(['image', 'inspect', ref]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout)[0];
}

function run(d: Daemon, image: string, script: string): string {
  const r = d.docker(['run', '--rm', '--entrypoint', 'sh', image, '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('docker build (classic) against berthd', () => {
  const d = new Daemon('berth-build-');
  before(() => startWithBusybox(d));
  after(() => d.cleanup());

  it('builds every metadata instruction with Docker\'s output and config', () => {
    const dir = ctxDir(d, 'meta', {
      Dockerfile: [
        'FROM busybox', 'ARG V=1', 'ENV A=b \\', '    C="d e"', 'LABEL l1=$A "l 2"="x y"', 'MAINTAINER someone', 'EXPOSE 80 443/udp 8000-8001',
        'VOLUME ["/data"]', 'WORKDIR /app', 'WORKDIR sub', 'USER 1000:1000', 'STOPSIGNAL SIGINT', 'SHELL ["/bin/sh", "-xc"]',
        'HEALTHCHECK --interval=5s --timeout=3s --retries=2 CMD true', 'ONBUILD RUN test "$(id -u)" = 1000', 'ONBUILD LABEL trig=1', 'ENTRYPOINT ["sh", "-c"]', 'CMD echo $A',
      ].join('\n'),
    });
    const r = build(d, dir, ['-t', 'meta:1']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.replace(/\r/g, '').trim().split('\n');
    assert.match(lines[0], /^Sending build context to Docker daemon\s+[\d.]+kB$/);
    assert.equal(lines[1], 'Step 1/17 : FROM busybox');
    assert.match(lines[2], /^ ---> [a-f0-9]{12}$/);
    assert.equal(lines[3], 'Step 2/17 : ARG V=1');
    assert.match(lines[4], /^ ---> Running in ([a-f0-9]{12})$/);
    const cid = / ---> Running in ([a-f0-9]{12})/.exec(lines[4])![1];
    assert.equal(lines[5], ` ---> Removed intermediate container ${cid}`);
    assert.match(lines[6], /^ ---> [a-f0-9]{12}$/);
    assert.equal(lines[7], 'Step 3/17 : ENV A=b     C="d e"');
    assert.match(lines.at(-2)!, /^Successfully built ([a-f0-9]{12})$/);
    assert.equal(lines.at(-1), 'Successfully tagged meta:1');
    const img = inspect(d, 'meta:1');
    assert.equal((img.Id as string).slice(7, 19), /Successfully built (\w+)/.exec(r.stdout)![1]);
    const c = img.Config;
    assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=b', 'C=d e']);
    assert.deepEqual(c.Labels, { l1: 'b', 'l 2': 'x y' });
    assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '443/udp': {}, '8000/tcp': {}, '8001/tcp': {} });
    assert.deepEqual(c.Volumes, { '/data': {} });
    assert.equal(c.WorkingDir, '/app/sub');
    assert.equal(c.User, '1000:1000');
    assert.equal(c.StopSignal, 'SIGINT');
    assert.deepEqual(c.Shell, ['/bin/sh', '-xc']);
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Timeout: 3e9, Retries: 2 });
    assert.deepEqual(c.OnBuild, ['RUN test "$(id -u)" = 1000', 'LABEL trig=1']);
    assert.deepEqual(c.Entrypoint, ['sh', '-c']);
    assert.deepEqual(c.Cmd, ['/bin/sh', '-xc', 'echo $A'], 'shell form uses the SHELL in effect');
    assert.equal(img.Author, 'someone');
    assert.equal(d.docker(['ps', '-aq']).stdout.trim(), '', 'no intermediate container is left');
    // history names every step's (intermediate) image, as dockerd does for local builds
    const hist = d.docker(['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}', 'meta:1']).stdout.trim().split('\n');
    assert.equal(hist.length, 17);
    assert.ok(hist.every((h) => /^sha256:[a-f0-9]{64}\|/.test(h)), hist.join('\n'));
    assert.equal(hist[0], `${img.Id}|/bin/sh -xc #(nop)  CMD ["/bin/sh" "-xc" "echo $A"]`);
    assert.match(hist[15], /\|\/bin\/sh -c #\(nop\)  ARG V=1$/);
    // dockerd's lines: EXPOSE's ports as parsed and sorted, WORKDIR with a single space
    assert.ok(hist.some((h) => h.endsWith('|/bin/sh -c #(nop)  EXPOSE 443/udp 80/tcp 8000/tcp 8001/tcp')), hist.join('\n'));
    assert.ok(hist.some((h) => h.endsWith('|/bin/sh -c #(nop) WORKDIR /app/sub')), hist.join('\n'));
    // WORKDIR made the directories; the image runs
    assert.equal(run(d, 'meta:1', 'pwd; ls -d /app/sub').trim(), '/app/sub\n/app/sub');
    // ONBUILD runs in a child build
    const child = ctxDir(d, 'onbuild', { Dockerfile: 'FROM meta:1\nUSER root\n' });
    const rc = build(d, child, ['-t', 'child:1']);
    assert.equal(rc.code, 0, rc.stderr);
    // dockerd prints the stage's image after its triggers ran (as the image's user, 1000)
    assert.match(rc.stdout, /Step 1\/2 : FROM meta:1\n# Executing 2 build triggers\n ---> Running in ([a-f0-9]{12})\n[^]*?\n ---> Removed intermediate container \1\n ---> Running in ([a-f0-9]{12})\n ---> Removed intermediate container \2\n ---> [a-f0-9]{12}\nStep 2\/2 : USER root\n/);
    assert.equal(inspect(d, 'child:1').Config.Labels?.['trig' as never], '1');
    assert.equal(inspect(d, 'child:1').Config.OnBuild, undefined, 'no triggers left (API 1.50 leaves the empty field out)');
  });

  it('runs RUN in containers and copies files with Docker\'s rules, ownership and modes', () => {
    const dir = ctxDir(d, 'files', {
      Dockerfile: [
        'FROM busybox', 'RUN echo "app:x:1234:1234::/:/bin/sh" >> /etc/passwd && echo "app:x:1234:" >> /etc/group',
        'COPY a.txt /one/', 'COPY a.txt /two/renamed', 'COPY dir /three', 'COPY --chown=app:app --chmod=640 a.txt b.* /four/', 'ADD --chown=1234:1234 arch.tar /owned-tar/',
        'WORKDIR /w', 'COPY a.txt .', 'ADD arch.tar /five/', 'COPY <<EOF /six/greeting', 'hello $HOSTNAME', 'EOF',
        'RUN rm /one/a.txt && mkdir -p /seven && echo run > /seven/f',
        'RUN <<EOT', '#!/bin/sh -e', 'echo "script $0" > /eight', 'EOT',
      ].join('\n'),
      'a.txt': 'A\n', 'b.md': 'B\n', 'dir/x': 'X\n', 'dir/sub/y': 'Y\n',
    });
    spawnSync('chmod', ['755', join(dir, 'dir/x')]);
    spawnSync('tar', ['-cf', join(dir, 'arch.tar'), '-C', dir, 'a.txt', 'dir']);
    const r = build(d, dir, ['-t', 'files:1']);
    assert.equal(r.code, 0, r.stderr);
    const out = run(d, 'files:1', [
      'cat /one/a.txt 2>&1; cat /two/renamed; ls /three; stat -c "%a %u:%g %n" /three/x /four/a.txt /four/b.md /w/a.txt',
      'ls /five; ls /five/dir; cat /six/greeting; cat /seven/f; cat /eight; stat -c "%u:%g %n" /owned-tar/a.txt /owned-tar/dir/x',
    ].join('; '));
    assert.equal(out, [
      'cat: can\'t open \'/one/a.txt\': No such file or directory', 'A', 'sub', 'x',
      '755 0:0 /three/x', '640 1234:1234 /four/a.txt', '640 1234:1234 /four/b.md', '644 0:0 /w/a.txt',
      'a.txt', 'dir', 'sub', 'x', 'hello ', 'run', 'script /dev/pipes/EOT', '1234:1234 /owned-tar/a.txt', '1234:1234 /owned-tar/dir/x', '',
    ].join('\n'));
    const layers = inspect(d, 'files:1').RootFS.Layers;
    assert.equal(layers.length, 13, 'base + RUN, 7 COPY/ADD, WORKDIR, heredoc COPY, 2 RUN');
  });

  it('scopes ARG and ENV as Docker does: meta ARGs in FROM, re-declared in a stage, proxy args without a declaration', () => {
    const dir = ctxDir(d, 'args', {
      Dockerfile: [
        'ARG TAG=latest', 'ARG ONLY_META=m', 'FROM busybox:${TAG}', 'ARG ONLY_META', 'ARG LOCAL=l', 'ENV E=${LOCAL}-${ONLY_META} LOCAL=fromenv',
        'RUN echo "$LOCAL $ONLY_META $E [$TAG] $HTTP_PROXY" > /args',
      ].join('\n'),
    });
    const r = build(d, dir, ['-t', 'args:1', '--build-arg', 'LOCAL=x', '--build-arg', 'HTTP_PROXY=http://proxy:3128']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /not consumed/);
    assert.equal(run(d, 'args:1', 'cat /args'), 'fromenv m x-m [] http://proxy:3128\n');
    const img = inspect(d, 'args:1');
    assert.deepEqual(img.Config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'E=x-m', 'LOCAL=fromenv']);
    const hist = d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'args:1']).stdout.split('\n')[0];
    assert.equal(hist, '|1 ONLY_META=m /bin/sh -c echo "$LOCAL $ONLY_META $E [$TAG] $HTTP_PROXY" > /args', 'ENV shadows the ARG; proxy args stay out');
  });

  it('uses the cache on a rebuild and after a daemon restart, and not with --no-cache', async () => {
    const dir = ctxDir(d, 'cache', { Dockerfile: 'FROM busybox\nCOPY f /f\nRUN cat /f > /g\nENV X=1\n', f: 'one\n' });
    const first = build(d, dir, ['-t', 'cache:1']);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /Using cache/);
    const id = inspect(d, 'cache:1').Id;
    const second = build(d, dir, ['-t', 'cache:1']);
    assert.equal((second.stdout.match(/ ---> Using cache/g) ?? []).length, 3);
    assert.equal(inspect(d, 'cache:1').Id, id);
    await d.stop();
    await d.start();
    const third = build(d, dir, ['-t', 'cache:1']);
    assert.equal((third.stdout.match(/ ---> Using cache/g) ?? []).length, 3, third.stdout);
    assert.equal(inspect(d, 'cache:1').Id, id);
    // a new mtime is not a change; new content is
    spawnSync('touch', [join(dir, 'f')]);
    assert.equal((build(d, dir).stdout.match(/ ---> Using cache/g) ?? []).length, 3);
    writeFileSync(join(dir, 'f'), 'two\n');
    const changed = build(d, dir, ['-t', 'cache:2']);
    assert.equal((changed.stdout.match(/ ---> Using cache/g) ?? []).length, 0);
    assert.equal(run(d, 'cache:2', 'cat /g'), 'two\n');
    const nocache = build(d, dir, ['--no-cache']);
    assert.equal(nocache.code, 0);
    assert.doesNotMatch(nocache.stdout, /Using cache/);
  });

  it('uses --cache-from images that came without their intermediate images', () => {
    const dir = ctxDir(d, 'cachefrom', { Dockerfile: 'FROM busybox\nENV Y=1\nCOPY f /f\nRUN cat /f > /g\nCMD ["cat", "/g"]\n', f: 'cf\n' });
    assert.equal(build(d, dir, ['-t', 'cf:src']).code, 0);
    const id = inspect(d, 'cf:src').Id;
    const tar = join(d.dir, 'cf.tar');
    assert.equal(d.docker(['save', '-o', tar, 'cf:src']).code, 0);
    assert.equal(d.docker(['rmi', 'cf:src']).code, 0);
    assert.equal(d.docker(['builder', 'prune', '-af']).code, 0);
    assert.equal(d.docker(['load', '-i', tar]).code, 0);
    const plain = build(d, dir, ['-t', 'cf:plain']);
    assert.equal((plain.stdout.match(/Using cache/g) ?? []).length, 0, 'no local cache any more');
    assert.equal(d.docker(['rmi', 'cf:plain']).code, 0);
    assert.equal(d.docker(['builder', 'prune', '-af']).code, 0);
    const r = build(d, dir, ['--cache-from', 'cf:src', '-t', 'cf:again']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/ ---> Using cache/g) ?? []).length, 4, r.stdout);
    assert.equal(inspect(d, 'cf:again').Id, id);
  });

  it('builds only the stages a --target needs and copies between stages', () => {
    const dir = ctxDir(d, 'multi', {
      Dockerfile: [
        'FROM busybox AS base', 'RUN echo base > /base', 'FROM busybox AS unused', 'RUN echo SHOULD-NOT-RUN',
        'FROM base AS build', 'RUN echo built > /out', 'FROM busybox AS final', 'COPY --from=build /out /base /res/', 'FROM final AS later', 'RUN echo later',
      ].join('\n'),
    });
    const r = build(d, dir, ['--target', 'final', '-t', 'multi:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /SHOULD-NOT-RUN|later/);
    assert.match(r.stdout, /Step 1\/6 : FROM busybox AS base/);
    assert.match(r.stdout, /Step 6\/6 : COPY --from=build \/out \/base \/res\//);
    assert.equal(run(d, 'multi:1', 'cat /res/out /res/base'), 'built\nbase\n');
    const bad = build(d, dir, ['--target', 'nope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /failed to reach build target nope in Dockerfile/);
  });

  it('builds independent stages at the same time, with the output in Dockerfile order', () => {
    const dir = ctxDir(d, 'parallel', {
      Dockerfile: [
        'FROM busybox AS a', 'RUN sleep 3 && echo a > /a', 'FROM busybox AS b', 'RUN sleep 3 && echo b > /b',
        'FROM busybox', 'COPY --from=a /a /', 'COPY --from=b /b /',
      ].join('\n'),
    });
    const t0 = Date.now();
    const r = build(d, dir, ['-t', 'par:1']);
    const ms = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(ms < 5500, `two 3 s stages took ${ms} ms`);
    const steps = [...r.stdout.matchAll(/^Step (\d+)\/7 : /gm)].map((m) => Number(m[1]));
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(run(d, 'par:1', 'cat /a /b'), 'a\nb\n');
  });

  it('applies .dockerignore on the client and in COPY', () => {
    const dir = ctxDir(d, 'ignore', {
      Dockerfile: 'FROM busybox\nCOPY . /ctx/\n', '.dockerignore': '*.secret\nlogs\n!logs/keep.log\n', 'a.secret': 's', 'ok.txt': 'ok', 'logs/x.log': 'x', 'logs/keep.log': 'k',
    });
    const r = build(d, dir, ['-t', 'ign:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(run(d, 'ign:1', 'cd /ctx && find . -type f | sort'), './.dockerignore\n./Dockerfile\n./logs/keep.log\n./ok.txt\n');
    // COPY --exclude, on top of .dockerignore
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY --exclude=*.txt --exclude=.dockerignore . /ex/\nCOPY --exclude=keep.log logs /logs/\n');
    const ex = build(d, dir, ['-t', 'ign:2']);
    assert.equal(ex.code, 0, ex.stderr);
    assert.equal(run(d, 'ign:2', 'cd /ex && find . -type f | sort; ls /logs | wc -l'), './Dockerfile\n./logs/keep.log\n0\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY a.secret /\n');
    const bad = build(d, dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /COPY failed: file not found in build context or excluded by \.dockerignore: stat a\.secret: file does not exist/);
  });

  it('answers bad Dockerfiles with Docker\'s messages and leaves nothing behind', () => {
    const cases: [string, RegExp, number][] = [
      ['FROM busybox\nFOO bar\n', /Error response from daemon: dockerfile parse error on line 2: unknown instruction: FOO/, 1],
      ['RUN true\n', /Error response from daemon: no build stage in current context/, 1],
      ['', /Error response from daemon: the Dockerfile \(Dockerfile\) cannot be empty/, 1],
      ['FROM busybox\nCOPY --bogus=1 a /\n', /dockerfile parse error on line 2: unknown flag: bogus/, 1],
      ['FROM busybox\nCOPY ../x /\n', /COPY failed: forbidden path outside the build context: \.\.\/x \(\)/, 1],
      ['FROM busybox\nCOPY nope /\n', /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope: file does not exist/, 1],
      ['FROM busybox\nCOPY Dockerfile Dockerfile /x\n', /When using COPY with more than one source file, the destination must be a directory and end with a \//, 1],
      ['FROM busybox\nRUN false\n', /The command '\/bin\/sh -c false' returned a non-zero code: 1/, 1],
      ['FROM busybox\nRUN exit 3\n', /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/, 3],
      ['FROM busybox\nRUN ["false"]\n', /The command 'false' returned a non-zero code: 1/, 1],
      // FROM a missing image pulls it: without internet the pull fails on docker.io itself
      ['FROM nosuch-image-here\n', /pull access denied for nosuch-image-here|registry-1\.docker\.io/, 1],
    ];
    for (const [df, re, code] of cases) {
      const dir = ctxDir(d, `bad-${createHash('sha256').update(df).digest('hex').slice(0, 8)}`, { Dockerfile: df });
      const r = build(d, dir, ['--force-rm']);
      assert.equal(r.code, code, `${df}: ${r.stderr}`);
      assert.match(r.stderr, re, df);
    }
    assert.equal(d.docker(['ps', '-aq']).stdout.trim(), '', 'with --force-rm failed RUN containers are removed');
    // without --force-rm the failed container stays, as dockerd leaves it
    const keep = build(d, ctxDir(d, 'keep', { Dockerfile: 'FROM busybox\nRUN false\n' }));
    assert.equal(keep.code, 1);
    assert.equal(d.docker(['ps', '-aq']).stdout.trim().split('\n').length, 1);
    removeAll(d);
    // --rm=false keeps every intermediate container and does not announce a removal
    const kept = build(d, ctxDir(d, 'norm', { Dockerfile: 'FROM busybox\nENV A=1\nRUN true\n' }), ['--rm=false', '--no-cache']);
    assert.equal(kept.code, 0, kept.stderr);
    assert.doesNotMatch(kept.stdout, /Removed intermediate container/);
    assert.equal(d.docker(['ps', '-aq']).stdout.trim().split('\n').length, 2);
    removeAll(d);
  });

  it('-q prints only the ID and --iidfile gets it; -f from outside the context', () => {
    const dir = ctxDir(d, 'quiet', { 'other/df': 'FROM busybox\nLABEL q=1\n' });
    const r = spawnSync(DOCKER, ['build', '-q', '--iidfile', join(d.dir, 'iid'), '-f', join(dir, 'other/df'), join(dir, 'other', '..')], {
      env: { ...process.env, DOCKER_HOST: d.host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(d.dir, 'docker-config') },
    });
    assert.equal(r.status, 0, r.stderr.toString());
    const id = r.stdout.toString().trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.equal(readFileSync(join(d.dir, 'iid'), 'utf8'), `${id}\n`, 'with -q the CLI writes the streamed ID line');
    assert.deepEqual(inspect(d, id).Config.Labels, { q: '1' });
  });

  it('ADD fetches URLs with --checksum and RUN --mount=type=cache keeps its directory', async () => {
    const body = Buffer.from('remote file\n');
    const srv = createServer((_q, s) => { s.writeHead(200, { 'Content-Length': body.length }); s.end(body); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const port = (srv.address() as { port: number }).port;
      const sum = createHash('sha256').update(body).digest('hex');
      const dir = ctxDir(d, 'url', {
        Dockerfile: `FROM busybox\nADD --checksum=sha256:${sum} http://127.0.0.1:${port}/dl/file.txt /u/\nRUN --mount=type=cache,target=/cache echo x >> /cache/n && wc -l < /cache/n > /count\n`,
      });
      const r = await buildAsync(d, dir, ['-t', 'url:1']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(run(d, 'url:1', 'cat /u/file.txt; stat -c %a /u/file.txt; cat /count; ls /cache | wc -l'), 'remote file\n600\n1\n0\n');
      const again = await buildAsync(d, dir, ['-t', 'url:2', '--no-cache']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(run(d, 'url:2', 'cat /count'), '2\n', 'the cache mount survived between builds');
      writeFileSync(join(dir, 'Dockerfile'), `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/f /\n`);
      const bad = await buildAsync(d, dir);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /digest mismatch/);
    } finally {
      srv.close();
    }
  });

  it('gives the same layer digests for the same inputs with SOURCE_DATE_EPOCH', () => {
    const dir = ctxDir(d, 'repro', { Dockerfile: 'FROM busybox\nARG SOURCE_DATE_EPOCH\nCOPY f /f\nRUN mkdir /d && echo x > /d/x\n', f: 'f\n' });
    const a = build(d, dir, ['--no-cache', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '-t', 'repro:a']);
    assert.equal(a.code, 0, a.stderr);
    const b = build(d, dir, ['--no-cache', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '-t', 'repro:b']);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(inspect(d, 'repro:a').RootFS.Layers, inspect(d, 'repro:b').RootFS.Layers);
    assert.equal(inspect(d, 'repro:a').Created, '2023-11-14T22:13:20Z');
  });

  it('stops and removes the RUN container when the client goes away', async () => {
    const dir = ctxDir(d, 'cancel', { Dockerfile: 'FROM busybox\nRUN sleep 30\n' });
    const p = spawn(DOCKER, ['build', '.'], { cwd: dir, env: { ...process.env, DOCKER_HOST: d.host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(d.dir, 'docker-config') } });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    const deadline = Date.now() + 15000;
    while (!/Running in/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /Running in/);
    while (!d.docker(['ps', '-q']).stdout.trim() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(d.docker(['ps', '-q']).stdout.trim().split('\n').filter(Boolean).length, 1);
    p.kill('SIGKILL');
    const until = Date.now() + 15000;
    while (d.docker(['ps', '-aq']).stdout.trim() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.equal(d.docker(['ps', '-aq']).stdout.trim(), '');
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(`${d.dir}/root/containers`));
    assert.deepEqual(mounts, []);
  });

  it('keeps a malicious context tarball inside the build directory', async () => {
    const outside = join(d.dir, 'outside-target');
    const tarDir = join(d.dir, 'evil');
    mkdirSync(join(tarDir, 'x'), { recursive: true });
    writeFileSync(join(tarDir, 'Dockerfile'), 'FROM busybox\nCOPY . /c/\n');
    // members named ../ and absolute, and a symlink followed by a write through it
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => pack.on('end', r));
    pack.entry({ name: 'Dockerfile' }, readFileSync(join(tarDir, 'Dockerfile')));
    pack.entry({ name: '../../outside-target' }, 'x');
    pack.entry({ name: outside }, 'x');
    pack.entry({ name: 'link', type: 'symlink', linkname: d.dir });
    pack.entry({ name: 'link/outside-target' }, 'x');
    pack.finalize();
    await ended;
    writeFileSync(join(tarDir, 'ctx.tar'), Buffer.concat(chunks));
    const r = d.docker(['build', '-t', 'evil:1', '-'], readFileSync(join(tarDir, 'ctx.tar')));
    void r;
    assert.throws(() => readFileSync(outside), /ENOENT/);
    assert.equal(d.docker(['ps', '-aq']).stdout.trim(), '');
  });
});

describe('berth build', () => {
  const d = new Daemon('berth-bbuild-');
  before(() => startWithBusybox(d));
  after(() => d.cleanup());

  it('builds a directory with -t, --build-arg, --label, --iidfile and plain progress', () => {
    const dir = ctxDir(d, 'b1', { Dockerfile: 'FROM busybox\nARG WHO=nobody\nRUN echo "hi $WHO" > /hi\n' });
    const r = d.berth(['build', '-t', 'bb:1', '--build-arg', 'WHO=berth', '--build-arg', 'UNUSED=1', '--label', 'k=v', '--iidfile', join(d.dir, 'iid'), '--progress', 'plain', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Step 1\/3 : FROM busybox\n ---> [a-f0-9]{12}\nStep 2\/3 : ARG WHO=nobody\n/);
    assert.match(r.stdout, /\[Warning\] One or more build-args \[UNUSED\] were not consumed\nSuccessfully built [a-f0-9]{12}\nSuccessfully tagged bb:1\n$/);
    const img = JSON.parse(d.docker(['image', 'inspect', 'bb:1']).stdout)[0];
    assert.equal(readFileSync(join(d.dir, 'iid'), 'utf8'), img.Id);
    assert.deepEqual(img.Config.Labels, { k: 'v' });
    assert.equal(d.docker(['run', '--rm', 'bb:1', 'cat', '/hi']).stdout, 'hi berth\n');
  });

  it('takes a Dockerfile or a tar on stdin, -f -, and -q', () => {
    const r = d.berth(['build', '-q', '-'], 'FROM busybox\nENV FROM_STDIN=1\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^sha256:[a-f0-9]{64}$/);
    const dir = ctxDir(d, 'b2', { 'f.txt': 'from tar\n' });
    const df = 'FROM busybox\nCOPY f.txt /\n';
    const viaF = d.berth(['build', '-t', 'bb:2', '-f', '-', dir], df);
    assert.equal(viaF.code, 0, viaF.stderr);
    assert.equal(d.docker(['run', '--rm', 'bb:2', 'cat', '/f.txt']).stdout, 'from tar\n');
    writeFileSync(join(dir, 'Dockerfile'), df);
    const tar = spawnSync('tar', ['-cz', '-C', dir, '.']).stdout;
    const viaTar = d.berth(['build', '-t', 'bb:3', '-'], tar);
    assert.equal(viaTar.code, 0, viaTar.stderr);
    assert.equal(d.docker(['run', '--rm', 'bb:3', 'cat', '/f.txt']).stdout, 'from tar\n');
  });

  it('exits with the failing RUN\'s code and prunes the build cache', () => {
    const r = d.berth(['build', '-'], 'FROM busybox\nRUN exit 7\n');
    assert.equal(r.code, 7);
    assert.match(r.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7/);
    removeAll(d);
    assert.equal(d.berth(['build', '-q', '-'], 'FROM busybox\nRUN echo cached > /c\n').code, 0);
    const p = d.berth(['builder', 'prune', '-f']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /^Deleted build cache objects:\n[a-f0-9]{64}\n[\s\S]*Total reclaimed space: [1-9][0-9.]*k?B\n$/);
    const dir = ctxDir(d, 'b3', { Dockerfile: 'FROM busybox\nRUN true\n' });
    assert.doesNotMatch(d.berth(['build', dir]).stdout, /Using cache/, 'pruned entries are misses');
    const dp = d.docker(['builder', 'prune', '-f']);
    assert.equal(dp.code, 0, dp.stderr);
    assert.match(dp.stdout, /Total reclaimed space/);
  });
});
