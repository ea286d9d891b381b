/**
 * Executor for parsed templates: walks the tree against a data value with
 * Go text/template semantics on map-like data (a missing key is "no value",
 * not an error, unless missingKeyError: Go's missingkey=error) and on the
 * typed Go values of govalues.ts (structs, pointers, typed maps).
 */
import { InvalidParameterError } from '../../core/errors.ts';
import type { ArgNode, ChainNode, CommandNode, ControlNode, IdentifierNode, ListNode, Node, PipeNode, VariableNode } from './ast.ts';
import { goString, goTypeName, printValue } from './gofmt.ts';
import { GoMap, GoPtr, GoStruct, isTyped, methodsOf, typeHasField } from './govalues.ts';
import { ArgTypeError, truth, type FuncMap } from './funcs.ts';

const NO_FINAL: unique symbol = Symbol('no final');
type Final = unknown;

class LoopJump {
  readonly kind: 'break' | 'continue';
  constructor(kind: 'break' | 'continue') { this.kind = kind; }
}

interface Positioned { pos: number; text: string }

export interface ExecOptions {
  /** Go's Option("missingkey=error"): a missing map key is an error, not "no value". */
  missingKeyError?: boolean;
}

/**
 * Execute a parsed template. Output is appended to `out` as it is produced,
 * so a caller that catches an error still has the partial output (as Go does).
 */
export function execute(root: ListNode, src: string, data: unknown, funcs: FuncMap, out: string[], opts: ExecOptions = {}): void {
  new State(src, funcs, out, data, opts.missingKeyError === true).walkList(data, root);
}

class State {
  readonly src: string;
  readonly funcs: FuncMap;
  readonly out: string[];
  readonly vars: { name: string; value: unknown }[];
  readonly strict: boolean;
  /** Go's s.at(): the node evaluated last (a parenthesized chain reports field errors there). */
  at?: Positioned;

  constructor(src: string, funcs: FuncMap, out: string[], data: unknown, strict: boolean) {
    this.src = src;
    this.funcs = funcs;
    this.out = out;
    this.strict = strict;
    this.vars = [{ name: '$', value: data }];
  }

