import assert from 'node:assert/strict';
import { test } from 'node:test';
import { historyRow, pruneFilters, pruneOutput, removalLines, renderHistory, tagQuery, type HistoryItem } from './images-manage.ts';

process.env.TZ = 'UTC';
const NOW = Date.UTC(2024, 4, 15, 12, 0, 0);

test('tag: docker sends the full repository name and the tag (latest by default)', () => {
  assert.deepEqual(tagQuery('busybox', 'myrepo'), { repo: 'docker.io/library/myrepo', tag: 'latest' });
  assert.deepEqual(tagQuery('busybox:1', 'localhost:5000/a/b:v2'), { repo: 'localhost:5000/a/b', tag: 'v2' });
  assert.deepEqual(tagQuery('sha256:' + 'a'.repeat(64), 'x:1'), { repo: 'docker.io/library/x', tag: '1' });
  assert.throws(() => tagQuery('busybox', 'BAD'),
    { message: 'Error parsing reference: "BAD" is not a valid repository/tag: invalid reference format: repository name (library/BAD) must be lowercase' });
  assert.throws(() => tagQuery('busybox', `x@sha256:${'a'.repeat(64)}`), { message: 'refusing to create a tag with a digest reference' });
});

test('rmi lines: Untagged/Deleted in the daemon order', () => {
  assert.equal(removalLines([{ Untagged: 'busybox:latest' }, { Deleted: 'sha256:abc' }]), 'Untagged: busybox:latest\nDeleted: sha256:abc\n');
  assert.equal(removalLines([]), '');
});

const layers: HistoryItem[] = [
  {
    Id: 'sha256:5abb0d85d632f3925fa81ca499242fd88f8d1676fedaaccf5b09204fff2d4481', Created: NOW / 1000 - 3600 * 50,
    CreatedBy: '/bin/sh -c #(nop)\tCMD ["sh"] && echo a very long command line indeed', Tags: ['busybox:latest'], Size: 0, Comment: '',
  },
  { Id: '<missing>', Created: NOW / 1000 - 3600 * 50, CreatedBy: '/bin/sh -c #(nop) ADD file:abc in / ', Size: 4_261_550, Comment: 'imported' },
];

test('history: default table, CREATED BY cut to 45 columns with an ellipsis', () => {
  assert.equal(renderHistory(layers, { format: '', quiet: false, human: true, noTrunc: false, now: NOW }),
    'IMAGE          CREATED      CREATED BY                                      SIZE      COMMENT\n' +
    '5abb0d85d632   2 days ago   /bin/sh -c #(nop) CMD ["sh"] && echo a very …   0B        \n' +
    '<missing>      2 days ago   /bin/sh -c #(nop) ADD file:abc in /             4.26MB    imported\n');
});

test('history -H=false: RFC 3339 dates and byte counts', () => {
  const row = historyRow(layers[1], true, false, NOW);
  assert.equal(row.CreatedSince, '2024-05-13T10:00:00Z');
  assert.equal(row.CreatedAt, '2024-05-13T10:00:00Z');
  assert.equal(row.Size, '4261550');
  const text = renderHistory(layers, { format: '', quiet: false, human: false, noTrunc: true, now: NOW });
  assert.match(text.split('\n')[0], /^IMAGE +CREATED AT +CREATED BY +SIZE +COMMENT$/);
  assert.match(text, /CMD \["sh"\] && echo a very long command line indeed/);
});

test('history -q and --format json', () => {
  assert.equal(renderHistory(layers, { format: '', quiet: true, human: true, noTrunc: false, now: NOW }), '5abb0d85d632\n<missing>\n');
  assert.equal(renderHistory([layers[1]], { format: 'json', quiet: false, human: true, noTrunc: false, now: NOW }),
    '{"Comment":"imported","CreatedAt":"2024-05-13T10:00:00Z","CreatedBy":"/bin/sh -c #(nop) ADD file:abc in / ","CreatedSince":"2 days ago","ID":"\\u003cmissing\\u003e","Size":"4.26MB"}\n');
});

test('prune: dangling=true unless --all, user filters kept', () => {
  assert.deepEqual(JSON.parse(pruneFilters([], false)), { dangling: { true: true } });
  assert.deepEqual(JSON.parse(pruneFilters(['until=24h', 'label=a=b'], true)), { until: { '24h': true }, label: { 'a=b': true }, dangling: { false: true } });
});

test('prune output: deleted list, blank line, reclaimed space', () => {
  assert.equal(pruneOutput({ ImagesDeleted: null, SpaceReclaimed: 0 }), 'Total reclaimed space: 0B\n');
  assert.equal(pruneOutput({ ImagesDeleted: [{ Untagged: 'busybox:latest' }, { Deleted: 'sha256:abc' }], SpaceReclaimed: 1_982_411 }),
    'Deleted Images:\nuntagged: busybox:latest\ndeleted: sha256:abc\n\nTotal reclaimed space: 1.982MB\n');
});
