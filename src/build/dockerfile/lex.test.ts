import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandKeepQuotes, processWord, processWords, splitWords } from './lex.ts';

const env = new Map([['A', 'a'], ['EMPTY', ''], ['P', '/usr/local/bin'], ['F', 'file.tar.gz']]);

describe('variable substitution', () => {
  it('expands $V and ${V}, unset as empty', () => {
    assert.equal(processWord('$A-${A}x$NOPE', env), 'a-ax');
    assert.equal(processWord('$', env), '$');
    assert.equal(processWord('a$1b', env), 'ab');
  });

  it('supports the :- - :+ + :? ? modifiers', () => {
    assert.equal(processWord('${EMPTY:-d}|${EMPTY-d}|${NOPE-d}', env), 'd||d');
    assert.equal(processWord('${A:+yes}|${EMPTY:+yes}|${EMPTY+set}|${NOPE+set}', env), 'yes||set|');
    assert.throws(() => processWord('${NOPE:?must be set}', env), /NOPE: must be set/);
    assert.equal(processWord('${A:?x}', env), 'a');
    assert.equal(processWord('${A:-$P}', env), 'a');
    assert.equal(processWord('${NOPE:-$P}', env), '/usr/local/bin');
  });

  it('supports prefix and suffix removal', () => {
    assert.equal(processWord('${F%.*}', env), 'file.tar');
    assert.equal(processWord('${F%%.*}', env), 'file');
    assert.equal(processWord('${F#*.}', env), 'tar.gz');
    assert.equal(processWord('${F##*.}', env), 'gz');
  });

  it('keeps single quotes literal, expands in double quotes, honours escapes', () => {
    assert.equal(processWord(`'$A'"$A"\\$A`, env), '$Aa$A');
    assert.equal(processWord('"a \\"q\\" b"', env), 'a "q" b');
    assert.equal(processWord('`$A', env, '`'), '$A');
    assert.throws(() => processWord('"open', env), /unexpected end of statement while looking for matching double-quote/);
  });

  it('splits words on unquoted whitespace only', () => {
    assert.deepEqual(splitWords('a "b c" d\\ e \'f g\''), ['a', '"b c"', 'd\\ e', "'f g'"]);
    assert.deepEqual(processWords('$A "$A b" ${EMPTY} ""', env), ['a', 'a b', '']);
  });

  it('keeps quotes when asked (heredoc bodies)', () => {
    assert.equal(expandKeepQuotes('echo "$A" \'$A\'', env), 'echo "a" \'$A\'');
  });
});
