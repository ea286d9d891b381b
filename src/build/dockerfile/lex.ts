/*
 * Docker's Dockerfile word processing (moby/buildkit shell.Lex): quotes,
 * the escape token, and variable substitution ($V, ${V}, ${V:-x}, ${V-x},
 * ${V:+x}, ${V+x}, ${V:?msg}, ${V?msg}, ${V#p}, ${V%p}) without a shell.
 */
import { InvalidParameterError } from '../../core/errors.ts';

export type Env = ReadonlyMap<string, string>;

class Scanner {
  readonly s: string;
  pos = 0;
  constructor(s: string) {
    this.s = s;
  }
  peek(): string {
    return this.pos < this.s.length ? this.s[this.pos] : '';
  }
  next(): string {
    return this.pos < this.s.length ? this.s[this.pos++] : '';
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

interface Ctx { env: Env; escape: string; rawQuotes: boolean }

/** Glob-ish prefix/suffix removal used by ${V#p} and ${V%p}: shortest match, `*` and `?` supported. */
function globRegex(p: string, greedy = false): string {
  let re = '';
  for (const ch of p) {
    if (ch === '*') re += greedy ? '.*' : '.*?';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
  }
  return re;
}

function processDollar(sc: Scanner, c: Ctx): string {
  sc.next(); // $
  const ch = sc.peek();
  if (ch === '{') {
    sc.next();
    let name = '';
    while (sc.peek() && NAME_CHAR.test(sc.peek())) name += sc.next();
    if (!name) throw new InvalidParameterError(`failed to process "${sc.s}": missing ':' in substitution`);
    const op = sc.peek();
    if (op === '}') {
      sc.next();
      return c.env.get(name) ?? '';
    }
    let modifier = sc.next();
    if (modifier === ':' && '-+?'.includes(sc.peek())) modifier += sc.next();
    else if (modifier === ':') throw new InvalidParameterError(`failed to process "${sc.s}": unsupported modifier (:) in substitution`);
    if ((modifier === '#' || modifier === '%') && sc.peek() === modifier) modifier += sc.next();
    const word = processWordUntil(sc, c, '}');
    if (sc.next() !== '}') throw new InvalidParameterError(`failed to process "${sc.s}": syntax error: missing '}'`);
    const val = c.env.get(name);
    switch (modifier) {
      case ':-': return val ? val : word;
      case '-': return val !== undefined ? val : word;
      case ':+': return val ? word : '';
      case '+': return val !== undefined ? word : '';
      case ':?':
        if (!val) throw new InvalidParameterError(`failed to process "${sc.s}": ${name}: ${word || 'is not allowed to be unset'}`);
        return val;
      case '?':
        if (val === undefined) throw new InvalidParameterError(`failed to process "${sc.s}": ${name}: ${word || 'is not allowed to be unset'}`);
        return val;
      case '#': case '##': {
        const re = new RegExp(`^${globRegex(word, modifier === '##')}`);
        return (val ?? '').replace(re, '');
      }
      case '%': case '%%': {
        const v = val ?? '';
        // longest (%%) or shortest (%) suffix matching the pattern
        const whole = new RegExp(`^${globRegex(word, true)}$`);
        if (modifier === '%%') {
          for (let i = 0; i <= v.length; i++) if (whole.test(v.slice(i))) return v.slice(0, i);
        } else {
          for (let i = v.length; i >= 0; i--) if (whole.test(v.slice(i))) return v.slice(0, i);
        }
        return v;
      }
      default:
        throw new InvalidParameterError(`failed to process "${sc.s}": unsupported modifier (${modifier}) in substitution`);
    }
  }
  if (ch && NAME_START.test(ch)) {
    let name = '';
    while (sc.peek() && NAME_CHAR.test(sc.peek())) name += sc.next();
    return c.env.get(name) ?? '';
  }
  if (ch && /[0-9*#@$?!-]/.test(ch)) {
    // special shell parameters: left empty as Docker does ($1 etc.)
    sc.next();
    return '';
  }
  return '$';
}

function processSingleQuote(sc: Scanner, c: Ctx): string {
  sc.next();
  let out = c.rawQuotes ? "'" : '';
  for (;;) {
    const ch = sc.next();
    if (ch === '') throw new InvalidParameterError(`failed to process "${sc.s}": unexpected end of statement while looking for matching single-quote`);
    if (ch === "'") break;
    out += ch;
  }
  return c.rawQuotes ? `${out}'` : out;
}

function processDoubleQuote(sc: Scanner, c: Ctx): string {
  sc.next();
  let out = c.rawQuotes ? '"' : '';
  for (;;) {
    const ch = sc.peek();
    if (ch === '') throw new InvalidParameterError(`failed to process "${sc.s}": unexpected end of statement while looking for matching double-quote`);
    if (ch === '"') {
      sc.next();
      break;
    }
    if (ch === '$') {
      out += processDollar(sc, c);
      continue;
    }
    sc.next();
    if (ch === c.escape) {
      const n = sc.peek();
      if (n === '"' || n === '$' || n === c.escape) {
        if (c.rawQuotes) out += ch;
        out += sc.next();
        continue;
      }
    }
    out += ch;
  }
  return c.rawQuotes ? `${out}"` : out;
}

function processWordUntil(sc: Scanner, c: Ctx, stop: string): string {
  let out = '';
  for (;;) {
    const ch = sc.peek();
    if (ch === '' || (stop && ch === stop)) return out;
    if (ch === "'") out += processSingleQuote(sc, c);
    else if (ch === '"') out += processDoubleQuote(sc, c);
    else if (ch === '$') out += processDollar(sc, c);
    else if (ch === c.escape) {
      sc.next();
      const n = sc.next();
      if (c.rawQuotes) out += ch;
      out += n;
    } else out += sc.next();
  }
}

/** One word with quotes removed and variables substituted (ProcessWord). */
export function processWord(word: string, env: Env, escape = '\\'): string {
  return processWordUntil(new Scanner(word), { env, escape, rawQuotes: false }, '');
}

/** Variables substituted, quotes and escapes kept (for heredoc bodies and re-split values). */
export function expandKeepQuotes(word: string, env: Env, escape = '\\'): string {
  return processWordUntil(new Scanner(word), { env, escape, rawQuotes: true }, '');
}

/** Words split on unquoted whitespace, each processed (ProcessWords). */
export function processWords(text: string, env: Env, escape = '\\'): string[] {
  const raw = splitWords(text, escape);
  return raw.map((w) => processWord(w, env, escape)).filter((w, i) => w !== '' || /["']/.test(raw[i]));
}

/** Split on whitespace outside quotes, quotes and escapes kept in the words (parseWords). */
export function splitWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (!quote && /\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      cur += ch + text[++i];
      continue;
    }
    if (quote && ch === quote) quote = '';
    else if (!quote && (ch === '"' || ch === "'")) quote = ch;
    cur += ch;
  }
  if (inWord) words.push(cur);
  return words;
}
