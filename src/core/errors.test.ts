import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError, errorFromData, errorToData, InvalidParameterError } from './errors.ts';

test('errorToData / errorFromData keep the kind (the taxonomy class) and a system code across threads', () => {
  const back = errorFromData(structuredClone(errorToData(new InvalidParameterError('bad layer'))));
  assert.ok(back instanceof InvalidParameterError);
  assert.equal(back.message, 'bad layer');
  const io = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
  const ioBack = errorFromData(structuredClone(errorToData(io))) as NodeJS.ErrnoException;
  assert.ok(!(ioBack instanceof BerthError));
  assert.equal(ioBack.code, 'ENOSPC');
  assert.equal(errorFromData(errorToData('plain')).message, 'plain');
});
