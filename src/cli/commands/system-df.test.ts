import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCacheRow, containerRow, renderDiskUsage, summaryRows, type DiskUsage } from './system-df.ts';

process.env.TZ = 'UTC';
const NOW = Date.UTC(2024, 4, 15, 12, 0, 0);
const T = NOW / 1000 - 30;

const du: DiskUsage = {
  LayersSize: 1_982_411,
  Images: [{ Containers: 0, Created: T, Id: 'sha256:5abb0d85d632f3925fa81ca499242fd88f8d1676fedaaccf5b09204fff2d4481', Labels: {}, ParentId: '', RepoDigests: [], RepoTags: ['busybox:latest', 'x:1'], SharedSize: 0, Size: 1_982_411 }],
  Containers: [], Volumes: [], BuildCache: [],
};

test('summary table as docker prints it', () => {
  assert.equal(renderDiskUsage(du, 'table', false, NOW),
    'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n' +
    'Images          1         0         1.982MB   1.982MB (100%)\n' +
    'Containers      0         0         0B        0B\n' +
    'Local Volumes   0         0         0B        0B\n' +
    'Build Cache     0         0         0B        0B\n');
});

test('summary counts: active containers, volumes in use, shared build cache', () => {
  const rows = summaryRows({
    LayersSize: 1000,
    Images: [{ Id: 'a', Created: T, Size: 600, SharedSize: 100, Containers: 1 }, { Id: 'b', Created: T, Size: 400, SharedSize: 0, Containers: 0 }],
    Containers: [{ State: 'running', SizeRw: 300 }, { State: 'exited', SizeRw: 100 }],
    Volumes: [{ UsageData: { Size: 50, RefCount: 1 } }, { UsageData: { Size: 150, RefCount: 0 } }, { UsageData: { Size: -1, RefCount: 0 } }],
    BuildCache: [{ Size: 10, InUse: true, Shared: false }, { Size: 20, InUse: false, Shared: false }, { Size: 40, InUse: false, Shared: true }],
  });
  assert.deepEqual(rows.map((r) => [r.Type, r.TotalCount, r.Active, r.Size, r.Reclaimable]), [
    ['Images', '2', '1', '1kB', '500B (50%)'],
    ['Containers', '2', '1', '400B', '100B (25%)'],
    ['Local Volumes', '3', '1', '200B', '150B (75%)'],
    ['Build Cache', '3', '1', '30B', '20B'],
  ]);
});

test('-v: the four sections with their headers', () => {
  assert.equal(renderDiskUsage(du, 'table', true, NOW),
    'Images space usage:\n\n' +
    'REPOSITORY   TAG       IMAGE ID       CREATED          SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS\n' +
    'busybox      latest    5abb0d85d632   30 seconds ago   1.98MB    0B            1.982MB       0\n' +
    '\nContainers space usage:\n\n' +
    'CONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n' +
    '\nLocal Volumes space usage:\n\n' +
    'VOLUME NAME   LINKS     SIZE\n' +
    '\nBuild cache usage: 0B\n\n' +
    'CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n');
});

test('--format json for the summary and -v with a template', () => {
  assert.equal(renderDiskUsage(du, 'json', false, NOW).split('\n')[0], '{"Active":"0","Reclaimable":"1.982MB (100%)","Size":"1.982MB","TotalCount":"1","Type":"Images"}');
  assert.equal(renderDiskUsage(du, '{{range .Images}}{{.Repository}} {{.ID}}{{end}}', true, NOW), 'busybox sha256:5abb0d85d632f3925fa81ca499242fd88f8d1676fedaaccf5b09204fff2d4481');
});

test('container and build-cache rows', () => {
  const c = containerRow({
    Id: 'f'.repeat(64), Names: ['/web', '/other/link'], Image: 'docker.io/library/nginx:latest', ImageID: 'sha256:' + 'e'.repeat(64),
    Command: 'nginx -g daemon off; with a long tail', Created: T, State: 'running', Status: 'Up 2 minutes', SizeRw: 1234,
    Mounts: [{ Driver: 'local' }, { Type: 'bind' }],
  }, true, NOW);
  assert.deepEqual([c.ID, c.Image, c.Command, c.LocalVolumes, c.Size, c.RunningFor, c.Names],
    ['ffffffffffff', 'nginx:latest', '"nginx -g daemon off…"', '1', '1.23kB', '30 seconds ago', 'web']);
  const b = buildCacheRow({ ID: 'abcdef0123456789xyz', Type: 'regular', Size: 2048, InUse: true, Shared: false, UsageCount: 3, CreatedAt: new Date(NOW - 120_000).toISOString() }, true, NOW);
  assert.deepEqual([b.ID, b.CacheType, b.Size, b.CreatedSince, b.LastUsedSince, b.UsageCount, b.Shared], ['abcdef012345*', 'regular', '2.05kB', '2 minutes ago', '', '3', 'false']);
});
