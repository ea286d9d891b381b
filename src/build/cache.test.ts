import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BuildCache, cacheKey } from './cache.ts';
import { stepKey } from './step.ts';
import type { StageState } from './state.ts';

function stage(imageId: string, env: string[]): StageState {
  return {
    name: '', index: 0, image: { id: imageId } as StageState['image'], config: { Env: env }, args: new Map(), cmdSet: false, maintainer: '',
    platform: { os: 'linux', architecture: 'amd64' },
  };
}

describe('build cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cache-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keys a step by parent, run config (command, environment) and extras', () => {
    const s = stage('sha256:1', ['A=1']);
    const k = stepKey(s, { Cmd: ['/bin/sh', '-c', 'echo'], Env: ['A=1'] });
    assert.equal(k, stepKey(stage('sha256:1', ['A=1']), { Cmd: ['/bin/sh', '-c', 'echo'], Env: ['A=1'] }));
    assert.notEqual(k, stepKey(stage('sha256:2', ['A=1']), { Cmd: ['/bin/sh', '-c', 'echo'], Env: ['A=1'] }));
    assert.notEqual(k, stepKey(s, { Cmd: ['/bin/sh', '-c', 'echo'], Env: ['A=2'] }));
    assert.notEqual(k, stepKey(s, { Cmd: ['|1', 'V=1', '/bin/sh', '-c', 'echo'], Env: ['A=1'] }));
    assert.notEqual(k, stepKey(s, { Cmd: ['/bin/sh', '-c', 'echo'], Env: ['A=1'] }, { chown: '1' }));
    assert.match(cacheKey({ a: 1 }), /^[a-f0-9]{64}$/);
  });

  it('stores entries as files that a new instance reads back', async () => {
    const c = new BuildCache(dir);
    await c.init();
    await c.put({ key: 'k1', imageId: 'sha256:x', created: 1, lastUsed: 1, description: 'RUN x' });
    const again = new BuildCache(dir);
    assert.equal((await again.get('k1'))?.imageId, 'sha256:x');
    assert.equal(await again.get('nope'), null);
    assert.equal((await again.all()).length, 1);
    await again.remove('k1');
    assert.equal(await c.get('k1'), null);
  });
});
