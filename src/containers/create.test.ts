import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeEnv } from './create.ts';

test('env: KEY=VALUE replaces or appends, a bare KEY removes (moby\'s ReplaceOrAppendEnvValues)', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1', 'B=2'], ['A=9', 'C=3', 'B', 'NOPE']), ['PATH=/bin', 'A=9', 'C=3']);
  assert.deepEqual(mergeEnv(null, ['X=']), ['X=']);
  assert.deepEqual(mergeEnv(['X=1'], undefined), ['X=1']);
});
