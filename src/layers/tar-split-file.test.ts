import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readTarSplit, TarSplitWriter, type SplitRecord } from './tar-split-file.ts';
import { tempDir } from './test-helpers.ts';

async function readAll(file: string): Promise<SplitRecord[]> {
  const out: SplitRecord[] = [];
  for await (const r of readTarSplit(file)) out.push('raw' in r ? { raw: Buffer.from(r.raw) } : r);
  return out;
}

/** Merge consecutive raw records (the writer coalesces, the reader splits by chunk). */
function normalize(recs: SplitRecord[]): (string | { path: string; size: number })[] {
  const out: (string | { path: string; size: number })[] = [];
  for (const r of recs) {
    if ('raw' in r) {
      const last = out.at(-1);
      if (typeof last === 'string') out[out.length - 1] = last + r.raw.toString('hex');
      else out.push(r.raw.toString('hex'));
    } else {
      out.push({ path: r.path.toString('latin1'), size: r.size });
    }
  }
  return out;
}

test('tar-split file: records survive a write/read round trip, large sizes and raw runs included', async (t) => {
  const file = join(tempDir(t), 'tar-split');
  const w = new TarSplitWriter(file);
  const expect: SplitRecord[] = [];
  const add = (r: SplitRecord) => {
    expect.push(r);
    if ('raw' in r) w.raw(r.raw);
    else w.file(r.path, r.size);
  };
  add({ raw: Buffer.alloc(512, 1) });
  add({ path: Buffer.from('a/b'), size: 1 });
  add({ raw: Buffer.alloc(100, 2) });
  for (let i = 0; i < 300; i++) add({ raw: Buffer.alloc(512, i & 0xff) }); // > 64 KiB of raw in a row
  add({ path: Buffer.from([0x61, 0xff, 0x0a, 0x27]), size: 2 ** 40 + 3 });
  add({ path: Buffer.from('x'.repeat(5000)), size: Number.MAX_SAFE_INTEGER });
  add({ raw: Buffer.from('tail') });
  await w.drain();
  await w.finish();
  assert.deepEqual(normalize(await readAll(file)), normalize(expect));
});

test('tar-split file: an empty split and damaged files', async (t) => {
  const dir = tempDir(t);
  const empty = join(dir, 'empty');
  const w = new TarSplitWriter(empty);
  await w.finish();
  assert.deepEqual(await readAll(empty), []);

  const whole = readFileSync(empty);
  writeFileSync(join(dir, 'cut'), whole.subarray(0, whole.length - 6));
  await assert.rejects(readAll(join(dir, 'cut')));
  writeFileSync(join(dir, 'noend'), gzipSync(Buffer.from('BTS1\x01\x02ab')));
  await assert.rejects(readAll(join(dir, 'noend')), /corrupt/);
  writeFileSync(join(dir, 'badtag'), gzipSync(Buffer.from('BTS1\x07')));
  await assert.rejects(readAll(join(dir, 'badtag')), /corrupt/);
  writeFileSync(join(dir, 'magic'), gzipSync(Buffer.from('XXXX\x00')));
  await assert.rejects(readAll(join(dir, 'magic')), /corrupt/);
  await assert.rejects(readAll(join(dir, 'missing')), /ENOENT/);
});
