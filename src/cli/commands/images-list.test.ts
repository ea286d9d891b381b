import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageFormat, imageRows, isDangling, renderImages, type ImageSummary } from './images-list.ts';

process.env.TZ = 'UTC';

const NOW = Date.UTC(2024, 4, 15, 12, 0, 0);
const created = NOW / 1000 - 14 * 24 * 3600; // two weeks before NOW
const ID = 'sha256:5abb0d85d632f3925fa81ca499242fd88f8d1676fedaaccf5b09204fff2d4481';

const busybox: ImageSummary = {
  Id: ID, ParentId: '', RepoTags: ['busybox:latest', 'localhost:5000/foo/bar:v1'], RepoDigests: [], Created: created,
  Size: 4_261_550, SharedSize: -1, Labels: {}, Containers: -1,
};
const dangling: ImageSummary = {
  Id: 'sha256:58d6bbca6f7ead5cde12228eae0899dc4bd48b379d73587829660a2f333defa5', RepoTags: [], RepoDigests: [],
  Created: NOW / 1000 - 30, Size: 1_982_411, SharedSize: 0, Containers: 2,
};
const digested: ImageSummary = {
  Id: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
  RepoTags: ['alpine:3.19'],
  RepoDigests: ['alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'reg.io/a@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
  Created: created, Size: 7_000_000,
};

const opts = { format: 'table', quiet: false, digests: false, noTrunc: false, now: NOW };

test('default table: one row per repository:tag, docker column layout', () => {
  assert.equal(renderImages([busybox, dangling], opts),
    'REPOSITORY               TAG       IMAGE ID       CREATED          SIZE\n' +
    'busybox                  latest    5abb0d85d632   2 weeks ago      4.26MB\n' +
    'localhost:5000/foo/bar   v1        5abb0d85d632   2 weeks ago      4.26MB\n' +
    '<none>                   <none>    58d6bbca6f7e   30 seconds ago   1.98MB\n');
});

test('an empty list still prints the header', () => {
  assert.equal(renderImages([], opts), 'REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n');
});

test('-q prints the (truncated) ID of every row; --no-trunc keeps sha256:', () => {
  assert.equal(renderImages([busybox], { ...opts, quiet: true }), '5abb0d85d632\n5abb0d85d632\n');
  assert.equal(renderImages([busybox], { ...opts, quiet: true, noTrunc: true }), `${ID}\n${ID}\n`);
});

test('--digests adds a DIGEST column and a row per digest-only repository', () => {
  const text = renderImages([digested], { ...opts, digests: true });
  assert.equal(text,
    'REPOSITORY   TAG       DIGEST                                                                    IMAGE ID       CREATED       SIZE\n' +
    'alpine       3.19      sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa   111111111111   2 weeks ago   7MB\n' +
    'reg.io/a     <none>    sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb   111111111111   2 weeks ago   7MB\n');
});

test('without --digests a digest-only repository shows one <none> row', () => {
  const rows = imageRows([digested], { trunc: true, digests: false, needDigest: false, now: NOW });
  assert.deepEqual(rows.map((r) => `${r.Repository}:${r.Tag}:${r.Digest}`), ['alpine:3.19:<none>', 'reg.io/a:<none>:']);
});

test('--format json: every field as a string, sorted keys, HTML-escaped like json.Marshal', () => {
  const line = renderImages([dangling], { ...opts, format: 'json' });
  assert.equal(line,
    '{"Containers":"2","CreatedAt":"2024-05-15 11:59:30 +0000 UTC","CreatedSince":"30 seconds ago","Digest":"\\u003cnone\\u003e",' +
    '"ID":"58d6bbca6f7e","Repository":"\\u003cnone\\u003e","SharedSize":"0B","Size":"1.98MB","Tag":"\\u003cnone\\u003e",' +
    '"UniqueSize":"1.982MB","VirtualSize":"1.982MB"}\n');
  assert.match(renderImages([busybox], { ...opts, format: 'json' }), /"Containers":"N\/A",.*"SharedSize":"N\/A",.*"UniqueSize":"N\/A"/);
});

test('custom templates: plain and table; --digests appends a Digest column to a custom table', () => {
  assert.equal(renderImages([busybox], { ...opts, format: '{{.Repository}}:{{.Tag}}' }), 'busybox:latest\nlocalhost:5000/foo/bar:v1\n');
  assert.equal(imageFormat('table {{.ID}}', false, true), 'table {{.ID}}\t{{.Digest}}');
  assert.equal(imageFormat('table {{.ID}}', true, false), 'table {{.ID}}');
  assert.equal(renderImages([dangling], { ...opts, format: 'table {{.ID}}\t{{.Size}}' }), 'IMAGE ID       SIZE\n58d6bbca6f7e   1.98MB\n');
});

test('dangling detection includes the legacy <none> forms', () => {
  assert.equal(isDangling({ ...busybox, RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] }), true);
  assert.equal(isDangling({ ...busybox, RepoTags: null, RepoDigests: null }), true);
  assert.equal(isDangling(busybox), false);
});
