/** Parse tree of a template (the shapes follow Go's text/template/parse). */

interface Base {
  /** Byte offset in the source, for error messages. */
  pos: number;
  /** Source text of the node, for "executing ... at <...>" messages. */
  text: string;
}

export interface ListNode { nodes: Node[] }

export interface TextNode { kind: 'text'; text: string; pos: number }
export interface ActionNode extends Base { kind: 'action'; pipe: PipeNode }
export interface ControlNode extends Base {
  kind: 'if' | 'with' | 'range';
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | undefined;
}
export interface LoopJumpNode extends Base { kind: 'break' | 'continue' }

export type Node = TextNode | ActionNode | ControlNode | LoopJumpNode;

export interface PipeNode extends Base {
  kind: 'pipe';
  /** Declared (or assigned) variables, with their "$". */
  decl: string[];
  isAssign: boolean;
  cmds: CommandNode[];
}

export interface CommandNode extends Base { kind: 'command'; args: ArgNode[] }

/** .A.B — ident is ['A', 'B']. */
export interface FieldNode extends Base { kind: 'field'; ident: string[] }
/** $x.A — ident is ['$x', 'A']. */
export interface VariableNode extends Base { kind: 'variable'; ident: string[] }
/** (pipeline).A.B or func.A */
export interface ChainNode extends Base { kind: 'chain'; node: ArgNode; field: string[] }
export interface IdentifierNode extends Base { kind: 'identifier'; name: string }
export interface DotNode extends Base { kind: 'dot' }
export interface NilNode extends Base { kind: 'nil' }
export interface BoolNode extends Base { kind: 'bool'; value: boolean }
export interface NumberNode extends Base { kind: 'number'; value: number }
export interface StringNode extends Base { kind: 'string'; value: string }

export type ArgNode =
  | FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode
  | BoolNode | NumberNode | StringNode | PipeNode;
