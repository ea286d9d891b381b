import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageConfig } from '../core/images/types.ts';
import { applyChanges } from '../images/changes.ts';
import { EMPTY_LAYER_DIFF_ID, childImageConfig, goContainerConfig, mergeConfig } from './commit.ts';

const containerConfig = {
  Hostname: 'abc123', Domainname: '', User: '', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false,
  OpenStdin: false, StdinOnce: false, Env: ['PATH=/bin'], Cmd: ['sh', '-c', 'echo hi > /hello'], Image: 'busybox',
  Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: { a: '1' }, StopTimeout: 0,
} as Record<string, unknown>;

test('goContainerConfig: Go field order, nulls kept, omitempty fields dropped', () => {
  const out = goContainerConfig({ Labels: {}, ExposedPorts: {}, Extra: 'x', Cmd: ['true'] });
  assert.deepEqual(Object.keys(out), ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty',
    'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels']);
  assert.equal(out.Env, null);
  assert.deepEqual(out.Labels, {});
  assert.equal(goContainerConfig(containerConfig).StopTimeout, 0, 'a StopTimeout that was set is kept');
});

test('changes then merge, as dockerd commits', () => {
  const changed = applyChanges(containerConfig, ['CMD ["cat","/hello"]', 'ENV A=b', 'LABEL b=2', 'EXPOSE 80']);
  const merged = mergeConfig(changed, containerConfig);
  assert.deepEqual(merged.Cmd, ['cat', '/hello']);
  assert.deepEqual(merged.Env, ['PATH=/bin', 'A=b']);
  assert.deepEqual(merged.Labels, { a: '1', b: '2' });
  assert.deepEqual(merged.ExposedPorts, { '80/tcp': {} });
  assert.equal(merged.Hostname, 'abc123');
  // ENTRYPOINT without CMD clears the command; the merge does not bring it back
  const ep = mergeConfig(applyChanges(containerConfig, ['ENTRYPOINT ["cat"]']), containerConfig);
  assert.deepEqual([ep.Entrypoint, ep.Cmd], [['cat'], null]);
  // an empty user config takes the container's values
  const fromEmpty = mergeConfig({ Env: [], Cmd: null, Entrypoint: null }, containerConfig);
  assert.deepEqual([fromEmpty.Env, fromEmpty.Cmd], [['PATH=/bin'], ['sh', '-c', 'echo hi > /hello']]);
});

test('childImageConfig: sorted keys, history appended, empty layers not added', () => {
  const parent: ImageConfig = {
    architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'1'.repeat(64)}`] },
    history: [{ created: '2024-01-01T00:00:00Z', comment: 'Imported from -' }], config: {},
  };
  const diffId = `sha256:${'2'.repeat(64)}`;
  const cfg = childImageConfig(parent, { config: containerConfig, containerConfig, containerId: 'c'.repeat(64), author: 'me', comment: 'msg', diffId, createdBy: 'sh -c echo' });
  assert.deepEqual(Object.keys(cfg), ['architecture', 'author', 'config', 'container', 'container_config', 'created', 'docker_version', 'history', 'os', 'rootfs']);
  assert.deepEqual(cfg.rootfs.diff_ids, [...parent.rootfs.diff_ids, diffId]);
  const h = cfg.history!.at(-1)!;
  assert.deepEqual(Object.keys(h), ['created', 'author', 'created_by', 'comment']);
  assert.match(h.created!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.equal(cfg.created, h.created);
  const empty = childImageConfig(parent, { config: containerConfig, containerConfig, containerId: 'c'.repeat(64), diffId: null, createdBy: '' });
  assert.deepEqual(empty.rootfs.diff_ids, parent.rootfs.diff_ids);
  assert.equal(empty.history!.at(-1)!.empty_layer, true);
  assert.equal('author' in empty, false);
  assert.equal(EMPTY_LAYER_DIFF_ID, 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef');
});
