/**
 * Go's regexp (RE2 syntax) for the few places Docker takes a user's regexp
 * (log-opt labels-regex, env-regex): compiled to a JS RegExp, with Go's error
 * wording ("error parsing regexp: missing closing ]: `[`") for the mistakes
 * RE2 rejects. Go-only syntax that JS lacks is translated: leading flag groups
 * `(?i)`, named groups `(?P<n>…)`, `\A` / `\z`, POSIX classes `[[:alpha:]]`.
 */

import { SystemError } from '../core/errors.ts';

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/** Escapes RE2 knows after a backslash (besides punctuation, which it takes literally). */
const KNOWN_ESCAPES = new Set([...'afnrtvxdDsSwWbBpPAzQE01234567']);

/** A regexp RE2 rejects; a system error (500), as dockerd's logger failing to open. */
export class GoRegexpError extends SystemError {}

const fail = (code: string, expr: string): never => {
  throw new GoRegexpError(`error parsing regexp: ${code}: \`${expr}\``);
};

const isRepeat = (s: string, i: number): number => {
  const c = s[i];
  if (c === '*' || c === '+' || c === '?') return 1;
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(i));
    if (m) return m[0].length;
  }
  return 0;
};

/** Translate `src` (RE2 syntax) to a JS RegExp, or throw GoRegexpError with Go's message. */
export function compileGoRegexp(src: string): RegExp {
  let flags = '';
  let out = '';
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
    i = lead[0].length;
  }
  const opens: number[] = [];
  // whether a repetition operator here has something to repeat, and whether that is itself a repetition
  let canRepeat = false;
  let afterRepeat = false;
  let repeatStart = 0;
  while (i < src.length) {
    const c = src[i];
    const rep = isRepeat(src, i);
    if (rep) {
      const op = src.slice(i, i + rep);
      if (afterRepeat) fail('invalid nested repetition operator', src.slice(repeatStart, i + rep));
      if (!canRepeat) fail('missing argument to repetition operator', op);
      out += op;
      repeatStart = i;
      i += rep;
      if (src[i] === '?') { out += '?'; i++; } // non-greedy
      afterRepeat = true;
      continue;
    }
    afterRepeat = false;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) fail('trailing backslash at end of expression', '');
      if (/[A-Za-z0-9]/.test(n) && !KNOWN_ESCAPES.has(n)) fail('invalid escape sequence', `\\${n}`);
      if (/[1-7]/.test(n)) fail('invalid escape sequence', `\\${n}`);
      out += n === 'A' ? '^' : n === 'z' ? '$(?![\\s\\S])' : `\\${n}`;
      i += 2;
      canRepeat = n !== 'b' && n !== 'B' && n !== 'A' && n !== 'z';
    } else if (c === '[') {
      const start = i;
      let j = i + 1;
      let cls = '[';
      if (src[j] === '^') { cls += '^'; j++; }
      if (src[j] === ']') { cls += '\\]'; j++; }
      for (;;) {
        if (j >= src.length) fail('missing closing ]', src.slice(start));
        if (src[j] === ']') break;
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(j));
        if (posix && POSIX[posix[2]] && !posix[1]) { cls += POSIX[posix[2]]; j += posix[0].length; continue; }
        if (src[j] === '\\') { cls += src.slice(j, j + 2); j += 2; continue; }
        cls += src[j] === '[' ? '\\[' : src[j];
        j++;
      }
      out += `${cls}]`;
      i = j + 1;
      canRepeat = true;
    } else if (c === '(') {
      if (src[i + 1] === '?') {
        const named = /^\(\?P<([A-Za-z0-9_]+)>/.exec(src.slice(i));
        const group = /^\(\?([imsU-]*)(:|\))/.exec(src.slice(i));
        if (named) { out += `(?<${named[1]}>`; i += named[0].length; opens.push(i); canRepeat = false; continue; }
        if (group && group[2] === ':') { out += '(?:'; i += group[0].length; opens.push(i); canRepeat = false; continue; }
        if (group) { i += group[0].length; continue; } // a flag change mid-pattern: JS has no equivalent; matched as written otherwise
        const bad = /^\(\?[imsU-]*/.exec(src.slice(i))![0];
        fail('invalid or unsupported Perl syntax', src.slice(i, i + bad.length + 1));
      }
      opens.push(i);
      out += '(';
      i++;
      canRepeat = false;
    } else if (c === ')') {
      if (opens.length === 0) fail('unexpected )', src);
      opens.pop();
      out += ')';
      i++;
      canRepeat = true;
    } else if (c === '|') {
      out += '|';
      i++;
      canRepeat = false;
    } else {
      out += c === '^' || c === '$' ? c : c === '/' ? '\\/' : c;
      i++;
      canRepeat = c !== '^' && c !== '$';
    }
  }
  if (opens.length > 0) fail('missing closing )', src);
  try {
    return new RegExp(out, flags);
  } catch (e) {
    throw new GoRegexpError(`error parsing regexp: ${(e as Error).message}`);
  }
}
