/*
 * .dockerignore with Docker's semantics (moby/patternmatcher and
 * buildkit's dockerignore reader): one pattern a line, `#` comments, `!`
 * exceptions, paths cleaned and made relative, `*`, `?`, `[...]` within one
 * path element, `**` across any number of them; a pattern that matches a
 * directory matches everything below it; the last matching pattern wins.
 */
import { posix } from 'node:path';

export interface IgnorePattern { text: string; exclusion: boolean; re: RegExp; dirs: number }

/** Lines of a .dockerignore file as patterns (ReadAll). */
export function readDockerignore(text: string): string[] {
  const out: string[] = [];
  for (let line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (!line) continue;
    let invert = false;
    if (line.startsWith('!')) {
      invert = true;
      line = line.slice(1).trim();
    }
    if (line) {
      line = posix.normalize(line);
      if (line.startsWith('/')) line = line.replace(/^\/+/, '') || '.';
      if (line.endsWith('/') && line.length > 1) line = line.slice(0, -1);
    }
    out.push(invert ? `!${line}` : line);
  }
  return out;
}

function toRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        while (pattern[i + 1] === '*') i++;
        if (i + 1 >= pattern.length) re += '.*';
        else if (pattern[i + 1] === '/') {
          i++;
          re += '(.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (ch === '\\') {
      i++;
      if (i < pattern.length) re += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's');
}

export function compilePatterns(lines: string[]): IgnorePattern[] {
  return lines.filter((l) => l !== '!' && l !== '').map((l) => {
    const exclusion = l.startsWith('!');
    const text = exclusion ? l.slice(1) : l;
    return { text, exclusion, re: toRegex(text), dirs: text.split('/').length };
  });
}

/** Whether a context-relative path (no leading slash) is excluded: the pattern or one of its parents matches. */
export function isExcluded(patterns: IgnorePattern[], rel: string): boolean {
  const parts = rel.split('/');
  let excluded = false;
  for (const p of patterns) {
    if (p.exclusion !== excluded) continue; // this pattern cannot change the answer
    let hit = p.re.test(rel);
    if (!hit) {
      for (let n = 1; n < parts.length && !hit; n++) hit = p.re.test(parts.slice(0, n).join('/'));
    }
    if (hit) excluded = !p.exclusion;
  }
  return excluded;
}

/** True when some exception pattern could re-include something below an excluded directory. */
export function hasExceptions(patterns: IgnorePattern[]): boolean {
  return patterns.some((p) => p.exclusion);
}

/** A matcher over the lines of a .dockerignore. */
export function dockerignoreMatcher(text: string): (rel: string) => boolean {
  const pats = compilePatterns(readDockerignore(text));
  return (rel) => isExcluded(pats, rel);
}
