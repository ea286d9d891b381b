import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { rotateLog } from './log-rotate.ts';

test('rotateLog shifts files, drops the oldest, reopens and compresses', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-rot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'c-json.log');
  let reopened = 0;
  const reopen = async (): Promise<void> => { reopened++; writeFileSync(log, ''); };
  for (const gen of ['a', 'b', 'c', 'd']) {
    writeFileSync(log, `${gen}\n`);
    await rotateLog(log, { maxSize: 1, maxFiles: 3, compress: true }, reopen);
  }
  assert.equal(reopened, 4);
  assert.deepEqual(readdirSync(dir).sort(), ['c-json.log', 'c-json.log.1.gz', 'c-json.log.2.gz']);
  assert.equal(gunzipSync(readFileSync(`${log}.1.gz`)).toString(), 'd\n');
  assert.equal(gunzipSync(readFileSync(`${log}.2.gz`)).toString(), 'c\n');
});

test('rotateLog with one file truncates in place', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-rot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'c-json.log');
  writeFileSync(log, 'x'.repeat(100));
  await rotateLog(log, { maxSize: 10, maxFiles: 1, compress: false }, async () => assert.fail('no reopen for one file'));
  assert.equal(readFileSync(log, 'utf8'), '');
  assert.deepEqual(readdirSync(dir), ['c-json.log']);
});
