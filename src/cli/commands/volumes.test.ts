import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { naturalLess } from './shared.ts';
import { pruneOutput, renderVolumes, type Volume } from './volumes.ts';

const vols: Volume[] = [
  { Name: 'vol10', Driver: 'local', Scope: 'local', Mountpoint: '/r/volumes/vol10/_data', Labels: { b: '2', a: '1' } },
  { Name: 'vol2', Driver: 'local', Scope: 'local', Mountpoint: '/r/volumes/vol2/_data', Labels: null },
];

describe('volume ls output', () => {
  it('sorts names naturally', () => {
    assert.ok(naturalLess('vol2', 'vol10'));
    assert.ok(!naturalLess('vol10', 'vol2'));
    assert.ok(naturalLess('a', 'b'));
    assert.ok(naturalLess('x1', 'x01') || naturalLess('x01', 'x1'));
  });

  it('prints the DRIVER / VOLUME NAME table, -q and templates', () => {
    assert.equal(renderVolumes(vols, 'table', false), 'DRIVER    VOLUME NAME\nlocal     vol2\nlocal     vol10\n');
    assert.equal(renderVolumes(vols, 'table', true), 'vol2\nvol10\n');
    assert.equal(renderVolumes(vols, '{{.Name}} {{.Labels}} {{.Label "b"}} {{.Size}} {{.Links}}', false), 'vol2   N/A N/A\nvol10 a=1,b=2 2 N/A N/A\n');
    assert.equal(renderVolumes(vols, 'table {{.Name}}\t{{.Mountpoint}}', false),
      'VOLUME NAME   MOUNTPOINT\nvol2          /r/volumes/vol2/_data\nvol10         /r/volumes/vol10/_data\n');
    assert.equal(renderVolumes([vols[1]], '{{json .}}', false),
      '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"","Links":"N/A","Mountpoint":"/r/volumes/vol2/_data","Name":"vol2","Scope":"local","Size":"N/A","Status":"N/A"}\n');
  });

  it('reports prune results like docker', () => {
    assert.equal(pruneOutput({ VolumesDeleted: ['a', 'b'], SpaceReclaimed: 2048 }), 'Deleted Volumes:\na\nb\n\nTotal reclaimed space: 2.048kB\n');
    assert.equal(pruneOutput({ VolumesDeleted: null, SpaceReclaimed: 0 }), 'Total reclaimed space: 0B\n');
  });
});
