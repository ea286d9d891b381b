import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputSequencer, type SeqMessage } from './sequencer.ts';

describe('stage output sequencer', () => {
  it('holds a later stage\'s output until the earlier ones finished', () => {
    const out: string[] = [];
    const seq = new OutputSequencer(3, (m: SeqMessage) => out.push('stream' in m ? m.stream : `aux:${String(m.aux.ID)}`));
    seq.write(1, { stream: 'b1' });
    seq.write(0, { stream: 'a1' });
    seq.write(2, { stream: 'c1' });
    seq.write(1, { aux: { ID: 'B' } });
    seq.finish(1);
    assert.deepEqual(out, ['a1']);
    seq.write(0, { stream: 'a2' });
    seq.finish(0);
    assert.deepEqual(out, ['a1', 'a2', 'b1', 'aux:B', 'c1']);
    seq.write(2, { stream: 'c2' });
    assert.deepEqual(out.at(-1), 'c2', 'the head stage writes live');
  });

  it('flushes everything held after a failure', () => {
    const out: string[] = [];
    const seq = new OutputSequencer(2, (m) => out.push('stream' in m ? m.stream : ''));
    seq.write(1, { stream: 'x' });
    seq.flushAll();
    assert.deepEqual(out, ['x']);
  });
});
