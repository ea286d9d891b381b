import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDockerfile, parseJsonArray } from './parser.ts';

describe('Dockerfile parser', () => {
  it('reads directives only at the top and honours the escape token', () => {
    const p = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN echo a `\n  b\n# escape=\\\n');
    assert.deepEqual(p.directives, { syntax: 'docker/dockerfile:1', escape: '`' });
    assert.equal(p.escape, '`');
    assert.equal(p.nodes.length, 2);
    assert.equal(p.nodes[1].rest, 'echo a   b');
    assert.equal(p.nodes[1].line, 4);
  });

  it('stops reading directives at the first other line', () => {
    const p = parseDockerfile('FROM x\n# escape=`\nRUN a \\\n b\n');
    assert.deepEqual(p.directives, {});
    assert.equal(p.nodes[1].rest, 'a  b');
  });

  it('refuses a bad or repeated escape directive', () => {
    assert.throws(() => parseDockerfile('# escape=x\nFROM a'), /invalid escape token 'x' does not match ` or \\/);
    assert.throws(() => parseDockerfile('# escape=`\n# escape=`\nFROM a'), /only one escape parser directive can be used/);
  });

  it('joins continuations, skipping comments and empty lines inside them', () => {
    const p = parseDockerfile('RUN apt-get update && \\\n# a comment\n\n    apt-get install -y curl\nCMD x');
    assert.equal(p.nodes[0].rest, 'apt-get update &&     apt-get install -y curl');
    assert.equal(p.nodes[0].original, 'RUN apt-get update &&     apt-get install -y curl');
    assert.equal(p.nodes[1].cmd, 'cmd');
    assert.equal(p.nodes[1].line, 5);
  });

  it('takes flags before the arguments and JSON exec forms', () => {
    const p = parseDockerfile('COPY --from=build --chown=1:2 a b /c/\nRUN ["echo", "hi there"]\nRUN [not json\nCMD ["a", 1]');
    assert.deepEqual(p.nodes[0].flags, ['--from=build', '--chown=1:2']);
    assert.equal(p.nodes[0].rest, 'a b /c/');
    assert.deepEqual(p.nodes[1].json, ['echo', 'hi there']);
    assert.equal(p.nodes[2].json, null);
    assert.equal(p.nodes[3].json, null, 'arrays of non-strings are shell form');
  });

  it('reads heredocs for RUN and COPY, quoted terminators and <<- tab stripping', () => {
    const p = parseDockerfile('RUN <<EOF\necho a\necho b\nEOF\nCOPY <<"A" <<-B /dst/\n$x\nA\n\tb1\n\tB\nRUN cat <<EOT > f\nEOT\n');
    assert.equal(p.nodes[0].heredocs[0].content, 'echo a\necho b\n');
    assert.equal(p.nodes[0].heredocs[0].expand, true);
    assert.equal(p.nodes[1].heredocs.length, 2);
    assert.deepEqual(p.nodes[1].heredocs.map((h) => [h.name, h.content, h.expand, h.chomp]), [['A', '$x\n', false, false], ['B', 'b1\n', true, true]]);
    assert.equal(p.nodes[2].heredocs[0].content, '');
    assert.equal(p.nodes.length, 3);
  });

  it('fails on an unterminated heredoc', () => {
    assert.throws(() => parseDockerfile('RUN <<EOF\necho\n'), /dockerfile parse error on line 1: unterminated heredoc EOF/);
  });

  it('keeps CRLF files and a BOM readable', () => {
    const p = parseDockerfile('\uFEFFFROM a\r\nRUN b \\\r\n c\r\n');
    assert.equal(p.nodes[0].rest, 'a');
    assert.equal(p.nodes[1].rest, 'b  c');
  });

  it('parses JSON arrays strictly', () => {
    assert.deepEqual(parseJsonArray(' ["a","b"] '), ['a', 'b']);
    assert.equal(parseJsonArray('["a",]'), null);
    assert.equal(parseJsonArray('echo [x]'), null);
  });
});
