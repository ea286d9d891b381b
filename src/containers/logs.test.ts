import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogLine, LogOptions } from '../core/containers/types.ts';
import { timeNs } from '../core/time.ts';
import { readLog } from './logs.ts';

const T1 = '2026-01-02T03:04:05.123456789Z';
const T2 = '2026-01-02T03:04:06.123456789Z';
const T3 = '2026-01-02T03:04:07.123456789Z';
const record = (t: string, msg: string): string => `${t} stdout F ${msg}\n`;
const opts = (o: Partial<LogOptions>): LogOptions => ({ stdout: true, stderr: true, follow: false, tail: 'all', timestamps: false, ...o });

async function withLog(t: { after(fn: () => Promise<void>): void }, body: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'ctr.log');
  await writeFile(path, body);
  return path;
}

async function read(path: string, o: LogOptions, done = () => true): Promise<string[]> {
  const got: LogLine[] = [];
  await readLog(path, o, (l) => got.push(l), done, new AbortController().signal);
  return got.map((l) => l.data.toString().trim());
}

test('readLog: since and until are to the nanosecond and both ends are included (dockerd)', async (t) => {
  const path = await withLog(t, record(T1, 'one') + record(T2, 'two') + record(T3, 'three'));
  assert.deepEqual(await read(path, opts({ since: timeNs(T2)! })), ['two', 'three']);
  assert.deepEqual(await read(path, opts({ since: timeNs(T2)! + 1n })), ['three']);
  assert.deepEqual(await read(path, opts({ until: timeNs(T2)! })), ['one', 'two']);
  assert.deepEqual(await read(path, opts({ since: timeNs(T2)!, until: timeNs(T2)! })), ['two']);
});

test('readLog: a follow ends at the first line written after until, the container still running', async (t) => {
  const path = await withLog(t, record(T1, 'one'));
  const following = read(path, opts({ follow: true, until: timeNs(T2)! }), () => false);
  await new Promise((r) => setTimeout(r, 150));
  await appendFile(path, record(T2, 'two') + record(T3, 'three'));
  const got = await Promise.race([following, new Promise<string>((r) => setTimeout(() => r('still following'), 3000))]);
  assert.deepEqual(got, ['one', 'two']);
  // a line after until already in the file: no follow at all
  assert.deepEqual(await read(path, opts({ follow: true, until: timeNs(T1)! }), () => false), ['one']);
});
