import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameterError } from '../core/errors.ts';
import type { ImageConfigBody } from '../core/images/types.ts';
import { applyChanges, splitWords } from './changes.ts';

const invalid = (msg: string | RegExp) => (e: unknown): boolean =>
  e instanceof InvalidParameterError && (typeof msg === 'string' ? e.message === msg : msg.test(e.message));

test('splitWords: whitespace, quotes and escapes', () => {
  assert.deepEqual(splitWords('  a   b\tc  '), ['a', 'b', 'c']);
  assert.deepEqual(splitWords('"a b" \'c d\''), ['a b', 'c d']);
  assert.deepEqual(splitWords('A="x y"z'), ['A=x yz']);
  assert.deepEqual(splitWords('"" \'\''), ['', ''], 'empty quoted words are kept');
  assert.deepEqual(splitWords('a\\ b'), ['a b']);
  assert.deepEqual(splitWords('"say \\"hi\\""'), ['say "hi"']);
  assert.deepEqual(splitWords("'no \\escape'"), ['no \\escape'], 'no escapes inside single quotes');
  assert.deepEqual(splitWords(''), []);
});

test('splitWords: unterminated quote is an error', () => {
  assert.throws(() => splitWords('"abc'), invalid('unexpected end of statement while looking for matching "'));
  assert.throws(() => splitWords("a 'b"), invalid("unexpected end of statement while looking for matching '"));
});

test('applyChanges: does not mutate the base config', () => {
  const base: ImageConfigBody = { Env: ['A=1'], Labels: { x: 'y' } };
  const out = applyChanges(base, ['ENV A=2', 'LABEL x=z']);
  assert.deepEqual(base, { Env: ['A=1'], Labels: { x: 'y' } });
  assert.deepEqual(out.Env, ['A=2']);
});

test('applyChanges: CMD in JSON and shell forms', () => {
  assert.deepEqual(applyChanges({}, ['CMD ["echo","hi there"]']).Cmd, ['echo', 'hi there']);
  assert.deepEqual(applyChanges({}, ['CMD echo hi there']).Cmd, ['/bin/sh', '-c', 'echo hi there']);
  assert.deepEqual(applyChanges({}, ['cmd ["x"]']).Cmd, ['x'], 'instructions are case-insensitive');
  assert.deepEqual(applyChanges({}, ['CMD [not json']).Cmd, ['/bin/sh', '-c', '[not json']);
});

test('applyChanges: ENTRYPOINT in both forms resets an inherited Cmd', () => {
  const base: ImageConfigBody = { Cmd: ['sh'] };
  const json = applyChanges(base, ['ENTRYPOINT ["/app","--flag"]']);
  assert.deepEqual(json.Entrypoint, ['/app', '--flag']);
  assert.equal(json.Cmd, null);
  assert.deepEqual(applyChanges(base, ['ENTRYPOINT /app run']).Entrypoint, ['/bin/sh', '-c', '/app run']);
});

test('applyChanges: ENTRYPOINT keeps a CMD given earlier in the same changes', { todo: 'bug: applyChanges always clears Cmd on ENTRYPOINT; dockerd clears it only when no CMD was set in this change list (state.cmdSet)' }, () => {
  const out = applyChanges({ Cmd: ['sh'] }, ['CMD ["serve"]', 'ENTRYPOINT ["/app"]']);
  assert.deepEqual(out.Entrypoint, ['/app']);
  assert.deepEqual(out.Cmd, ['serve']);
});

test('applyChanges: ENV key=value pairs with quotes, replacing existing keys', () => {
  const out = applyChanges({ Env: ['PATH=/bin', 'A=old'] }, ['ENV A="hello world" B=2 C=\'x y\'']);
  assert.deepEqual(out.Env, ['PATH=/bin', 'A=hello world', 'B=2', 'C=x y']);
});

test('applyChanges: ENV legacy form `KEY value with spaces`', () => {
  assert.deepEqual(applyChanges({}, ['ENV GREETING hello big world']).Env, ['GREETING=hello big world']);
});

test('applyChanges: ENV errors', () => {
  assert.throws(() => applyChanges({}, ['ENV']), invalid('ENV requires at least one argument'));
  assert.throws(() => applyChanges({}, ['ENV ONLYKEY']), invalid('ENV requires at least one argument'));
  assert.throws(() => applyChanges({}, ['ENV A=1 =2']), invalid('ENV names can not be blank'));
  assert.throws(() => applyChanges({}, ['ENV A="open']), invalid(/^unexpected end of statement/));
});

test('applyChanges: LABEL with quoted keys and values and the legacy form', () => {
  const out = applyChanges({ Labels: { keep: 'me' } }, ['LABEL "com.example.name"="my app" version=1.0', 'LABEL maintainer Jane Doe']);
  assert.deepEqual(out.Labels, { keep: 'me', 'com.example.name': 'my app', version: '1.0', maintainer: 'Jane Doe' });
  assert.deepEqual(applyChanges({ Labels: null }, ['LABEL a=']).Labels, { a: '' });
});

