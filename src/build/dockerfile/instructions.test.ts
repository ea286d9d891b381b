import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStages } from './instructions.ts';
import { stageDeps } from '../graph.ts';

describe('instructions and stages', () => {
  it('splits meta ARGs and stages, names lower-cased', () => {
    const ast = parseStages('ARG V=1\nFROM busybox:$V AS Build\nRUN x\nFROM --platform=linux/amd64 scratch\nCOPY --from=build /a /b\n');
    assert.equal(ast.metaArgs.length, 1);
    assert.deepEqual(ast.stages.map((s) => [s.name, s.base, s.platform, s.instructions.length]), [['build', 'busybox:$V', '', 1], ['', 'scratch', 'linux/amd64', 1]]);
  });

  it('gives Docker\'s messages for bad Dockerfiles', () => {
    assert.throws(() => parseStages('FROM a\nFOO b\n'), (e: Error) => e.message === 'dockerfile parse error on line 2: unknown instruction: FOO');
    assert.throws(() => parseStages('RUN x\n'), (e: Error) => e.message === 'no build stage in current context');
    assert.throws(() => parseStages('\n# only a comment\n'), /the Dockerfile \(Dockerfile\) cannot be empty/);
    assert.throws(() => parseStages('FROM a b\n'), /FROM requires either one or three arguments/);
    assert.throws(() => parseStages('FROM a AS 1x\n'), /invalid name for build stage: "1x"/);
    assert.throws(() => parseStages('FROM a\nCOPY --bogus=1 x y\n'), /line 2: unknown flag: bogus/);
    assert.throws(() => parseStages('FROM a\nCOPY x\n'), /COPY requires at least two arguments/);
    assert.throws(() => parseStages('FROM a\nENV\n'), /ENV requires at least one argument/);
    assert.throws(() => parseStages('FROM a\nENV a=b c\n'), /Syntax error - can't find = in "c"/);
    assert.throws(() => parseStages('FROM a\nSHELL sh -c\n'), /SHELL requires the arguments to be in JSON form/);
    assert.throws(() => parseStages('FROM a\nONBUILD ONBUILD RUN x\n'), /Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/);
    assert.throws(() => parseStages('FROM a\nHEALTHCHECK FOO\n'), /Unknown type "FOO" in HEALTHCHECK/);
  });

  it('parses ENV and LABEL pairs, including the legacy form', () => {
    const ast = parseStages('FROM a\nENV A=1 B="two words"\nENV C three words\nLABEL "k"="v" x=y\nARG N M=2\n');
    const [env1, env2, label, arg] = ast.stages[0].instructions;
    assert.deepEqual(env1.pairs, [{ key: 'A', value: '1' }, { key: 'B', value: '"two words"' }]);
    assert.deepEqual(env2.pairs, [{ key: 'C', value: 'three words' }]);
    assert.deepEqual(label.pairs, [{ key: '"k"', value: '"v"' }, { key: 'x', value: 'y' }]);
    assert.deepEqual(arg.pairs, [{ key: 'N', value: null }, { key: 'M', value: '2' }]);
  });

  it('finds the stages a target needs', () => {
    const ast = parseStages('FROM a AS one\nFROM a AS two\nFROM one AS three\nRUN --mount=type=bind,from=two,target=/t x\nFROM a AS four\nFROM a\nCOPY --from=three /x /y\n');
    const bases = ast.stages.map((s) => s.base);
    const id = (_s: unknown, v: string): string => v;
    assert.deepEqual([...stageDeps(ast.stages, bases, 4, id)].sort(), [0, 1, 2, 4]);
    assert.deepEqual([...stageDeps(ast.stages, bases, 3, id)].sort(), [3]);
  });
});
