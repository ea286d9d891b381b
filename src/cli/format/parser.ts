/**
 * Parser for the text/template subset. Produces the tree in ast.ts and
 * reports errors the way Go does ("template: :LINE: function "x" not defined").
 */
import type { ArgNode, CommandNode, ControlNode, ListNode, Node, PipeNode } from './ast.ts';
import { lex, parseError, type Token, type TokenType } from './lexer.ts';

const OPERAND_START = new Set<TokenType>(['bool', 'char', 'dot', 'field', 'ident', 'number', 'nil', 'string', 'variable', 'lparen']);

export function parseTemplate(src: string, funcs: ReadonlySet<string>): ListNode {
  return new Parser(src, funcs).parse();
}

class Parser {
  readonly src: string;
  readonly funcs: ReadonlySet<string>;
  readonly toks: Token[];
  i = 0;
  vars: string[] = ['$'];
  rangeDepth = 0;

  constructor(src: string, funcs: ReadonlySet<string>) {
    this.src = src;
    this.funcs = funcs;
    this.toks = lex(src);
  }

  peek(): Token { return this.toks[this.i]!; }
  next(): Token { return this.toks[this.i++]!; }
  error(tok: Token | number, msg: string): never {
    throw parseError(this.src, typeof tok === 'number' ? tok : tok.pos, msg);
  }
  unexpected(tok: Token, context: string): never {
    this.error(tok, `unexpected ${describe(tok)} in ${context}`);
  }
  expect(type: TokenType, context: string): Token {
    const t = this.next();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  parse(): ListNode {
    const list: ListNode = { nodes: [] };
    while (this.peek().type !== 'eof') {
      const n = this.textOrAction();
      if (typeof n === 'string') this.error(this.toks[this.i - 1]!, `unexpected {{${n}}}`);
      list.nodes.push(n);
    }
    return list;
  }

  /** Nodes up to {{end}} or {{else}}; returns which one ended the list. */
  itemList(): [ListNode, 'end' | 'else'] {
    const list: ListNode = { nodes: [] };
    while (this.peek().type !== 'eof') {
      const n = this.textOrAction();
      if (typeof n === 'string') return [list, n];
      list.nodes.push(n);
    }
    this.error(this.peek(), 'unexpected EOF');
  }

  /** A node, or the keyword 'end' / 'else' (with 'end' its delimiter consumed). */
  textOrAction(): Node | 'end' | 'else' {
    const t = this.next();
    if (t.type === 'text') return { kind: 'text', text: t.val, pos: t.pos };
    if (t.type !== 'left') this.unexpected(t, 'input');
    const k = this.peek();
    if (k.type === 'keyword') {
      this.next();
      switch (k.val) {
        case 'if': case 'with': case 'range': return this.control(k.val, k);
        case 'end': this.expect('right', 'end'); return 'end';
        case 'else': return 'else';
        case 'break': case 'continue':
          if (this.rangeDepth === 0) this.error(k, `{{${k.val}}} outside {{range}}`);
          this.expect('right', k.val);
          return { kind: k.val, pos: k.pos, text: k.val };
        default: this.error(k, `{{${k.val}}} is not supported`);
      }
    }
    const pipe = this.pipeline('command', 'right');
    return { kind: 'action', pos: pipe.pos, text: pipe.text, pipe };
  }

  control(kind: 'if' | 'with' | 'range', kw: Token): ControlNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'right');
    if (kind === 'range') this.rangeDepth++;
    const [list, term] = this.itemList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: ListNode | undefined;
    if (term === 'else') {
      const k = this.peek();
      if (kind !== 'range' && k.type === 'keyword' && k.val === kind) {
        this.next();
        elseList = { nodes: [this.control(kind, k)] };
      } else {
        this.expect('right', 'else');
        const [l2, term2] = this.itemList();
        if (term2 !== 'end') this.error(this.toks[this.i - 1]!, 'expected end; found {{else}}');
        elseList = l2;
      }
    }
    this.vars.length = mark;
    return { kind, pos: kw.pos, text: kind, pipe, list, elseList };
  }

  declareVar(tok: Token, assign: boolean): string {
    if (assign) { if (!this.vars.includes(tok.val)) this.error(tok, `undefined variable "${tok.val}"`); }
    else this.vars.push(tok.val);
    return tok.val;
  }

  pipeline(context: string, end: 'right' | 'rparen'): PipeNode {
    const start = this.peek();
    const decl: string[] = [];
    let isAssign = false;
    if (start.type === 'variable') {
      const v = this.next();
      const after = this.peek();
      if (after.type === 'declare' || after.type === 'assign') {
        this.next();
        isAssign = after.type === 'assign';
        decl.push(this.declareVar(v, isAssign));
      } else if (after.type === 'comma') {
        this.next();
        if (context !== 'range') this.error(after, `too many declarations in ${context}`);
        const v2 = this.next();
        const op = this.next();
        if (v2.type !== 'variable' || (op.type !== 'declare' && op.type !== 'assign')) {
          this.error(v2, 'range can only initialize variables');
        }
        isAssign = op.type === 'assign';
        decl.push(this.declareVar(v, isAssign), this.declareVar(v2, isAssign));
      } else {
        this.i--;
      }
    }
    const cmds: CommandNode[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === end) {
        this.next();
        break;
      }
      if (!OPERAND_START.has(t.type)) this.unexpected(t, context);
      cmds.push(this.command());
    }
    if (cmds.length === 0) this.error(start, `missing value for ${context}`);
    cmds.forEach((c, i) => {
      const k = c.args[0]!.kind;
      if (i > 0 && (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string')) {
        this.error(c.pos, `non executable command in pipeline stage ${i + 1}`);
      }
    });
    const last = this.toks[this.i - 2]!;
    return { kind: 'pipe', pos: start.pos, text: this.src.slice(start.pos, last.end), decl, isAssign, cmds };
  }

  command(): CommandNode {
    const args: ArgNode[] = [];
    const first = this.peek();
    for (;;) {
      const op = this.operand();
      if (!op) this.unexpected(this.peek(), 'operand');
      args.push(op);
      const t = this.peek();
      if (t.type === 'right' || t.type === 'rparen') break;
      if (t.type === 'pipe') {
        this.next();
        const after = this.peek();
        if (after.type === 'right' || after.type === 'rparen') this.error(after, 'missing command after pipe');
        break;
      }
      if (!t.spaced || !OPERAND_START.has(t.type)) this.unexpected(t, 'operand');
    }
    const last = this.toks[this.i - 1]!;
    const end = last.type === 'pipe' ? this.toks[this.i - 2]!.end : last.end;
    return { kind: 'command', pos: first.pos, text: this.src.slice(first.pos, end), args };
  }

  operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    const fields: string[] = [];
    // Go's newChain: the node is positioned at its first chained field.
    const pos = this.peek().pos;
    while (this.peek().type === 'field' && !this.peek().spaced) fields.push(this.next().val.slice(1));
    if (fields.length === 0) return node;
    const text = this.src.slice(node.pos, this.toks[this.i - 1]!.end);
    switch (node.kind) {
      case 'field': return { ...node, pos, text, ident: [...node.ident, ...fields] };
      case 'variable': return { ...node, pos, text, ident: [...node.ident, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        this.error(node.pos, `unexpected . after term "${node.text}"`);
      default: return { kind: 'chain', pos, text, node, field: fields };
    }
  }

  term(): ArgNode | undefined {
    const t = this.next();
    const base = { pos: t.pos, text: t.val };
    switch (t.type) {
      case 'ident':
        if (!this.funcs.has(t.val)) this.error(t, `function "${t.val}" not defined`);
        return { kind: 'identifier', ...base, name: t.val };
      case 'dot': return { kind: 'dot', ...base };
      case 'nil': return { kind: 'nil', ...base };
      case 'bool': return { kind: 'bool', ...base, value: t.val === 'true' };
      case 'field': return { kind: 'field', ...base, ident: [t.val.slice(1)] };
      case 'variable':
        if (!this.vars.includes(t.val)) this.error(t, `undefined variable "${t.val}"`);
        return { kind: 'variable', ...base, ident: [t.val] };
      case 'number': return { kind: 'number', ...base, value: this.number(t) };
      case 'char': {
        const s = unquote(t.val.slice(1, -1), "'", () => this.error(t, `malformed character constant: ${t.val}`));
        if ([...s].length !== 1) this.error(t, `malformed character constant: ${t.val}`);
        return { kind: 'number', ...base, value: s.codePointAt(0)! };
      }
      case 'string': {
        const value = t.val[0] === '`' ? t.val.slice(1, -1).replace(/\r/g, '')
          : unquote(t.val.slice(1, -1), '"', () => this.error(t, `invalid syntax: ${t.val}`));
        return { kind: 'string', ...base, value };
      }
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        return { ...pipe, pos: t.pos, text: this.src.slice(t.pos, this.toks[this.i - 1]!.end) };
      }
      default:
        this.i--;
        return undefined;
    }
  }

  number(t: Token): number {
    let s = t.val.replace(/_/g, '');
    if (s.endsWith('i')) this.error(t, `complex numbers are not supported: ${t.val}`);
    const neg = s.startsWith('-');
    if (s[0] === '-' || s[0] === '+') s = s.slice(1);
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(s) || /^0[bB][01]+$/.test(s) || /^0[oO][0-7]+$/.test(s)) v = Number(s.toLowerCase());
    else if (/^0[0-7]+$/.test(s)) v = parseInt(s, 8);
    else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) v = Number(s);
    else this.error(t, `illegal number syntax: "${t.val}"`);
    return neg ? -v : v;
  }
}

function describe(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  // Go's item.String: keywords, the dot and nil among them, in angle brackets
  if (t.type === 'keyword' || t.type === 'dot' || t.type === 'nil') return `<${t.val}>`;
  const v = t.type === 'right' ? '}}' : t.type === 'left' ? '{{' : t.val;
  return v.length > 10 ? JSON.stringify(v.slice(0, 10)) + '...' : JSON.stringify(v);
}

const SIMPLE_ESC: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Go's strconv.Unquote for the body of a "..." or '...' literal. */
export function unquote(body: string, q: string, fail: () => never): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') { out += c; continue; }
    const e = body[++i];
    if (e === undefined) fail();
    if (SIMPLE_ESC[e] !== undefined) { out += SIMPLE_ESC[e]; continue; }
    if (e === q) { out += q; continue; }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const h = body.slice(i + 1, i + 1 + hexLen);
      if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== hexLen) fail();
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) fail();
      out += e === 'x' ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      i += hexLen;
      continue;
    }
    if (/[0-7]/.test(e)) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) fail();
      out += String.fromCharCode(parseInt(o, 8));
      i += 2;
      continue;
    }
    fail();
  }
  return out;
}
