/**
 * Lexer for the Go text/template subset: splits a template into text and
 * action tokens, honouring the trim markers "{{- " and " -}}" and comments.
 * Whitespace inside actions is not a token; instead each token records
 * whether whitespace preceded it (the parser needs that for ".A .B" vs ".A.B").
 */
import { InvalidParameterError } from '../../core/errors.ts';

export type TokenType =
  | 'text' | 'left' | 'right' | 'field' | 'variable' | 'ident' | 'keyword'
  | 'string' | 'char' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe'
  | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'eof';

export interface Token {
  type: TokenType;
  /** Raw source text (for strings: the quoted form). */
  val: string;
  pos: number;
  end: number;
  /** Whitespace came right before this token inside an action. */
  spaced: boolean;
}

export const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block']);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c);

/** Line number (1-based) of a byte position in the source, for messages. */
export function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') line++;
  return line;
}

export function parseError(src: string, pos: number, msg: string): InvalidParameterError {
  return new InvalidParameterError(`template: :${lineOf(src, pos)}: ${msg}`);
}

const NUMBER_RE = /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)/;

export function lex(src: string): Token[] {
  const toks: Token[] = [];
  let pos = 0;
  const n = src.length;
  while (pos < n) {
    let open = src.indexOf('{{', pos);
    if (open < 0) open = n;
    let textEnd = open;
    let start = open + 2;
    const trimLeft = open < n && src[open + 2] === '-' && isSpace(src[open + 3]);
    if (trimLeft) {
      while (textEnd > pos && isSpace(src[textEnd - 1])) textEnd--;
      start = open + 4;
    }
    if (textEnd > pos) toks.push({ type: 'text', val: src.slice(pos, textEnd), pos, end: textEnd, spaced: false });
    if (open >= n) break;
    toks.push({ type: 'left', val: '{{', pos: open, end: start, spaced: false });
    pos = lexAction(src, start, toks);
  }
  toks.push({ type: 'eof', val: '', pos: n, end: n, spaced: false });
  return toks;
}

/** Right delimiter at p? Returns [length, trims]. */
function atRight(src: string, p: number): [number, boolean] {
  if (isSpace(src[p]) && src[p + 1] === '-' && src.startsWith('}}', p + 2)) return [4, true];
  if (src.startsWith('}}', p)) return [2, false];
  return [0, false];
}

function lexAction(src: string, pos: number, toks: Token[]): number {
  const n = src.length;
  const err = (p: number, msg: string): never => { throw parseError(src, p, msg); };
  // comment: must follow the delimiter (after an optional trim marker) directly
  if (src.startsWith('/*', pos)) {
    const close = src.indexOf('*/', pos + 2);
    if (close < 0) err(pos, 'unclosed comment');
    let p = close + 2;
    const [len, trim] = atRight(src, p);
    if (len === 0) err(p, 'comment ends before closing delimiter');
    toks.pop(); // a comment is not an action
    p += len;
    if (trim) while (p < n && isSpace(src[p])) p++;
    return p;
  }
  let depth = 0;
  let spaced = false;
  const push = (type: TokenType, start: number, end: number): void => {
    toks.push({ type, val: src.slice(start, end), pos: start, end, spaced });
    spaced = false;
  };
  for (;;) {
    if (pos >= n) err(pos, 'unclosed action');
    const [len, trim] = atRight(src, pos);
    if (len > 0) {
      if (depth > 0) err(pos, 'unclosed left paren');
      push('right', pos, pos + len);
      pos += len;
      if (trim) while (pos < n && isSpace(src[pos])) pos++;
      return pos;
    }
    const c = src[pos]!;
    if (isSpace(c)) { spaced = true; pos++; continue; }
    const start = pos;
    if (c === '|') { push('pipe', pos, ++pos); continue; }
    if (c === ',') { push('comma', pos, ++pos); continue; }
    if (c === '(') { depth++; push('lparen', pos, ++pos); continue; }
    if (c === ')') {
      if (--depth < 0) err(pos, `unexpected right paren`);
      push('rparen', pos, ++pos); continue;
    }
    if (c === '=') { push('assign', pos, ++pos); continue; }
    if (c === ':') {
      if (src[pos + 1] !== '=') err(pos, 'expected :=');
      pos += 2; push('declare', start, pos); continue;
    }
    if (c === '"' || c === "'") {
      pos++;
      while (src[pos] !== c) {
        if (pos >= n || src[pos] === '\n') err(start, c === '"' ? 'unterminated quoted string' : 'unterminated character constant');
        if (src[pos] === '\\') pos++;
        pos++;
      }
      pos++;
      push(c === '"' ? 'string' : 'char', start, pos); continue;
    }
    if (c === '`') {
      const close = src.indexOf('`', pos + 1);
      if (close < 0) err(start, 'unterminated raw quoted string');
      pos = close + 1;
      push('string', start, pos); continue;
    }
    if (c === '$' || (c === '.' && !/[0-9]/.test(src[pos + 1] ?? ''))) {
      pos++;
      while (isAlnum(src[pos])) pos++;
      if (!atTerminator(src, pos)) err(pos, `bad character ${goRune(src.codePointAt(pos)!)}`);
      push(c === '$' ? 'variable' : pos - start === 1 ? 'dot' : 'field', start, pos); continue;
    }
    if (/[0-9+\-.]/.test(c)) {
      const m = NUMBER_RE.exec(src.slice(pos))![0];
      pos += m.length;
      if (src[pos] === 'i') pos++;
      if (m === '' || m === '+' || m === '-' || isAlnum(src[pos])) err(start, `bad number syntax: "${src.slice(start, pos + 1)}"`);
      push('number', start, pos); continue;
    }
    if (isAlnum(c)) {
      while (isAlnum(src[pos])) pos++;
      if (!atTerminator(src, pos)) err(pos, `bad character ${goRune(src.codePointAt(pos)!)}`);
      const word = src.slice(start, pos);
      push(KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'ident', start, pos);
      continue;
    }
    err(pos, `unrecognized character in action: ${goRune(src.codePointAt(pos)!)}`);
  }
}

function atTerminator(src: string, p: number): boolean {
  const c = src[p];
  if (c === undefined || isSpace(c) || '.,|:()='.includes(c)) return true;
  return src.startsWith('}}', p);
}

function goRune(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${String.fromCodePoint(cp)}'`;
}
