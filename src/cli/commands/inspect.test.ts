import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../client/errors.ts';
import { StatusError } from '../framework/errors.ts';
import { compactJson, indentJson, inspectRefs } from './inspect.ts';
import { fakeClient, fakeContext } from './test-helpers.ts';

test('indentJson matches JSON.stringify(…, 4) and keeps the raw text of values', () => {
  const samples = ['{"a":1,"b":[1,2,{"c":null}],"d":{},"e":[],"f":"x, y: {z}"}', '[]', '[{"Id":"sha256:1","Env":null,"Labels":{}}]'];
  for (const s of samples) assert.equal(indentJson(s), JSON.stringify(JSON.parse(s), null, 4));
  assert.equal(indentJson('{ "n": 1.50, "s": "\\u003c\\"" }'), '{\n    "n": 1.50,\n    "s": "\\u003c\\""\n}');
});

test('compactJson drops whitespace outside strings only', () => {
  assert.equal(compactJson('{ "a b": [1, 2],\n "c": " x " }'), '{"a b":[1,2],"c":" x "}');
});

const IMG = '{"Id":"sha256:abc","RepoTags":["busybox:latest"],"Os":"linux"}';
const lookup = (ref: string) => {
  if (ref === 'busybox') return { value: JSON.parse(IMG), raw: IMG };
  throw new ApiError(404, `No such image: ${ref}:latest`);
};

async function run(refs: string[], format: string) {
  const ctx = fakeContext(fakeClient(() => undefined));
  let error: StatusError | undefined;
  try {
    await inspectRefs(ctx, refs, format, async (r) => lookup(r));
  } catch (e) {
    error = e as StatusError;
  }
  return { out: ctx.out.text(), error };
}

test('default output: indented array; a missing object gives [] and docker error, status 1', async () => {
  assert.deepEqual(await run(['busybox'], ''), { out: indentJson(`[${IMG}]`) + '\n', error: undefined });
  const missing = await run(['nope'], '');
  assert.equal(missing.out, '[]\n');
  assert.equal(missing.error?.status, 1);
  assert.equal(missing.error?.message, 'Error response from daemon: No such image: nope:latest');
});

test('json format: one compact array', async () => {
  assert.equal((await run(['busybox', 'busybox'], 'json')).out, `[${IMG},${IMG}]\n`);
  assert.equal((await run(['nope'], 'json')).out, '[]\n');
});

test('template format: a line per object, an empty line when nothing printed; bad templates exit 64', async () => {
  const both = await run(['nope', 'busybox'], '{{.Id}} {{index .RepoTags 0}}');
  assert.equal(both.out, 'sha256:abc busybox:latest\n');
  assert.equal(both.error?.status, 1);
  assert.equal((await run(['nope'], '{{.Id}}')).out, '\n');
  const bad = await run(['busybox'], '{{.Id');
  assert.equal(bad.error?.status, 64);
  assert.equal(bad.error?.message, 'template parsing error: template: :1: unclosed action');
});

test('templates run on the typed object first, then on the raw JSON; the fallback error has status 1', async () => {
  const ctl = '{"Id":"c1","State":{"Status":"exited","Pid":0},"HostConfig":{"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"Binds":null}}';
  const get = async () => ({ value: JSON.parse(ctl), raw: ctl, kind: 'container' as const });
  const exec = async (format: string) => {
    const ctx = fakeContext(fakeClient(() => undefined));
    let error: StatusError | undefined;
    try {
      await inspectRefs(ctx, ['c1', 'c1'], format, get);
    } catch (e) {
      error = e as StatusError;
    }
    return { out: ctx.out.text(), error };
  };
  assert.deepEqual(await exec('{{.HostConfig.RestartPolicy}} {{.HostConfig.Binds}} {{.ID}}'), { out: '{no 0} [] c1\n{no 0} [] c1\n', error: undefined });
  // .Id is no field of the Go struct: the whole template runs on the raw JSON (maps, null is no value).
  assert.equal((await exec('{{.HostConfig.RestartPolicy}} {{.HostConfig.Binds}} {{.Id}}')).out, 'map[MaximumRetryCount:0 Name:no] <no value> c1\n'.repeat(2));
  const missing = await exec('{{.State.NoSuch}}');
  assert.equal(missing.out, '\n');
  assert.equal(missing.error?.status, 1);
  const msg = 'template parsing error: template: :1:8: executing "" at <.State.NoSuch>: map has no entry for key "NoSuch"';
  assert.equal(missing.error?.message, `${msg}\n${msg}`);
});
