/** `registry serve` as a program: YAML config + flags, the background collector, clean stop; config errors exit 1. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { garbageCollect, serve } from './main.ts';
import { http, pushBlob, rand } from './testutil.ts';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => { text += c.toString(); });
  return { stream, text: () => text };
}

describe('registry program', () => {
  it('reads config.yml, lets flags win, runs the background collector and stops on abort', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-registry-main-'));
    const out = sink();
    const err = sink();
    const ac = new AbortController();
    try {
      writeFileSync(join(dir, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:1\ngc:\n  interval: 100ms\n  grace: 0s\n`);
      const done = serve({ configFile: join(dir, 'config.yml'), flags: { addr: '127.0.0.1:0' }, stdout: out.stream, stderr: err.stream, signal: ac.signal });
      let host = '';
      for (let i = 0; i < 100 && !host; i++) {
        host = /listening on (127\.0\.0\.1:\d+)/.exec(err.text())?.[1] ?? '';
        if (!host) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(host, err.text());
      assert.match(err.text(), new RegExp(`storage ${dir}/data`));
      const url = `http://${host}`;
      const d = await pushBlob(url, 'main/a', rand(100));
      let gone = false;
      for (let i = 0; i < 100 && !gone; i++) {
        gone = (await http(url, 'HEAD', `/v2/main/a/blobs/${d}`)).status === 404;
        if (!gone) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(gone, 'the background collector removed the unreferenced blob');
      // its report follows the removal
      for (let i = 0; i < 100 && !/gc: 1 blobs/.test(err.text()); i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(err.text(), /gc: 1 blobs/);
      assert.match(out.text(), /"method":"HEAD"/);
      ac.abort();
      assert.equal(await done, 0);
    } finally {
      ac.abort();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with a message for a missing or broken config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-registry-main-'));
    try {
      const err = sink();
      assert.equal(await serve({ configFile: join(dir, 'nope.yml'), flags: {}, stdout: sink().stream, stderr: err.stream }), 1);
      assert.match(err.text(), /configuration error: open .*nope\.yml: no such file or directory/);
      writeFileSync(join(dir, 'bad.yml'), 'http: [unclosed\n');
      const err2 = sink();
      assert.equal(await garbageCollect({ configFile: join(dir, 'bad.yml'), flags: {}, stdout: sink().stream, stderr: err2.stream }), 1);
      assert.match(err2.text(), /configuration error/);
      const err3 = sink();
      assert.equal(await serve({ flags: { htpasswd: join(dir, 'missing') , root: dir }, stdout: sink().stream, stderr: err3.stream }), 1);
      assert.match(err3.text(), /ENOENT|no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
