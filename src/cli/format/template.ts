/**
 * Public entry to the Go text/template subset: parse once, execute many
 * times. Errors are InvalidParameterError with Go's messages, e.g.
 * `template: :1: function "foo" not defined`.
 */
import type { ListNode } from './ast.ts';
import { execute, type ExecOptions } from './exec.ts';
import { BASE_FUNCS, FUNC_NAMES, HEADER_FUNCS } from './funcs.ts';
import { parseTemplate } from './parser.ts';

export class Template {
  readonly source: string;
  readonly root: ListNode;

  constructor(source: string) {
    this.source = source;
    this.root = parseTemplate(source, FUNC_NAMES);
  }

  /** Execute against data; throws on execution errors. */
  execute(data: unknown, opts: ExecOptions = {}): string {
    const out: string[] = [];
    execute(this.root, this.source, data, BASE_FUNCS, out, opts);
    return out.join('');
  }

  /**
   * Execute with docker's header functions (json, upper, truncate, ... return
   * their argument unchanged). Like the docker CLI, an execution error is
   * ignored and whatever was produced before it is kept.
   */
  executeHeader(headers: unknown): string {
    const out: string[] = [];
    try {
      execute(this.root, this.source, headers, HEADER_FUNCS, out);
    } catch {
      // docker discards the header template's error
    }
    return out.join('');
  }
}

/** Parse a template (throws InvalidParameterError on syntax errors). */
export function parse(source: string): Template {
  return new Template(source);
}
