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

test('applyChanges: ENTRYPOINT keeps a CMD given earlier in the same changes', () => {
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
  assert.throws(() => applyChanges({}, ['ENV ONLYKEY']), invalid('ENV must have two arguments'));
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

test('applyChanges: EXPOSE ranges expand to single ports', () => {
  const out = applyChanges({}, ['EXPOSE 8000-8002']);
  assert.deepEqual(Object.keys(out.ExposedPorts!).sort(), ['8000/tcp', '8001/tcp', '8002/tcp']);
});

test('applyChanges: EXPOSE range with a protocol; bad ranges and protocols are errors', () => {
  assert.deepEqual(Object.keys(applyChanges({}, ['EXPOSE 53-54/udp']).ExposedPorts!).sort(), ['53/udp', '54/udp']);
  assert.throws(() => applyChanges({}, ['EXPOSE 8002-8000']), invalid('invalid containerPort: 8002-8000'));
  assert.throws(() => applyChanges({}, ['EXPOSE 70000']), invalid('invalid containerPort: 70000'));
  assert.throws(() => applyChanges({}, ['EXPOSE 80/xyz']), invalid('invalid proto: xyz'));
});

test('applyChanges: VOLUME in JSON and shell forms; empty is an error', () => {
  assert.deepEqual(Object.keys(applyChanges({}, ['VOLUME ["/data","/logs"]']).Volumes!), ['/data', '/logs']);
  assert.deepEqual(Object.keys(applyChanges({ Volumes: { '/a': {} } }, ['VOLUME /b /c']).Volumes!), ['/a', '/b', '/c']);
  assert.throws(() => applyChanges({}, ['VOLUME [""]']), invalid('VOLUME specified can not be an empty string'));
});

test('applyChanges: USER, ONBUILD; STOPSIGNAL and SHELL are build-only, as in dockerd', () => {
  const out = applyChanges({ OnBuild: ['RUN a'] }, ['USER app:app', 'ONBUILD RUN make']);
  assert.equal(out.User, 'app:app');
  assert.deepEqual(out.OnBuild, ['RUN a', 'RUN make']);
  assert.throws(() => applyChanges({}, ['STOPSIGNAL SIGTERM']), invalid('stopsignal is not a valid change command'));
  assert.throws(() => applyChanges({}, ['SHELL ["/bin/bash", "-c"]']), invalid('shell is not a valid change command'));
});

test('applyChanges: WORKDIR absolute, and relative to the previous one', () => {
  assert.equal(applyChanges({}, ['WORKDIR /srv']).WorkingDir, '/srv');
  assert.equal(applyChanges({}, ['WORKDIR app']).WorkingDir, '/app');
  assert.equal(applyChanges({ WorkingDir: '/srv' }, ['WORKDIR app']).WorkingDir, '/srv/app');
  assert.equal(applyChanges({ WorkingDir: '/srv/' }, ['WORKDIR app']).WorkingDir, '/srv/app');
  assert.equal(applyChanges({}, ['WORKDIR /a', 'WORKDIR b', 'WORKDIR c']).WorkingDir, '/a/b/c');
});

test('applyChanges: relative WORKDIR is cleaned like filepath.Join', () => {
  assert.equal(applyChanges({ WorkingDir: '/a' }, ['WORKDIR b/../c']).WorkingDir, '/a/c');
});

test('applyChanges: relative WORKDIR cannot climb above / and loses trailing slashes', () => {
  assert.equal(applyChanges({ WorkingDir: '/a' }, ['WORKDIR ../../x']).WorkingDir, '/x');
  assert.equal(applyChanges({ WorkingDir: '/a' }, ['WORKDIR ./b/']).WorkingDir, '/a/b');
  assert.equal(applyChanges({ WorkingDir: '/a' }, ['WORKDIR ..']).WorkingDir, '/');
});

test('applyChanges: HEALTHCHECK NONE, CMD (exec form) and CMD-SHELL', () => {
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD ["curl","-f","http://x/"]']).Healthcheck, { Test: ['CMD', 'curl', '-f', 'http://x/'] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD curl -f http://x/ || exit 1']).Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://x/ || exit 1'] });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK']), invalid('HEALTHCHECK requires CMD or NONE'));
});

test('applyChanges: HEALTHCHECK options before CMD', () => {
  const hc = applyChanges({}, ['HEALTHCHECK --interval=5s --retries=3 CMD true']).Healthcheck;
  assert.deepEqual(hc?.Test, ['CMD-SHELL', 'true']);
  assert.equal(hc?.Interval, 5e9);
  assert.equal(hc?.Retries, 3);
});

test('applyChanges: HEALTHCHECK durations are Go durations in nanoseconds; zero values are left out', () => {
  const hc = applyChanges({}, ['HEALTHCHECK --timeout=1m30s --start-period=1.5s --start-interval=250ms --interval=0s --retries=0 CMD ["true"]']).Healthcheck;
  assert.deepEqual(hc, { Test: ['CMD', 'true'], Timeout: 90e9, StartPeriod: 1.5e9, StartInterval: 250e6 });
});

test('applyChanges: HEALTHCHECK option errors as dockerd words them', () => {
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --foo=1 CMD true']), invalid('Unknown flag: foo'));
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --interval CMD true']), invalid('Missing a value on flag: interval'));
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --retries=1 --retries=2 CMD true']), invalid('Duplicate flag specified: retries'));
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --interval=5 CMD true']), invalid('time: missing unit in duration "5"'));
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --interval=100us CMD true']), invalid('Interval "interval" cannot be less than 1ms'));
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --retries=x CMD true']), invalid('strconv.ParseInt: parsing "x": invalid syntax'));
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --retries=-1 CMD true']), invalid('--retries cannot be negative (-1)'));
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --interval=5s']), invalid('HEALTHCHECK requires CMD or NONE'));
});

test('applyChanges: instructions not allowed for commit/import', () => {
  assert.throws(() => applyChanges({}, ['RUN apt-get update']), invalid('run is not a valid change command'));
  assert.throws(() => applyChanges({}, ['COPY a b']), invalid('copy is not a valid change command'));
  assert.throws(() => applyChanges({}, ['FROM x']), invalid('from is not a valid change command'));
});

test('applyChanges: blank lines are ignored and changes apply in order', () => {
  const out = applyChanges({}, ['', '   ', 'USER a', 'USER b']);
  assert.equal(out.User, 'b');
});