  error(node: Positioned, msg: string): never {
    const before = this.src.slice(0, node.pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = nl < 0 ? node.pos : node.pos - nl - 1;
    throw new InvalidParameterError(`template: :${line}:${col}: executing "" at <${node.text}>: ${msg}`);
  }

  getVar(node: VariableNode): unknown {
    const name = node.ident[0]!;
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.error(node, `undefined variable: ${name}`);
  }

  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) { this.vars[i]!.value = value; return; }
    }
  }

  walkList(dot: unknown, list: ListNode): void {
    for (const n of list.nodes) this.walk(dot, n);
  }

  walk(dot: unknown, node: Node): void {
    switch (node.kind) {
      case 'text': this.out.push(node.text); return;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out.push(printValue(v));
        return;
      }
      case 'if': case 'with': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, node.pipe);
        if (truth(v)) this.walkList(node.kind === 'with' ? v : dot, node.list);
        else if (node.elseList) this.walkList(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range': this.walkRange(dot, node); return;
      case 'break': case 'continue': throw new LoopJump(node.kind);
    }
  }

  walkRange(dot: unknown, node: ControlNode): void {
    const mark = this.vars.length;
    let v = this.evalPipeline(dot, node.pipe);
    if (v instanceof GoPtr) v = v.elem;
    if (isTyped(v)) this.error(node.pipe, `range can't iterate over ${goString(v)}`);
    const decl = node.pipe.decl;
    const iterMark = this.vars.length;
    let count = 0;
    const one = (key: unknown, elem: unknown): boolean => {
      count++;
      if (decl.length === 1) this.setVar(decl[0]!, elem);
      else if (decl.length === 2) { this.setVar(decl[0]!, key); this.setVar(decl[1]!, elem); }
      try {
        this.walkList(elem, node.list);
      } catch (e) {
        if (!(e instanceof LoopJump)) throw e;
        if (e.kind === 'break') return false;
      } finally {
        this.vars.length = iterMark;
      }
      return true;
    };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (!one(i, v[i])) break;
    } else if (v instanceof Map) {
      for (const k of [...v.keys()].sort()) if (!one(k, v.get(k))) break;
    } else if (typeof v === 'number' && Number.isInteger(v)) {
      if (decl.length > 1) this.error(node.pipe, `can't use ${v} to iterate over more than one variable`);
      for (let i = 0; i < v; i++) if (!one(i, i)) break;
    } else if (typeof v === 'object' && v !== null && !(v instanceof Date)) {
      const obj = v as Record<string, unknown>;
      for (const k of Object.keys(obj).sort()) if (!one(k, obj[k])) break;
    } else if (v !== undefined && v !== null) {
      this.error(node.pipe, `range can't iterate over ${goString(v)}`);
    }
    if (count === 0 && node.elseList) this.walkList(dot, node.elseList);
    this.vars.length = mark;
  }

  evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at = pipe;
    let value: unknown;
    pipe.cmds.forEach((cmd, i) => { value = this.evalCommand(dot, cmd, i === 0 ? NO_FINAL : value); });
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  notAFunction(args: ArgNode[], final: Final, node: Positioned): void {
    if (args.length > 1 || final !== NO_FINAL) this.error(node, `can't give argument to non-function ${args[0]!.text}`);
  }

  evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    this.at = first;
    switch (first.kind) {
      case 'field': return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain': return this.evalChain(dot, first, cmd.args, final);
      case 'identifier': return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'variable': return this.evalVariable(dot, first, cmd.args, final);
      case 'pipe': this.notAFunction(cmd.args, final, cmd); return this.evalPipeline(dot, first);
    }
    this.notAFunction(cmd.args, final, cmd);
    switch (first.kind) {
      case 'dot': return dot;
      case 'nil': this.error(first, 'nil is not a command');
      default: return first.value;
    }
  }

  evalArg(dot: unknown, n: ArgNode): unknown {
    this.at = n;
    switch (n.kind) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'field': return this.evalFieldChain(dot, dot, n, n.ident, [n], NO_FINAL);
      case 'variable': return this.evalVariable(dot, n, [n], NO_FINAL);
      case 'pipe': return this.evalPipeline(dot, n);
      case 'identifier': return this.evalFunction(dot, n, n, [n], NO_FINAL);
      case 'chain': return this.evalChain(dot, n, [n], NO_FINAL);
      default: return n.value;
    }
  }

  evalVariable(dot: unknown, node: VariableNode, args: ArgNode[], final: Final): unknown {
    const value = this.getVar(node);
    if (node.ident.length === 1) {
      this.notAFunction(args, final, node);
      return value;
    }
    return this.evalFieldChain(dot, value, node, node.ident.slice(1), args, final);
  }

  evalChain(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): unknown {
    if (chain.node.kind === 'nil') this.error(chain, `indirection through explicit nil in ${chain.text}`);
    const recv = this.evalArg(dot, chain.node);
    return this.evalFieldChain(dot, recv, this.at ?? chain, chain.field, args, final);
  }

  evalFieldChain(dot: unknown, recv: unknown, node: Positioned, idents: string[], args: ArgNode[], final: Final): unknown {
    const n = idents.length;
    for (let i = 0; i < n - 1; i++) recv = this.evalField(dot, idents[i]!, node, [], NO_FINAL, recv, i > 0);
    return this.evalField(dot, idents[n - 1]!, node, args, final, recv, n > 1);
  }

  /** viaField: recv came from the chain's previous field (in raw data, a Go interface {} value). */
  evalField(dot: unknown, name: string, node: Positioned, args: ArgNode[], final: Final, recv: unknown, viaField = false): unknown {
    if (recv === undefined) {
      if (this.strict) this.error(node, `nil data; no entry for key ${JSON.stringify(name)}`);
      return undefined;
    }
    if (recv === null) {
      if (this.strict) this.error(node, `nil pointer evaluating interface {}.${name}`);
      return undefined;
    }
    const hasArgs = args.length > 1 || final !== NO_FINAL;
    if (isTyped(recv)) return this.evalTypedField(name, node, hasArgs, recv);
    if (recv instanceof GoMap && recv.keyName) this.error(node, `can't evaluate field ${name} in type ${goTypeName(recv)}`);
    if (typeof recv === 'object' && !Array.isArray(recv)) {
      if (this.strict && !(recv instanceof Map) && !Object.hasOwn(recv, name)) {
        this.error(node, `map has no entry for key ${JSON.stringify(name)}`);
      }
      const v = lookup(recv, name);
      if (typeof v === 'function') {
        const argv = args.slice(1).map((a) => this.evalArg(dot, a));
        if (final !== NO_FINAL) argv.push(final);
        try {
          return (v as (...a: unknown[]) => unknown).apply(recv, argv);
        } catch (e) {
          this.error(node, `error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (hasArgs) this.error(node, `${name} is not a method but has arguments`);
      return v;
    }
    this.error(node, `can't evaluate field ${name} in type ${this.strict && viaField ? 'interface {}' : goTypeName(recv)}`);
  }

  /** A field of a typed struct (through pointers); a missing field or a nil pointer is an error. */
  evalTypedField(name: string, node: Positioned, hasArgs: boolean, recv: object): unknown {
    const typ = goTypeName(recv);
    const method = methodsOf(recv)?.[name];
    if (method) {
      if (hasArgs) this.error(node, `wrong number of args for ${name}: want 0 got 1`);
      if (recv instanceof GoPtr && recv.elem === null) this.error(node, `nil pointer evaluating ${typ}.${name}`);
      return (method as (r: unknown) => unknown)(recv instanceof GoPtr ? recv.elem : recv);
    }
    if (recv instanceof GoPtr) {
      if (!typeHasField(recv.type, name)) this.error(node, `can't evaluate field ${name} in type ${typ}`);
      if (recv.elem === null) this.error(node, `nil pointer evaluating ${typ}.${name}`);
      recv = recv.elem as object;
    }
    if (recv instanceof GoStruct) {
      const f = recv.field(name);
      if (f.nilEmbedded) this.error(node, `nil pointer evaluating ${typ}.${name}`);
      if (f.found) {
        if (hasArgs) this.error(node, `${name} has arguments but cannot be invoked as function`);
        return f.value;
      }
    }
    this.error(node, `can't evaluate field ${name} in type ${typ}`);
  }

  evalFunction(dot: unknown, ident: IdentifierNode, cmd: Positioned, args: ArgNode[], final: Final): unknown {
    const name = ident.name;
    this.at = ident;
    const argNodes = args.slice(1);
    const count = argNodes.length + (final === NO_FINAL ? 0 : 1);
    if (name === 'and' || name === 'or') {
      if (count === 0) this.error(cmd, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (const a of argNodes) {
        v = this.evalArg(dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final === NO_FINAL ? v : final;
    }
    const def = this.funcs.get(name);
    if (!def) this.error(ident, `"${name}" is not a defined function`);
    if (count < def.min || count > def.max) {
      const want = def.max === Infinity ? `at least ${def.min}` : String(def.min);
      this.error(cmd, `wrong number of args for ${name}: want ${want} got ${count}`);
    }
    const argv = argNodes.map((a) => this.evalArg(dot, a));
    if (final !== NO_FINAL) argv.push(final);
    try {
      return def.fn(argv);
    } catch (e) {
      if (e instanceof ArgTypeError) this.error(cmd, e.message);
      if (e instanceof InvalidParameterError) throw e;
      this.error(cmd, `error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** Own property, or one from a class prototype (getters, methods), never Object.prototype's. */
function lookup(obj: object, name: string): unknown {
  if (obj instanceof Map) return obj.get(name);
  const rec = obj as Record<string, unknown>;
  if (Object.hasOwn(obj, name)) return rec[name];
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, name)) return rec[name];
  }
  return undefined;
}
