import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { PlainProgress, TtyProgress } from './build-progress.ts';

function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let s = '';
  out.on('data', (c) => { s += c; });
  return { out, text: () => s };
}

const STREAM = 'Step 1/3 : FROM busybox\n ---> abcdefabcdef\nStep 2/3 : RUN echo hi\n ---> Running in 0123456789ab\nhi\n'
  + ' ---> Removed intermediate container 0123456789ab\n ---> 111111111111\nStep 3/3 : ENV A=1\n ---> Using cache\n ---> 222222222222\n'
  + 'Successfully built 222222222222\nSuccessfully tagged x:1\n';

test('plain progress writes the classic stream as it comes', () => {
  const s = sink();
  const p = new PlainProgress(s.out);
  p.text(STREAM.slice(0, 10));
  p.text(STREAM.slice(10));
  p.done();
  assert.equal(s.text(), STREAM);
});

test('tty progress draws one line a step with times, CACHED marks and the final lines', () => {
  const s = sink();
  const p = new TtyProgress(s.out, 60);
  for (const ch of STREAM.match(/[^]{1,7}/g)!) p.text(ch);
  p.done(false);
  const last = s.text().split('\x1b[2K').slice(-4).join('');
  assert.match(s.text(), /\[\+\] Building \d+\.\ds \(3\/3\) FINISHED\n/);
  assert.match(last, / => \[2\/3\] RUN echo hi +\d+\.\ds\n/);
  assert.match(last, / => CACHED \[3\/3\] ENV A=1 +\d+\.\ds\n/);
  assert.match(s.text(), /Successfully built 222222222222\nSuccessfully tagged x:1\n$/);
  assert.ok(s.text().split('\n').every((l) => l.replace(/\x1b\[\d*[A-Z]/g, '').length <= 60));
});

test('tty progress keeps the output of a failed step', () => {
  const s = sink();
  const p = new TtyProgress(s.out, 80);
  p.text('Step 1/2 : FROM busybox\n ---> abcdefabcdef\nStep 2/2 : RUN false\n ---> Running in 0123456789ab\nsomething broke\n');
  p.done(true);
  assert.match(s.text(), /FINISHED WITH ERROR/);
  assert.match(s.text(), / => => # something broke\n$/);
});
