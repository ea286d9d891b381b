import assert from 'node:assert/strict';
import { test } from 'node:test';
import { legacySummary } from './images.ts';

const s = (RepoTags: string[], RepoDigests: string[]): Record<string, unknown> => ({ Id: 'sha256:x', RepoTags, RepoDigests, Size: 5 });

test('legacySummary: before 1.43 <none> placeholders or null for the missing kind; VirtualSize before 1.44', () => {
  const old = { none: true, virtualSize: true };
  assert.deepEqual(legacySummary(s([], []), old), { Id: 'sha256:x', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Size: 5, VirtualSize: 5 });
  assert.deepEqual(legacySummary(s(['a:1'], []), old), { Id: 'sha256:x', RepoTags: ['a:1'], RepoDigests: null, Size: 5, VirtualSize: 5 });
  assert.deepEqual(legacySummary(s([], ['a@sha256:y']), old), { Id: 'sha256:x', RepoTags: null, RepoDigests: ['a@sha256:y'], Size: 5, VirtualSize: 5 });
  assert.deepEqual(legacySummary(s([], []), { none: false, virtualSize: true }), { Id: 'sha256:x', RepoTags: [], RepoDigests: [], Size: 5, VirtualSize: 5 });
});
