/**
 * Shell-style pattern matching with the semantics of Go's path.Match, which
 * docker uses for `images --filter reference=...` and `docker images NAME`:
 *
 *   `*`      any run of characters except '/'
 *   `?`      one character except '/'
 *   `[...]`  a class of characters or ranges `a-z`; `[^...]` negates it
 *   `\c`     the character c literally
 *
 * A malformed pattern is an error ("syntax error in pattern"), found before
 * matching, whatever the name.
 */
import { InvalidParameterError } from '../errors.ts';

export const BAD_PATTERN = 'syntax error in pattern';

type Token =
  | { t: 'lit'; c: string }
  | { t: 'star' }
  | { t: 'any' }
  | { t: 'class'; negated: boolean; ranges: Array<[string, string]> };

function bad(): never {
  throw new InvalidParameterError(BAD_PATTERN);
}

/** One (possibly escaped) class character starting at i; returns it and the next index. */
function classChar(p: string, i: number): [string, number] {
  if (i >= p.length || p[i] === '-' || p[i] === ']') bad();
  if (p[i] === '\\') {
    i++;
    if (i >= p.length) bad();
  }
  const cp = p.codePointAt(i)!;
  const ch = String.fromCodePoint(cp);
  return [ch, i + ch.length];
}

function compile(p: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '*') {
      out.push({ t: 'star' });
      i++;
    } else if (c === '?') {
      out.push({ t: 'any' });
      i++;
    } else if (c === '\\') {
      if (i + 1 >= p.length) bad();
      const ch = String.fromCodePoint(p.codePointAt(i + 1)!);
      out.push({ t: 'lit', c: ch });
      i += 1 + ch.length;
    } else if (c === '[') {
      i++;
      let negated = false;
      if (p[i] === '^') {
        negated = true;
        i++;
      }
      const ranges: Array<[string, string]> = [];
      for (;;) {
        if (i < p.length && p[i] === ']' && ranges.length > 0) {
          i++;
          break;
        }
        let lo: string;
        [lo, i] = classChar(p, i);
        let hi = lo;
        if (p[i] === '-') {
          [hi, i] = classChar(p, i + 1);
        }
        if (i >= p.length) bad(); // the class is never closed
        ranges.push([lo, hi]);
      }
      out.push({ t: 'class', negated, ranges });
    } else {
      const ch = String.fromCodePoint(p.codePointAt(i)!);
      out.push({ t: 'lit', c: ch });
      i += ch.length;
    }
  }
  return out;
}

function inClass(tok: { negated: boolean; ranges: Array<[string, string]> }, ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  const hit = tok.ranges.some(([lo, hi]) => lo.codePointAt(0)! <= cp && cp <= hi.codePointAt(0)!);
  return hit !== tok.negated;
}

/** Go path.Match: does the whole `name` match `pattern`? Throws on a malformed pattern. */
export function pathMatch(pattern: string, name: string): boolean {
  const toks = compile(pattern);
  const chars = Array.from(name);
  const memo = new Map<number, boolean>();
  const go = (ti: number, si: number): boolean => {
    const key = ti * (chars.length + 1) + si;
    const seen = memo.get(key);
    if (seen !== undefined) return seen;
    let r: boolean;
    if (ti === toks.length) {
      r = si === chars.length;
    } else {
      const tok = toks[ti];
      if (tok.t === 'star') {
        // Zero characters, or one more non-'/' character and stay on the star.
        r = go(ti + 1, si) || (si < chars.length && chars[si] !== '/' && go(ti, si + 1));
      } else if (si >= chars.length) {
        r = false;
      } else if (tok.t === 'any') {
        r = chars[si] !== '/' && go(ti + 1, si + 1);
      } else if (tok.t === 'lit') {
        r = chars[si] === tok.c && go(ti + 1, si + 1);
      } else {
        r = inClass(tok, chars[si]) && go(ti + 1, si + 1);
      }
    }
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}
