import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerignoreMatcher, readDockerignore } from './dockerignore.ts';

describe('.dockerignore', () => {
  it('reads patterns: comments, blanks, cleaning, leading slash, exceptions', () => {
    assert.deepEqual(readDockerignore('# c\n\n /a/b/ \n!x\n./c/../d\n! e'), ['a/b', '!x', 'd', '!e']);
  });

  it('matches a directory and everything below it', () => {
    const m = dockerignoreMatcher('node_modules\n');
    assert.equal(m('node_modules'), true);
    assert.equal(m('node_modules/a/b.js'), true);
    assert.equal(m('src/node_modules'), false);
  });

  it('supports * ? and ** as Docker does', () => {
    const m = dockerignoreMatcher('*.log\n**/*.tmp\ndocs/**\nf?o\n');
    assert.equal(m('a.log'), true);
    assert.equal(m('sub/a.log'), false, '* stays in one path element');
    assert.equal(m('x.tmp'), true);
    assert.equal(m('a/b/c.tmp'), true);
    assert.equal(m('docs'), false);
    assert.equal(m('docs/x/y'), true);
    assert.equal(m('foo'), true);
    assert.equal(m('fooo'), false);
  });

  it('lets the last matching pattern win, with ! exceptions', () => {
    const m = dockerignoreMatcher('*.md\n!README.md\nREADME*.md\n');
    assert.equal(m('a.md'), true);
    assert.equal(m('README.md'), true);
    const n = dockerignoreMatcher('dist\n!dist/keep\n');
    assert.equal(n('dist/x'), true);
    assert.equal(n('dist/keep'), false);
    assert.equal(n('dist/keep/inner'), false);
  });

  it('treats character classes and escapes', () => {
    const m = dockerignoreMatcher('[ab].txt\n\\*x\n');
    assert.equal(m('a.txt'), true);
    assert.equal(m('c.txt'), false);
    assert.equal(m('*x'), true);
    assert.equal(m('yx'), false);
  });
});
