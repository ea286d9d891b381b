import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detachKeyBytes } from './detach-keys.ts';

test('detach keys: ctrl- letters and symbols, single characters, DEL', () => {
  assert.deepEqual([...detachKeyBytes('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...detachKeyBytes('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')], [0, 27, 28, 29, 30, 31]);
  assert.deepEqual([...detachKeyBytes('a,Z')], [97, 90]);
  assert.throws(() => detachKeyBytes('a,'), { message: "Unknown character: ''" });
  assert.deepEqual([...detachKeyBytes('DEL')], [127]);
});

test('detach keys: moby/term\'s words for unknown ones', () => {
  assert.throws(() => detachKeyBytes('bogus'), { message: "Unknown character: 'bogus'" });
  assert.throws(() => detachKeyBytes('ctrl-P'), { message: "Unknown character: 'ctrl-P'" });
  assert.throws(() => detachKeyBytes('ctrl-p,del'), { message: "Unknown character: 'del'" });
});
