/**
 * Locate the first syntax error of a JSON text, described the way Go's
 * encoding/json does ("invalid character 'x' looking for beginning of
 * value"), plus a line and column. Used only after JSON.parse has failed.
 */

class JsonSyntax extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

function quoteChar(c: string): string {
  if (c === '\n') return "'\\n'";
  if (c === '\r') return "'\\r'";
  if (c === '\t') return "'\\t'";
  if (c === "'") return "'\\''";
  return `'${c}'`;
}

function scan(s: string): void {
  let i = 0;
  const eof = (): never => {
    throw new JsonSyntax('unexpected end of JSON input', s.length);
  };
  const bad = (context: string): never => {
    if (i >= s.length) eof();
    throw new JsonSyntax(`invalid character ${quoteChar(s[i])} ${context}`, i);
  };
  const ws = (): void => {
    while (i < s.length && ' \t\n\r'.includes(s[i])) i++;
  };
  const str = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= s.length) eof();
      const c = s[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') bad('in string literal');
      if (c === '\\') {
        i++;
        if (i >= s.length) eof();
        if (s[i] === 'u') {
          for (let k = 1; k <= 4; k++) {
            i++;
            if (i >= s.length) eof();
            if (!/[0-9a-fA-F]/.test(s[i])) bad('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(s[i])) bad('in string escape code');
      }
      i++;
    }
  };
  const num = (): void => {
    if (s[i] === '-') i++;
    if (s[i] === '0') i++;
    else if (/[1-9]/.test(s[i] ?? '')) while (/[0-9]/.test(s[i] ?? '')) i++;
    else bad('in numeric literal');
    if (s[i] === '.') {
      i++;
      if (!/[0-9]/.test(s[i] ?? '')) bad('after decimal point in numeric literal');
      while (/[0-9]/.test(s[i] ?? '')) i++;
    }
    if (s[i] === 'e' || s[i] === 'E') {
      i++;
      if (s[i] === '+' || s[i] === '-') i++;
      if (!/[0-9]/.test(s[i] ?? '')) bad('in exponent of numeric literal');
      while (/[0-9]/.test(s[i] ?? '')) i++;
    }
  };
  const literal = (word: string): void => {
    for (let k = 0; k < word.length; k++, i++) {
      if (s[i] !== word[k]) bad(`in literal ${word} (expecting ${quoteChar(word[k])})`);
    }
  };
  const value = (): void => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      ws();
      if (s[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') bad('looking for beginning of object key string');
        str();
        ws();
        if (s[i] !== ':') bad('after object key');
        i++;
        value();
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === '}') {
          i++;
          return;
        } else bad('after object key:value pair');
      }
    } else if (c === '[') {
      i++;
      ws();
      if (s[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === ']') {
          i++;
          return;
        } else bad('after array element');
      }
    } else if (c === '"') str();
    else if (c === '-' || /[0-9]/.test(c ?? '')) num();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else bad('looking for beginning of value');
  };
  value();
  ws();
  if (i < s.length) bad('after top-level value');
}

/** "invalid character '}' after object key at line 3, column 5" — or undefined when `s` is valid JSON. */
export function describeJsonError(s: string): string | undefined {
  try {
    scan(s);
    return undefined;
  } catch (e) {
    if (!(e instanceof JsonSyntax)) return 'invalid JSON (nested too deeply)';
    const before = s.slice(0, e.offset);
    const line = before.split('\n').length;
    const column = e.offset - (before.lastIndexOf('\n') + 1) + 1;
    return `${e.message} at line ${line}, column ${column}`;
  }
}