test('applyChanges: EXPOSE normalises to port/proto', () => {
  const out = applyChanges({ ExposedPorts: { '22/tcp': {} } }, ['EXPOSE 80 53/UDP 8443/tcp']);
  assert.deepEqual(Object.keys(out.ExposedPorts!).sort(), ['22/tcp', '53/udp', '80/tcp', '8443/tcp']);
  assert.throws(() => applyChanges({}, ['EXPOSE http']), invalid('invalid containerPort: http'));
});

test('applyChanges: EXPOSE ranges expand to single ports', { todo: 'bug: applyChanges stores "8000-8002/tcp" as one key; dockerd (nat.ParsePortSpecs) exposes 8000/tcp, 8001/tcp, 8002/tcp' }, () => {
  const out = applyChanges({}, ['EXPOSE 8000-8002']);
  assert.deepEqual(Object.keys(out.ExposedPorts!).sort(), ['8000/tcp', '8001/tcp', '8002/tcp']);
});

test('applyChanges: VOLUME in JSON and shell forms; empty is an error', () => {
  assert.deepEqual(Object.keys(applyChanges({}, ['VOLUME ["/data","/logs"]']).Volumes!), ['/data', '/logs']);
  assert.deepEqual(Object.keys(applyChanges({ Volumes: { '/a': {} } }, ['VOLUME /b /c']).Volumes!), ['/a', '/b', '/c']);
  assert.throws(() => applyChanges({}, ['VOLUME [""]']), invalid('VOLUME specified can not be an empty string'));
});

test('applyChanges: USER, STOPSIGNAL, ONBUILD', () => {
  const out = applyChanges({ OnBuild: ['RUN a'] }, ['USER app:app', 'STOPSIGNAL SIGTERM', 'ONBUILD RUN make']);
  assert.equal(out.User, 'app:app');
  assert.equal(out.StopSignal, 'SIGTERM');
  assert.deepEqual(out.OnBuild, ['RUN a', 'RUN make']);
});

test('applyChanges: WORKDIR absolute, and relative to the previous one', () => {
  assert.equal(applyChanges({}, ['WORKDIR /srv']).WorkingDir, '/srv');
  assert.equal(applyChanges({}, ['WORKDIR app']).WorkingDir, '/app');
  assert.equal(applyChanges({ WorkingDir: '/srv' }, ['WORKDIR app']).WorkingDir, '/srv/app');
  assert.equal(applyChanges({ WorkingDir: '/srv/' }, ['WORKDIR app']).WorkingDir, '/srv/app');
  assert.equal(applyChanges({}, ['WORKDIR /a', 'WORKDIR b', 'WORKDIR c']).WorkingDir, '/a/b/c');
});

test('applyChanges: relative WORKDIR is cleaned like filepath.Join', { todo: 'bug: applyChanges concatenates; dockerd normalizeWorkdir uses filepath.Join, so /a + b/../c is /a/c' }, () => {
  assert.equal(applyChanges({ WorkingDir: '/a' }, ['WORKDIR b/../c']).WorkingDir, '/a/c');
});

test('applyChanges: HEALTHCHECK NONE, CMD (exec form) and CMD-SHELL', () => {
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD ["curl","-f","http://x/"]']).Healthcheck, { Test: ['CMD', 'curl', '-f', 'http://x/'] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD curl -f http://x/ || exit 1']).Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://x/ || exit 1'] });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK']), invalid('HEALTHCHECK requires CMD or NONE'));
});

test('applyChanges: HEALTHCHECK options before CMD', { todo: 'bug: applyChanges rejects --interval/--retries flags that dockerd accepts for HEALTHCHECK' }, () => {
  const hc = applyChanges({}, ['HEALTHCHECK --interval=5s --retries=3 CMD true']).Healthcheck;
  assert.deepEqual(hc?.Test, ['CMD-SHELL', 'true']);
  assert.equal(hc?.Interval, 5e9);
  assert.equal(hc?.Retries, 3);
});

test('applyChanges: instructions not allowed for commit/import', () => {
  assert.throws(() => applyChanges({}, ['RUN apt-get update']), invalid('RUN is not a valid change command'));
  assert.throws(() => applyChanges({}, ['COPY a b']), invalid('COPY is not a valid change command'));
  assert.throws(() => applyChanges({}, ['FROM x']), invalid('FROM is not a valid change command'));
});

test('applyChanges: blank lines are ignored and changes apply in order', () => {
  const out = applyChanges({}, ['', '   ', 'USER a', 'USER b']);
  assert.equal(out.User, 'b');
});
